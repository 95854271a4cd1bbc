import Foundation
import Results
@testable import Scenario
import StackbenchTesting
import Testing

/// The capacity search's bracketing and bisection against a fake stack whose capacity the test sets: every
/// window at or under it meets the latency limit, every one above misses it, so the steps and the answer are
/// known exactly.
@Suite struct CapacitySearchTests {
    /// A window at `rate` of a stack that serves `capacity` req/s: p99 1 ms up to it, 500 ms beyond.
    static func window(at rate: Double, capacity: Double, clientBoundFrom: Double = .infinity) -> ScenarioResult.Repetition {
        let load = SyntheticRuns.loadResult(rps: min(rate, capacity), p99: rate <= capacity ? 1_000 : 500_000, errors: 0)
        let flags: [ScenarioResult.WindowFlag] = rate >= clientBoundFrom ? [.init(kind: .clientBound, detail: "the client's core was 99% busy")] : []
        return .init(load: load, processes: [], flags: flags)
    }

    static func search(capacity: Double, start: Double = 50, maximum: Double = 1_000_000, maximumSteps: Int = 14,
                       clientBoundFrom: Double = .infinity) throws -> (ScenarioResult.SearchResult, [Double]) {
        var settings = Scenario.Search()
        settings.latency = ["99": 20_000]
        settings.start = start
        settings.maximum = maximum
        settings.maximumSteps = maximumSteps
        var offered: [Double] = []
        let search = CapacitySearch(search: settings, measure: { rate in
            offered.append(rate)
            return window(at: rate, capacity: capacity, clientBoundFrom: clientBoundFrom)
        }, say: { _ in })
        return (try search.run().result, offered)
    }

    @Test func itDoublesUntilAStepFailsThenBisectsToThePrecision() throws {
        let (result, offered) = try Self.search(capacity: 437)
        #expect(Array(offered.prefix(5)) == [50, 100, 200, 400, 800], "doubling from start")
        #expect(offered[5] == 600 && offered[6] == 500 && offered[7] == 450, "then halving the bracket: \(offered)")
        let capacity = try #require(result.capacity)
        #expect(capacity <= 437 && capacity >= 437 * 0.95, "capacity \(capacity)")
        #expect(result.ended == "the bracket narrowed to 5%")
        #expect(result.steps.count == offered.count && result.steps.filter(\.passed).allSatisfy { $0.offered <= 437 })
        #expect(result.steps.contains { !$0.passed && $0.reason?.hasPrefix("p99 500.00ms > 20.00ms") == true }, "\(result.steps.map(\.reason))")
    }

    @Test func aFirstStepThatFailsEndsWithNoCapacity() throws {
        let (result, offered) = try Self.search(capacity: 20)
        #expect(offered == [50])
        #expect(result.capacity == nil && result.ended.hasPrefix("the first rate tried"))
    }

    @Test func aClientBoundStepEndsTheSearchAtTheLastPassingRate() throws {
        let (result, offered) = try Self.search(capacity: 10_000, clientBoundFrom: 400)
        #expect(offered == [50, 100, 200, 400])
        #expect(result.capacity == 200, "the last rate that passed in a valid window")
        #expect(result.ended.hasPrefix("client-bound at 400"))
    }

    @Test func theMaximumAndTheStepLimitBoundTheSearch() throws {
        let (capped, cappedOffered) = try Self.search(capacity: 10_000, maximum: 300)
        #expect(cappedOffered == [50, 100, 200, 300] && capped.capacity == 300)
        #expect(capped.ended.hasPrefix("the highest rate allowed"))
        let (limited, limitedOffered) = try Self.search(capacity: 10_000, maximumSteps: 3)
        #expect(limitedOffered == [50, 100, 200] && limited.capacity == 200 && limited.ended == "the step limit (3) was reached")
    }
}
