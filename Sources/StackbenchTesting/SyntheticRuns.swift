import BenchSupport
import Foundation
import LoadEngine
import Reports
import Results

/// Run folders written as `stackbench run` writes them, with chosen req/s and p99 per repetition, so a test
/// decides exactly what `compare` sees.
public enum SyntheticRuns {
    @PublicInit
    public struct TargetValues {
        public var rps: [Double]
        public var p99: [Double]?
        public var errors: [Int]?
        /// Windows flagged client-bound.
        public var clientBound: [Bool]?
        /// A mix: per path (sent with GET), its p99 in each repetition; the target's figures stay as given.
        public var mix: [(path: String, p99: [Double])] = []
    }

    /// What a run records about itself besides its measurements.
    @PublicInit
    public struct RunInfo {
        public var startedAt = "2026-12-01T00:00:00Z"
        public var cpuModel = "test"
        public var label: String?
        public var commitTime: String?
        public var scenario = "synthetic"
    }

    /// `cells`: label → target name → its values; a label mapped to nil is a failed cell.
    public static func write(in folder: TemporaryFolder, name: String, cells: [(String, [(String, TargetValues)]?)], run: RunInfo = RunInfo()) throws -> String {
        var result = ScenarioResult(
            scenario: .init(name: run.scenario, file: run.scenario + ".yml", stack: [:]),
            machine: .init(cpuModel: run.cpuModel, cores: 2, kernel: "test"), stackbench: .init(version: "0.1.0", gitSha: nil),
            startedAt: run.startedAt,
            load: .init(connections: 4, threads: 1, durationSeconds: 1, count: nil, warmupSeconds: 0, rate: nil, repetitions: 5,
                        keepAlive: true, clientCPUs: nil, serverCPUs: nil))
        result.label = run.label
        result.commitTime = run.commitTime
        for (index, (label, targets)) in cells.enumerated() {
            result.cells.append(ScenarioResult.Cell(index: index + 1, label: label, settings: [], status: targets == nil ? .failed : .ok,
                                                    failure: targets == nil ? "pool killed by signal 9" : nil, logTail: nil, notes: []))
            for (name, values) in targets ?? [] {
                var target = ScenarioResult.Target(name: name, kind: .proxiedDynamic, url: "http://127.0.0.1:1", repetitions: [], median: nil)
                for (repetition, rps) in values.rps.enumerated() {
                    let p99 = values.p99?[repetition] ?? 1000
                    let errors = values.errors?[repetition] ?? 0
                    var load = loadResult(rps: rps, p99: p99, errors: errors)
                    if !values.mix.isEmpty {
                        load.perRequest = values.mix.map { request in
                            let latency = loadResult(rps: rps, p99: request.p99[repetition], errors: 0).latency
                            return RunResult.RequestBreakdown(method: "GET", url: "http://127.0.0.1:\(8000 + repetition)" + request.path,
                                                              responses: Int(rps) / values.mix.count, errors: 0, non2xx3xx: 0,
                                                              responsesPerSecond: rps / Double(values.mix.count), statusCodes: [:], latency: latency)
                        }
                    }
                    target.repetitions.append(.init(load: load,
                                                    processes: [.init(role: .front, cpuSeconds: 1, cpuMicrosecondsPerRequest: 50, rssKiB: 1000, processes: 1)],
                                                    pool: nil,
                                                    flags: values.clientBound?[repetition] == true
                                                        ? [.init(kind: .clientBound, detail: "the client's core was 97% busy")] : []))
                }
                target.median = ScenarioResult.Summary.median(of: target)
                result.share(target, inCell: result.cells.count - 1)
            }
        }
        let runFolder = folder.file(name)
        try FileManager.default.createDirectory(atPath: runFolder, withIntermediateDirectories: true)
        try RunFolder.write(result, to: runFolder)
        return runFolder
    }

    public static func histogram(_ value: Double) -> EncodedHistogram {
        let json = "{\"lowest\":1,\"highest\":60000000,\"significantDigits\":3,\"counts\":[[\(Int(value)),1]]}"
        return try! JSONDecoder().decode(EncodedHistogram.self, from: Data(json.utf8))
    }

    public static func loadResult(rps: Double, p99: Double, errors: Int) -> RunResult {
        let requests = Int(rps)
        let latency = RunResult.LatencySummary(min: 10, mean: p99 / 2, stdev: 1, max: p99 * 2,
                                               percentiles: ["50": p99 / 3, "75": p99 / 2, "90": p99 / 1.5, "99": p99, "99.9": p99 * 1.5, "99.99": p99 * 2])
        return RunResult(
            startedAt: "2026-12-01T00:00:00Z",
            config: .init(requests: [], unixSocket: nil, connections: 4, threads: 1, model: .closed, rate: nil, durationSeconds: 1,
                          count: nil, warmupSeconds: 0, timeoutSeconds: 30, keepAlive: true, cpus: nil),
            summary: .init(requests: requests, responses: requests - errors, errors: errors, non2xx3xx: 0, unfinished: 0, elapsedSeconds: 1,
                           responsesPerSecond: rps, bytes: 0, bytesPerSecond: 0, intended: nil),
            latency: latency, uncorrectedLatency: nil, statusCodes: ["200": requests], statusClasses: ["2xx": requests],
            errors: .init(byCategory: [:], byCurlCode: [:], curlMessages: [:]),
            clientCPU: .init(userSeconds: 0.1, systemSeconds: 0.1, cores: 1, shareOfCores: 0.2, microsecondsPerRequest: 1, saturated: false),
            perSecond: [], histogram: histogram(p99),
            uncorrectedHistogram: nil, warnings: [])
    }
}

extension ScenarioResult {
    /// Target `target` (its position among the cell's) of cell `cell` (its position in `cells`), to read or change
    /// in place as tests shape a result; a configuration that other cells share changes for them too.
    public subscript(cell cell: Int, target target: Int) -> Target {
        get { configurations[position(cell: cell, target: target)].target }
        set { configurations[position(cell: cell, target: target)].target = newValue }
    }

    private func position(cell: Int, target: Int) -> Int {
        let id = cells[cell].configurations[target]
        guard let position = configurations.firstIndex(where: { $0.id == id }) else { preconditionFailure("no configuration \(id)") }
        return position
    }
}
