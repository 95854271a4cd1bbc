import Compare
import Foundation
@testable import History
import Results
import StackbenchTesting
import Testing

/// A history over synthetic run folders written as `stackbench run` writes them: where the series change, how
/// runs are ordered and split by testbed, and the gate over the newest run.
@Suite struct HistoryTests {
    typealias Values = SyntheticRuns.TargetValues
    static let steady: [Double] = [1000, 1008, 994]

    /// Runs `rps[i]` (each a run's repetitions), started an hour apart, on `testbeds[i]` (default one machine).
    static func history(_ rps: [[Double]], testbeds: [String]? = nil, commitTimes: [String?]? = nil, flagged: Set<Int> = [],
                        metrics: [Metric] = [.rps]) throws -> History {
        let folder = try TemporaryFolder()
        for (index, values) in rps.enumerated() {
            let started = String(format: "2026-12-01T%02d:00:00Z", index)
            _ = try SyntheticRuns.write(in: folder, name: String(format: "20261201T%02d0000Z-synthetic", index),
                                        cells: [("workers=2", [("proxied-dynamic", Values(rps: values, clientBound: flagged.contains(index) ? values.map { _ in true } : nil))])],
                                        run: .init(startedAt: started, cpuModel: testbeds?[index] ?? "test", label: "commit\(index)",
                                                   commitTime: commitTimes?[index] ?? nil))
        }
        return History(try RunSet.load([folder.path]), metrics: metrics)
    }

    static func rpsSeries(_ history: History) throws -> History.Series {
        try #require(history.series.first { $0.metric == .rps })
    }

    @Test func twelveRunsSlowerByHalfFromRunSevenHaveOneChangeAtRunSeven() throws {
        let history = try Self.history((0..<12).map { run in Self.steady.map { $0 * (run < 6 ? 1 : 0.5) } })
        let series = try Self.rpsSeries(history)
        #expect(series.points.count == 12 && series.changes.count == 1, "\(series.changes)")
        let change = try #require(series.changes.first)
        #expect(change.point == 6 && change.regression && abs(change.ratio - 0.5) < 0.01 && change.pValue < 0.001)
        #expect(change.before.runs == 6 && change.after.runs == 6 && change.before.low <= 1000 && change.before.high >= 1000)
        #expect(history.text.contains("at run 7 (20261201T060000Z-synthetic [commit6]"), "\(history.text)")
        #expect(history.text.contains("0.50x") && history.text.contains("regression"))
    }

    @Test func tenRunsOfAnUnchangedServerHaveNone() throws {
        let wobble: [Double] = [1.0, 1.03, 0.98, 1.01, 0.97, 1.02, 0.99, 1.04, 0.98, 1.0]
        let series = try Self.rpsSeries(try Self.history(wobble.map { factor in Self.steady.map { $0 * factor } }))
        #expect(series.points.count == 10 && series.changes.isEmpty, "\(series.changes)")
    }

    @Test func twoTestbedsAreTwoSeriesWithNoChangeAtTheSwitch() throws {
        let history = try Self.history((0..<12).map { run in Self.steady.map { $0 * (run < 6 ? 1 : 0.5) } },
                                       testbeds: (0..<12).map { $0 < 6 ? "Xeon" : "EPYC" })
        let rps = history.series.filter { $0.metric == .rps }
        #expect(rps.count == 2 && rps.allSatisfy { $0.points.count == 6 && $0.changes.isEmpty }, "\(rps.map(\.testbed))")
        #expect(Set(rps.map(\.testbed.cpuModel)) == ["Xeon", "EPYC"])
    }

    /// Runs are ordered by the commit they measured where they recorded its time: a run of an older commit
    /// measured later sits before the newer commit.
    @Test func runsAreOrderedByCommitTimeElseByStart() throws {
        let history = try Self.history([Self.steady, Self.steady, Self.steady],
                                       commitTimes: ["2026-11-03T10:00:00+01:00", "2026-11-01T10:00:00Z", nil])
        #expect(history.runs.map(\.commit) == ["commit1", "commit0", "commit2"], "\(history.runs.map(\.time))")
        #expect(history.runs.map(\.timeIsCommit) == [true, true, false])
    }

    /// Runs of one commit (measured again, or dirty) keep the order they were measured in, however they are named.
    @Test func runsOfOneCommitKeepTheirStartOrder() throws {
        let folder = try TemporaryFolder()
        var paths: [String] = []
        for index in 0..<3 {
            paths.append(try SyntheticRuns.write(in: folder, name: "run\(index)", cells: [("workers=2", [("proxied-dynamic", Values(rps: Self.steady))])],
                                                 run: .init(startedAt: "2026-12-01T0\(index):00:00Z", label: "abc+dirty\(index)",
                                                            commitTime: "2026-11-01T10:00:00Z")))
        }
        let history = History(try RunSet.load(paths.reversed()), metrics: [.rps])
        #expect(history.runs.map(\.commit) == ["abc+dirty0", "abc+dirty1", "abc+dirty2"])
    }

    @Test func flaggedWindowsAreLeftOut() throws {
        let history = try Self.history([Self.steady, Self.steady, Self.steady], flagged: [1])
        let series = try Self.rpsSeries(history)
        #expect(series.points.map(\.run) == [0, 2] && history.flaggedOut.map(\.run) == [1])
    }

    @Test func theGateFailsWhenTheNewestRunStartsARegressionBeyondTheLimit() throws {
        let history = try Self.history((0..<9).map { run in Self.steady.map { $0 * (run < 8 ? 1 : 0.5) } })
        let verdict = history.gate(try GateLimit.parse("rps:-5%", flag: "--fail-on-change"))
        #expect(verdict.exitStatus == 1 && verdict.failures.count == 1, "\(verdict)")
        #expect(verdict.failures.first?.contains("breaks rps:-5%") == true && verdict.junit.contains("<failure"))
        #expect(history.gate(try GateLimit.parse("rps:-60%", flag: "--fail-on-change")).exitStatus == 0, "a 50% drop is inside -60%")
    }

    @Test func theGatePassesAnOldChangeAndJudgesTheNewestRunAgainstTheRunsSinceIt() throws {
        let history = try Self.history((0..<12).map { run in Self.steady.map { $0 * (run < 6 ? 1 : 0.5) } })
        let verdict = history.gate(try GateLimit.parse("rps:-5%", flag: "--fail-on-change"))
        #expect(verdict.exitStatus == 0 && verdict.checked == 1, "\(verdict)")
    }

    @Test func theGateCannotJudgeASeriesTooShortOrTooNoisyAndSaysWhatWouldDo() throws {
        let short = try Self.history([Self.steady, Self.steady]).gate(try GateLimit.parse("rps:-5%", flag: "--fail-on-change"))
        #expect(short.exitStatus == 2 && short.problems.first?.contains("needs at least 2") == true, "\(short.problems)")
        let noisy = try Self.history([0.8, 1.2, 0.9, 1.1, 1.0].map { factor in Self.steady.map { $0 * factor } })
            .gate(try GateLimit.parse("rps:-5%", flag: "--fail-on-change"))
        #expect(noisy.exitStatus == 2 && noisy.problems.first?.contains("cannot judge rps:-5%") == true, "\(noisy.problems)")
        #expect(noisy.problems.first?.contains("no number of runs would do") == true, "runs ±15% apart cannot resolve 5%: \(noisy.problems)")
        let steadyish = try Self.history([1.0, 1.01, 0.99, 1.0].map { factor in Self.steady.map { $0 * factor } })
            .gate(try GateLimit.parse("rps:-8%", flag: "--fail-on-change"))
        #expect(steadyish.exitStatus == 2 && steadyish.problems.first?.contains("need about") == true, "\(steadyish.problems)")
    }

    @Test func theGateSaysWhenTheNewestRunHasNothingValid() throws {
        let verdict = try Self.history([Self.steady, Self.steady, Self.steady, Self.steady], flagged: [3])
            .gate(try GateLimit.parse("rps:-5%", flag: "--fail-on-change"))
        #expect(verdict.exitStatus == 2 && verdict.problems.first?.contains("all 3 window(s) flagged") == true, "\(verdict.problems)")
    }

    @Test func everyFormatCarriesTheChange() throws {
        let history = try Self.history((0..<12).map { run in Self.steady.map { $0 * (run < 6 ? 1 : 0.5) } })
        #expect(history.markdown.contains("| run 7 (20261201T060000Z-synthetic [commit6]"), "\(history.markdown)")
        #expect(history.html.contains("<svg") && history.html.contains("0.50x regression"))
        let json = try JSONSerialization.jsonObject(with: try history.json()) as? [String: Any]
        #expect(json?["schema"] as? String == "stackbench.history/1")
        let csv = history.otavaCSV.split(separator: "\n")
        #expect(csv.count == 13 && csv[0].hasPrefix("time,commit,synthetic · workers=2 · proxied-dynamic · rps") && csv[7].contains(",commit6,"),
                "\(csv.prefix(2))")
    }
}
