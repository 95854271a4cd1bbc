import Foundation
import StackbenchTesting
import Testing

/// The planner in a real run: a key no target reads never makes two measurements, and a real difference — the
/// CPU-bound `/work` with one pool worker against two on two server cores — is found with its interval.
@Suite(.serialized) struct PlannedRunTests {
    @Test func aKeyNoTargetReadsIsMeasuredOnceAndARealDifferenceIsFound() throws {
        let folder = try TemporaryFolder()
        let scenario = folder.file("planned.yml")
        try """
            name: planned
            \(ScenarioRunTests.teacherStack)
            matrix:
              workers: [1, 2]
              threads: 1
              keepalive_timeout: [30, 60]
            targets:
              dev-server: {requests: [/hello]}
              pool-direct: {requests: ["/work?ms=4"], checks: {contains: worked}}
            load: {connections: 4, duration: 1s, warmup: 200ms, rounds: 4, server-cpus: "0-1"}
            """.write(toFile: scenario, atomically: true, encoding: .utf8)
        let results = folder.file("results")
        let (run, stack) = try ScenarioRunTests.runWatchingTheStack(scenario, results: results)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stderr.contains("measured: dev-server: 1 configuration (not affected by workers, threads, keepalive_timeout)"), "\(run.stderr)")
        #expect(run.stderr.contains("measured: pool-direct: 2 configurations (not affected by keepalive_timeout)"))
        let (runFolder, json) = try ScenarioRunTests.onlyRun(in: results)
        let cells = json["cells"] as? [[String: Any]] ?? []
        try #require(cells.count == 4)
        func target(_ cell: Int, _ name: String) -> [String: Any] {
            ScenarioRunTests.targets(of: cells[cell], in: json).first { $0["name"] as? String == name } ?? [:]
        }
        func windows(_ cell: Int, _ name: String) -> [String] {
            (target(cell, name)["repetitions"] as? [[String: Any]] ?? []).map { "\($0["cell"] ?? "") r\($0["round"] ?? "")" }
        }
        // result.json holds a shared configuration once, every cell naming it.
        let configurations = (json["configurations"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        #expect(configurations.filter { $0.hasPrefix("dev-server") } == ["dev-server (every cell)"], "stored once: \(configurations)")
        #expect(cells.allSatisfy { ($0["configurations"] as? [String])?.contains("dev-server (every cell)") == true })
        #expect(target(0, "dev-server")["ignores"] as? [String] == ["workers", "threads", "keepalive_timeout"])
        #expect(target(0, "pool-direct")["ignores"] as? [String] == ["keepalive_timeout"])
        // One dev-server configuration, measured once per round in a different cell each time; every cell has its windows.
        #expect(windows(0, "dev-server").count == 4 && Set(windows(0, "dev-server").map { $0.split(separator: " r")[0] }).count == 4, "\(windows(0, "dev-server"))")
        #expect((0..<4).allSatisfy { windows($0, "dev-server") == windows(0, "dev-server") })
        // The keepalive_timeout cells share the pool's windows; the workers cells do not.
        #expect(windows(0, "pool-direct").count == 4 && windows(0, "pool-direct") == windows(1, "pool-direct"))
        #expect(windows(2, "pool-direct") == windows(3, "pool-direct") && windows(0, "pool-direct") != windows(2, "pool-direct"))
        #expect((json["order"] as? [Any])?.count == 12, "4 rounds × (1 + 2) windows")
        let report = try String(contentsOfFile: runFolder + "/report.md", encoding: .utf8)
        #expect(report.contains("Not affected by workers, threads, keepalive_timeout: one configuration, its windows shared by all 4 cells."))
        #expect(!report.contains("| keepalive_timeout |"), "no target reads it: no effect to show")
        let effect = report.split(separator: "\n").first { $0.hasPrefix("| workers | 1 → 2 | pool-direct | 1 |") }.map(String.init) ?? ""
        let columns = effect.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        try #require(columns.count >= 6, "\(report)")
        #expect(!columns[4].hasPrefix("~"), "two workers on two cores: a significant gain, \(effect)")
        let ratio = Double(columns[4].prefix { $0 != "x" }) ?? 0
        #expect(ratio > 1.3 && ratio < 2.3, "\(effect)")
        #expect(report.contains("- **pool-direct**: workers=2 threads=1 — "), "the best configuration is named by the keys the target reads")
        #expect(stack.filter { kill($0, 0) == 0 }.isEmpty, "stack processes left")
    }
}
