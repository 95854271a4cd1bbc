import Foundation
@testable import Compare
import Results
import StackbenchTesting
import Testing

/// The comparison and the gate in process, on synthetic run folders whose repetitions the test chooses (the
/// command line around them is tested in IntegrationTests/CompareCommandTests).
@Suite struct ComparisonTests {
    typealias Values = SyntheticRuns.TargetValues
    static let steady: [Double] = [1000, 1008, 994, 1003, 997]

    /// `failingCell`: a second cell the baseline measured and the current run failed.
    static func compare(_ baseline: Values, _ current: Values, failingCell: Bool = false) throws -> Comparison {
        let folder = try TemporaryFolder()
        var before: [(String, [(String, Values)]?)] = [("workers=2", [("proxied-dynamic", baseline)])]
        var after: [(String, [(String, Values)]?)] = [("workers=2", [("proxied-dynamic", current)])]
        if failingCell {
            before.append(("workers=4", [("proxied-dynamic", baseline)]))
            after.append(("workers=4", nil))
        }
        let a = try SyntheticRuns.write(in: folder, name: "a", cells: before)
        let b = try SyntheticRuns.write(in: folder, name: "b", cells: after)
        return Comparison(runs: try RunSet.load([a, b]))
    }

    @Test func theSameDistributionIsNoChange() throws {
        let delta = try #require(try Self.compare(Values(rps: Self.steady), Values(rps: Self.steady.reversed())).rows(of: .rps).first?.deltas.first)
        #expect(delta.testable && !delta.significant && !delta.improvement && abs(delta.percent ?? 1) < 0.001)
    }

    @Test func aSteadyTwentyPercentDropIsASignificantRegressionAndFailsTheGate() throws {
        let comparison = try Self.compare(Values(rps: Self.steady), Values(rps: Self.steady.map { $0 * 0.8 }))
        let delta = try #require(comparison.rows(of: .rps).first?.deltas.first)
        #expect(delta.significant && !delta.improvement && abs((delta.percent ?? 0) + 20) < 0.5)
        let verdict = comparison.gate(try GateLimit.parse("rps:-5%"))
        #expect(!verdict.failures.isEmpty && verdict.problems.isEmpty, "\(verdict)")
        #expect(comparison.gate(try GateLimit.parse("rps:-30%")).failures.isEmpty, "inside a 30% allowance")
    }

    @Test func threeRepetitionsCannotBeJudged() throws {
        let delta = try #require(try Self.compare(Values(rps: [1000, 1001, 999]), Values(rps: [500, 501, 499])).rows(of: .rps).first?.deltas.first)
        #expect(!delta.testable && !delta.significant, "3 + 3 cannot reach p < 0.05")
    }

    @Test func clientBoundWindowsAreLeftOutAndAFailedCellIsUnmatched() throws {
        let comparison = try Self.compare(Values(rps: Self.steady), Values(rps: Self.steady, clientBound: [true, false, false, false, false]),
                                          failingCell: true)
        let sample = try #require(comparison.rows(of: .rps).first?.samples.last ?? nil)
        #expect(sample.flagged == 1 && sample.values.count == 4)
        #expect(comparison.unmatched.contains { $0.key.cell == "workers=4" && $0.missing.values.contains { $0.contains("pool killed by signal 9") } },
                "\(comparison.unmatched)")
    }

    /// One view of two made 5 ms slower: the target's p99 (dominated by the other, slower view) stays within
    /// +25%, the view's own row fails the gate, named by its request; the hosts differ per window and do not matter.
    @Test func aSlowerViewInAMixFailsInItsOwnRow() throws {
        let admin: [Double] = [30000, 30400, 29800, 30100, 29900], notes: [Double] = [3000, 3050, 2980, 3010, 2990]
        let comparison = try Self.compare(Values(rps: Self.steady, p99: admin, mix: [("/admin/login/", admin), ("/notes/", notes)]),
                                          Values(rps: Self.steady, p99: admin.map { $0 * 1.05 }, mix: [("/admin/login/", admin.reversed()), ("/notes/", notes.map { $0 + 5000 })]))
        let keys = comparison.rows(of: .p99).map(\.key.text)
        #expect(keys == ["workers=2 · proxied-dynamic", "workers=2 · proxied-dynamic · GET /admin/login/", "workers=2 · proxied-dynamic · GET /notes/"], "\(keys)")
        #expect(comparison.rows(of: .cpuPerRequest).count == 1, "CPU is measured per target, not per request")
        let verdict = comparison.gate(try GateLimit.parse("p99:+25%"))
        #expect(verdict.failures.count == 1 && verdict.failures[0].hasPrefix("workers=2 · proxied-dynamic · GET /notes/: p99"), "\(verdict.failures)")
    }
}
