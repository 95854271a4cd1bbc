import BenchSupport
import Foundation
import LoadEngine
import Results
import StackbenchTesting
import Testing

/// Results on its own: what result.json holds and the invariants reading it restores. A target that ignores a
/// matrix key has one configuration for the cells that differ only in that key: stored once with every window,
/// named by each cell; a result of the previous schema reads as the current one; a request of a mix is named by its
/// method, path and query whatever host served it; a file of another schema is refused naming it.
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

    static func emptyResult() -> ScenarioResult {
        ScenarioResult(scenario: .init(name: "s", file: "s.yml", stack: [:]), machine: .init(cpuModel: "m", cores: 2, kernel: "k"),
                       stackbench: .init(version: "0", gitSha: nil), startedAt: "2026-12-03T00:00:00Z",
                       load: .init(connections: 1, threads: 1, durationSeconds: 1, count: nil, warmupSeconds: 0, rate: nil, repetitions: 1,
                                   keepAlive: true, clientCPUs: nil, serverCPUs: nil))
    }

    static func settings(workers: Int) -> [CellSetting] { [CellSetting(name: "workers", value: "\(workers)", component: .uwsgi)] }

    /// Two cells (workers=1, workers=2) whose dev-server target ignores `workers`: one configuration, its windows
    /// measured in turns by both cells; the dynamic path reads `workers`: one configuration per cell.
    static func sharedResult() -> ScenarioResult {
        var result = emptyResult()
        for workers in [1, 2] {
            result.cells.append(.init(index: workers, label: "workers=\(workers)", settings: settings(workers: workers), status: .ok, notes: []))
        }
        for round in 1...2 {
            for workers in [1, 2] {
                let dev = ScenarioResult.Target(name: "dev-server", kind: .devServer, url: "http://127.0.0.1:1/", repetitions: [repetition(Double(100 + 10 * round))],
                                                ignores: ["workers"])
                let pool = ScenarioResult.Target(name: "proxied-dynamic", kind: .proxiedDynamic, url: "http://127.0.0.1:2/",
                                                 repetitions: [repetition(Double(workers * 50 + round))], ignores: [])
                if workers == round { result.append(dev, measuredWith: settings(workers: workers), cellLabel: "workers=\(workers)") }
                result.append(pool, measuredWith: settings(workers: workers), cellLabel: "workers=\(workers)")
            }
        }
        for index in result.cells.indices {
            result.cells[index].configurations = result.configurations.filter { $0.label == "every cell" || $0.label == result.cells[index].label }.map(\.id)
        }
        return result.withMedians(noiseLimit: 0.05)
    }

    @Test func aSharedConfigurationHoldsEveryWindowOnceAndEachCellNamesIt() throws {
        let result = Self.sharedResult()
        #expect(result.configurations.map(\.id) == ["dev-server (every cell)", "proxied-dynamic (workers=1)", "proxied-dynamic (workers=2)"])
        #expect(result.configurations.map(\.settings.count) == [0, 1, 1], "a configuration keeps the settings its target reads")
        #expect(result.configurations[0].target.values(.rps) == [110, 120], "windows measured by either cell, in time order")
        #expect(result.configurations[1].target.values(.rps) == [51, 52] && result.configurations[2].target.values(.rps) == [101, 102])
        #expect(result.cells.map { result.targets(in: $0).map(\.name) } == [["dev-server", "proxied-dynamic"], ["dev-server", "proxied-dynamic"]])
        #expect(result.cells(sharing: result.configurations[0]).count == 2 && result.cells(sharing: result.configurations[2]).map(\.label) == ["workers=2"])
        #expect(result.target("proxied-dynamic", in: result.cells[1])?.median?.rps == 101.5)
        let folder = try TemporaryFolder()
        try JSONEncoder().encode(result).write(to: URL(fileURLWithPath: folder.file("result.json")))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder.file("result.json")))) as? [String: Any])
        let stored = (json["configurations"] as? [[String: Any]] ?? []).map { (($0["target"] as? [String: Any])?["repetitions"] as? [Any])?.count ?? 0 }
        #expect(json["schema"] as? String == "stackbench.run/3" && stored == [2, 2, 2], "each window stored once")
        #expect((json["cells"] as? [[String: Any]])?.allSatisfy { $0["targets"] == nil } == true, "cells hold no windows")
        let (read, _) = try RunFolder.read(folder.path)
        #expect(read.cells.map { read.targets(in: $0).map { $0.values(.rps) } } == [[[110, 120], [51, 52]], [[110, 120], [101, 102]]])
    }

    /// Written by stackbench before run/3 (from `sharedResult` as it was then, and a failed cell): two cells
    /// sharing the dev server's configuration, the second pointing to the first's windows.
    static let run2Fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/run2-shared-windows.json").path

    @Test func aRunTwoResultReadsAsIfRunThreeHadWrittenIt() throws {
        let (read, _) = try RunFolder.read(Self.run2Fixture)
        #expect(read.schema == ScenarioResult.currentSchema)
        #expect(read.configurations.map(\.id) == ["dev-server (every cell)", "proxied-dynamic (workers=1)", "proxied-dynamic (workers=2)"])
        #expect(read.cells.map(\.configurations.count) == [2, 2, 0], "the failed cell had no targets")
        #expect(read.cells.prefix(2).map { read.target("dev-server", in: $0)?.repetitions.count } == [2, 2], "the pointer to workers=1's windows followed")
        #expect(read.cells.prefix(2).map { read.target("proxied-dynamic", in: $0)?.values(.rps) } == [[50], [100]])
        #expect(read.configurations.map { $0.target.median?.rps } == [105, 50, 100], "medians as stored")
        #expect(read.cells[2].status == .failed && read.cells[2].failure == "pool killed by signal 9")
    }

    @Test func aFileOfAnotherSchemaOrNotJSONIsRefusedNamingIt() throws {
        let folder = try TemporaryFolder()
        let file = folder.file("result.json")
        try Data("{\"schema\": \"stackbench.run/1\"}".utf8).write(to: URL(fileURLWithPath: file))
        #expect(throws: FileError.self) { try RunFolder.read(file) }
        do { _ = try RunFolder.read(file) } catch let error as FileError {
            #expect("\(error)".contains(file) && "\(error)".contains("schema \"stackbench.run/1\": this stackbench reads \"stackbench.run/3\" and \"stackbench.run/2\""), "\(error)")
        }
        try Data("[1, 2".utf8).write(to: URL(fileURLWithPath: file))
        do { _ = try RunFolder.read(file) } catch let error as FileError { #expect("\(error)".contains("not JSON"), "\(error)") }
        // A run/2 file missing a target's name: the path as it is in the file.
        var document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.run2Fixture))) as? [String: Any])
        var cells = try #require(document["cells"] as? [[String: Any]])
        var targets = try #require(cells[1]["targets"] as? [[String: Any]])
        targets[1]["name"] = nil
        cells[1]["targets"] = targets
        document["cells"] = cells
        try JSONSerialization.data(withJSONObject: document).write(to: URL(fileURLWithPath: file))
        #expect(throws: FileError.self) { try RunFolder.read(file) }
        do { _ = try RunFolder.read(file) } catch let error as FileError {
            #expect("\(error)".contains("not a complete stackbench.run/2 result: key cells[1].targets[1].name missing"), "\(error)")
        }
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
