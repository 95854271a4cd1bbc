import BenchSupport
import Foundation
import LoadEngine
import Results
import StackbenchTesting
import Testing

/// Results on its own: what result.json holds and the invariants reading it restores. A target that ignores a
/// matrix key is one configuration for the cells that differ only in that key: stored once, read back in every
/// cell; a request of a mix is named by its method, path and query whatever host served it; a file of another
/// schema is refused naming it.
@Suite struct ResultsTests {
    static func repetition(_ rps: Double, mix: [(String, Double)] = []) -> ScenarioResult.Repetition {
        var load = SyntheticRuns.loadResult(rps: rps, p99: 1000, errors: 0)
        if !mix.isEmpty {
            load.perRequest = mix.map { url, p99 in
                RunResult.RequestBreakdown(method: "GET", url: url, responses: 10, errors: 0, non2xx3xx: 0, responsesPerSecond: rps / 2,
                                           statusCodes: ["200": 10], latency: SyntheticRuns.loadResult(rps: rps, p99: p99, errors: 0).latency)
            }
        }
        return ScenarioResult.Repetition(load: load, processes: [])
    }

    /// Two cells (workers=1, workers=2) whose dev-server target ignores `workers`: one configuration.
    static func sharedResult() -> ScenarioResult {
        var result = ScenarioResult(scenario: .init(name: "s", file: "s.yml", stack: [:]), machine: .init(cpuModel: "m", cores: 2, kernel: "k"),
                                    stackbench: .init(version: "0", gitSha: nil), startedAt: "2026-12-03T00:00:00Z",
                                    load: .init(connections: 1, threads: 1, durationSeconds: 1, count: nil, warmupSeconds: 0, rate: nil, repetitions: 1,
                                                keepAlive: true, clientCPUs: nil, serverCPUs: nil))
        for workers in [1, 2] {
            let settings = [CellSetting(name: "workers", value: "\(workers)", component: .uwsgi)]
            let dev = ScenarioResult.Target(name: "dev-server", kind: .devServer, url: "http://127.0.0.1:1/", repetitions: [repetition(100), repetition(110)],
                                            ignores: ["workers"])
            let pool = ScenarioResult.Target(name: "proxied-dynamic", kind: .proxiedDynamic, url: "http://127.0.0.1:2/", repetitions: [repetition(Double(workers) * 50)])
            result.cells.append(.init(index: workers, label: "workers=\(workers)", settings: settings, status: .ok, notes: [], targets: [dev, pool]))
        }
        return result
    }

    @Test func aSharedConfigurationIsStoredOnceAndReadBackInEveryCell() throws {
        let result = Self.sharedResult()
        #expect(result.cells.map { $0.configurationLabel(of: $0.targets[0]) } == ["every cell", "every cell"])
        #expect(result.cells.map { $0.configurationLabel(of: $0.targets[1]) } == ["workers=1", "workers=2"])
        let stored = result.sharingWindowsOnce()
        #expect(stored.cells[0].targets[0].repetitions.count == 2 && stored.cells[1].targets[0].repetitions.isEmpty)
        #expect(stored.cells[1].targets[0].windowsIn == "workers=1" && stored.cells[1].targets[1].repetitions.count == 1, "targets reading the key keep their own")
        let folder = try TemporaryFolder()
        try JSONEncoder().encode(stored).write(to: URL(fileURLWithPath: folder.file("result.json")))
        let (read, _) = try RunFolder.read(folder.path)
        #expect(read.cells.map { $0.targets[0].repetitions.count } == [2, 2] && read.cells.allSatisfy { $0.targets[0].windowsIn == nil })
        #expect(read.cells.map { $0.targets[1].values(.rps) } == [[50], [100]])
    }

    @Test func aFileOfAnotherSchemaOrNotJSONIsRefusedNamingIt() throws {
        let folder = try TemporaryFolder()
        let file = folder.file("result.json")
        try Data("{\"schema\": \"stackbench.run/1\"}".utf8).write(to: URL(fileURLWithPath: file))
        #expect(throws: FileError.self) { try RunFolder.read(file) }
        do { _ = try RunFolder.read(file) } catch let error as FileError {
            #expect("\(error)".contains(file) && "\(error)".contains("schema \"stackbench.run/1\": this stackbench reads \"\(ScenarioResult.currentSchema)\""), "\(error)")
        }
        try Data("[1, 2".utf8).write(to: URL(fileURLWithPath: file))
        do { _ = try RunFolder.read(file) } catch let error as FileError { #expect("\(error)".contains("not JSON"), "\(error)") }
    }

    @Test func theRequestsOfAMixAreNamedByPathWhateverTheHost() {
        let mix: (Int) -> [(String, Double)] = { port in [("http://127.0.0.1:\(port)/notes/?page=2", 3000), ("http://[::1]:\(port)/admin/login/", 30000)] }
        let target = ScenarioResult.Target(name: "views", kind: .proxiedDynamic, url: "", repetitions: [Self.repetition(100, mix: mix(8001)), Self.repetition(120, mix: mix(8002))])
        #expect(target.mixRequests == ["GET /notes/?page=2", "GET /admin/login/"])
        #expect(target.values(.p99, request: "GET /notes/?page=2") == [3000, 3000])
        #expect(target.values(.rps, request: "GET /admin/login/") == [50, 60])
        #expect(target.values(.cpuPerRequest, request: "GET /notes/?page=2").isEmpty, "CPU is measured per target")
        // A window that recorded another mix, or one request, gives no per-request rows at all.
        let uneven = ScenarioResult.Target(name: "v", kind: .proxiedDynamic, url: "", repetitions: [Self.repetition(100, mix: mix(1)), Self.repetition(100)])
        #expect(uneven.mixRequests.isEmpty)
        #expect(RequestURL.pathAndQuery("http://h:1") == "/" && RequestURL.pathAndQuery("http://h/a%20b?x=%2F") == "/a%20b?x=%2F")
    }
}
