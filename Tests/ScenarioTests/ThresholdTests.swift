import Foundation
@testable import Scenario
import Results
import StackConfig
import StackbenchTesting
import Testing

/// `thresholds:` lines: parsed with units and ratios, judged against medians, and refused with the reason.
@Suite struct ThresholdTests {
    @Test func thresholdsJudgeMediansAndRatios() throws {
        let targets = ["a", "b"]
        let values: [String: [Metric: Double]] = ["a": [.rps: 3000, .p99: 40_000, .errors: 0], "b": [.rps: 1000, .errors: 2]]
        func check(_ text: String) throws -> [Bool] {
            try Threshold.parse(text, line: 1, targets: targets).check(targets: targets) { values[$0]?[$1] }.map(\.passed)
        }
        #expect(try check("a.rps > 2500") == [true])
        #expect(try check("a.p99 < 50ms") == [true])
        #expect(try check("a.p99 < 30ms") == [false])
        #expect(try check("errors == 0") == [true, false])
        #expect(try check("a.rps / b.rps >= 3") == [true])
        #expect(try check("a.rps / b.rps > 3.5") == [false])
        #expect(try check("b.p99 < 1s") == [false], "not measured fails")
    }

    @Test(arguments: [
        ("a.rps 3000", "has no comparison"), ("a.rps / b.rps / a.rps > 1", "at most one"), ("c.rps > 1", "c"),
        ("a.speed > 1", "speed"), ("a.rps > fast", "fast"), ("a.rps / 2 > 1", "neither a metric"), ("rps / b.rps > 1", "names a target on both sides"),
    ])
    func badThresholdsSayWhy(text: String, named: String) {
        do {
            _ = try Threshold.parse(text, line: 1, targets: ["a", "b"])
            Issue.record("parsed: \(text)")
        } catch {
            #expect(error.description.contains(named), "\(error.description)")
        }
    }
}
