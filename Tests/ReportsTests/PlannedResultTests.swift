import BenchSupport
import Foundation
import Results
@testable import Reports
import StackbenchTesting
import Testing

/// Reports on a planned result: a target that ignores the swept keys is one configuration (never ranked, never
/// listed twice), and the effect of each key on each target that reads it comes with its interval.
@Suite struct PlannedResultTests {
    typealias Values = SyntheticRuns.TargetValues

    /// workers {1, 2} × threads {1, 4}: the dynamic path doubles with workers and does not care about threads; the
    /// dev server reads neither, so every cell carries the same windows of it.
    static func sweep(dynamicRepetitions: Int = 5) throws -> ScenarioResult {
        let noise: [Double] = [0.97, 1.02, 0.99, 1.03, 1.0, 0.98]
        let labels = [("1", "1"), ("1", "4"), ("2", "1"), ("2", "4")]
        let dev = Values(rps: [700, 720, 690, 710, 705], clientBound: [false, true, false, false, false])
        let measured = try RunAnalysisTests.result(labels.map { workers, threads in
            let base = workers == "1" ? 1000.0 : 1900.0
            let shift = threads == "1" ? 1.0 : 1.01
            return ("workers=\(workers) threads=\(threads)", [
                ("dev-server", dev),
                ("proxied-dynamic", Values(rps: noise.prefix(dynamicRepetitions).map { $0 * base * shift })),
            ])
        })
        // Filed again as a planned run files them: the cells with their settings, the dev server ignoring both keys.
        var result = measured
        result.configurations = []
        for (index, (workers, threads)) in labels.enumerated() {
            result.cells[index].settings = [.init(name: "workers", value: workers, component: .uwsgi), .init(name: "threads", value: threads, component: .uwsgi)]
            result.cells[index].configurations = []
            var dev = try #require(measured.target("dev-server", in: measured.cells[index]))
            var dynamic = try #require(measured.target("proxied-dynamic", in: measured.cells[index]))
            dev.ignores = ["workers", "threads"]
            dev.kind = .devServer
            dynamic.ignores = []
            result.share(dev, inCell: index)
            result.share(dynamic, inCell: index)
        }
        return result
    }

    @Test func aTargetTheKeysDoNotReachIsOneConfigurationAndNeverRanked() throws {
        let result = try Self.sweep()
        #expect(RunAnalysis(result).configurations(of: "dev-server").map(\.label) == ["every cell"])
        #expect(RunAnalysis(result).okCells(sharing: RunAnalysis(result).configurations(of: "dev-server")[0]).count == 4)
        #expect(RunAnalysis(result).configurations(of: "proxied-dynamic").count == 4)
        #expect(RunAnalysis(result).bestSetting(of: "dev-server") == nil, "nothing to choose among one configuration")
        #expect(RunAnalysis(result).sharingNote(of: "dev-server")?.hasPrefix("Not affected by workers, threads: one configuration") == true)
        #expect(RunAnalysis(result).validityRows.filter { $0.target == "dev-server" }.count == 1, "its one client-bound window is listed once, not per cell")
        let markdown = MarkdownReport(result: result).text
        let section = markdown.components(separatedBy: "## dev-server\n").last?.components(separatedBy: "\n## ").first ?? ""
        #expect(section.split(separator: "\n").filter { $0.hasPrefix("| every cell |") }.count == 1, "one row in the dev server's table: \(section)")
        #expect(!markdown.contains("Settings for dev-server"))
        #expect(SummaryTable(result: result).text.split(separator: "\n").filter { $0.contains("dev-server") }.count == 1)
    }

    @Test func theEffectOfEachKeyComesWithItsIntervalAndATieIsMarked() throws {
        let effects = try RunAnalysis(Self.sweep()).settingEffects
        #expect(effects.map { "\($0.key) \($0.from)→\($0.to) \($0.target) \($0.pairs)" } == ["workers 1→2 proxied-dynamic 2", "threads 1→4 proxied-dynamic 2"])
        let workers = effects[0].rps, threads = effects[1].rps
        #expect(abs(workers.ratio - 1.9) < 0.02 && workers.interval.lowerBound > 1.7 && workers.interval.upperBound < 2.1)
        #expect(workers.significant && workers.text.hasPrefix("1.90x ["))
        #expect(!threads.significant && threads.interval.contains(1) && threads.text.hasPrefix("~ "), "a 1% shift inside 3% noise is a tie")
        let answers = try #require(try RunAnalysis(Self.sweep()).answers)
        #expect(answers.findings.contains { $0.hasPrefix("What the settings do to proxied-dynamic: workers 1 → 2: 1.90x [") && $0.hasSuffix("no significant effect of threads") })
    }

    @Test func tooFewWindowsAreNeverSignificant() throws {
        let effects = try RunAnalysis(Self.sweep(dynamicRepetitions: 3)).settingEffects
        #expect(effects.allSatisfy { !$0.rps.significant && $0.rps.text.hasPrefix("~") }, "3 windows a side: no call, however far apart")
    }

    @Test func studentsTIsTheTablesAndApproachesTheNormal() {
        #expect(Statistics.studentT975(degreesOfFreedom: 4) == 2.776)
        #expect(abs(Statistics.studentT975(degreesOfFreedom: 60) - 2.000) < 0.002)
        #expect(abs(Statistics.studentT975(degreesOfFreedom: 120) - 1.980) < 0.002)
        #expect(Statistics.studentT975(degreesOfFreedom: 0) == .infinity)
    }
}

extension PlannedResultTests {
    @Test func resultJsonHoldsASharedWindowOnceAndEveryCellNamesIt() throws {
        let result = try Self.sweep()
        let folder = try TemporaryFolder()
        try RunFolder.write(result, to: folder.path)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder.file("result.json")))) as? [String: Any]
        let configurations = json?["configurations"] as? [[String: Any]] ?? []
        #expect(configurations.compactMap { $0["id"] as? String }.filter { $0.hasPrefix("dev-server") } == ["dev-server (every cell)"])
        #expect(configurations.map { (($0["target"] as? [String: Any])?["repetitions"] as? [Any])?.count } == [5, 5, 5, 5, 5])
        let cells = json?["cells"] as? [[String: Any]] ?? []
        #expect(cells.allSatisfy { ($0["configurations"] as? [String])?.first == "dev-server (every cell)" })
        let text = try String(contentsOfFile: folder.file("result.json"), encoding: .utf8)
        #expect(!text.contains("\\/"), "slashes unescaped")
        let read = try RunFolder.read(folder.path).result
        #expect(read.cells.map { read.target("dev-server", in: $0)?.repetitions.count } == [5, 5, 5, 5])
        #expect(MarkdownReport(result: read).text == MarkdownReport(result: result).text)
    }
}
