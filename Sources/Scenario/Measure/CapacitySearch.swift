import BenchSupport
import Foundation
import Results
import LoadEngine

extension Scenario {
    /// `load.search`: find the highest arrival rate (open model) at which a target still meets its latency and
    /// error limits.
    public struct Search: Sendable, Equatable {
        /// Latency limits, µs, by percentile key ("99", "99.9", "50", "90").
        public var latency: [String: Double] = [:]
        /// Failed requests (transport errors and non-2xx/3xx answers) allowed per step.
        public var errors = 0
        /// The first rate tried, req/s; doubled until a step fails.
        public var start = 50.0
        /// The highest rate tried.
        public var maximum = 1_000_000.0
        /// Each step's measured window, after `load.warmup`.
        public var step: UInt64 = 2_000_000_000
        /// Bisection stops when the bracket is this narrow (a share of its lower end).
        public var precision = 0.05
        /// Steps at most, bracketing included.
        public var maximumSteps = 14

        /// `p99 <= 20ms, errors <= 0`.
        public var text: String {
            (latency.sorted { Double($0.key) ?? 0 < Double($1.key) ?? 0 }.map { "p\($0.key) <= \(Units.formatMicroseconds($0.value))" }
                + ["errors <= \(errors)"]).joined(separator: ", ")
        }
    }
}

/// The search itself: bracket by doubling from `start` until a step fails, then bisect between the last rate that
/// passed and the first that failed until the bracket is narrower than `precision`. Every step is a short
/// open-model window (coordinated-omission corrected latency); a step passes when it is valid (not client-bound,
/// not under-delivered: a stack that cannot take the offered rate fails it), its latencies are within the limits
/// and its failures within `errors`. A client-bound step ends the search: the capacity is then "at least" the last
/// rate that passed, and the result says so.
struct CapacitySearch {
    let search: Scenario.Search
    /// Runs one window at `rate` and returns it.
    let measure: (_ rate: Double) throws -> ScenarioResult.Repetition
    let say: (String) -> Void

    func run() throws -> (result: ScenarioResult.SearchResult, atCapacity: ScenarioResult.Repetition?) {
        var steps: [ScenarioResult.SearchResult.Step] = []
        var windows: [Double: ScenarioResult.Repetition] = [:]
        var passed: Double?, failed: Double?
        var rate = search.start
        var ended: String?
        while steps.count < search.maximumSteps {
            let window = try measure(rate)
            let step = judge(window, offered: rate)
            steps.append(step)
            windows[rate] = window
            say("    search: \(Units.formatCount(rate)) req/s offered, \(Units.formatCount(step.achieved)) achieved, "
                + "p99 \(Units.formatMicroseconds(step.p99)) — " + (step.passed ? "meets the limits" : step.reason ?? "fails"))
            if step.flags.contains(where: { $0.kind == .clientBound }) {
                ended = "client-bound at \(Units.formatCount(rate)) req/s: the capacity is above what this load generator could offer"
                break
            }
            if step.passed { passed = rate } else { failed = rate }
            if let low = passed, let high = failed {
                if (high - low) / low <= search.precision { ended = "the bracket narrowed to \(Int(search.precision * 100))%"; break }
                rate = (low + high) / 2
            } else if failed != nil {
                ended = "the first rate tried, \(Units.formatCount(search.start)) req/s, already fails"
                break
            } else {
                guard rate < search.maximum else { ended = "the highest rate allowed, \(Units.formatCount(search.maximum)) req/s, still passes"; break }
                rate = min(rate * 2, search.maximum)
            }
        }
        let result = ScenarioResult.SearchResult(criteria: search.text, latencyLimits: search.latency, capacity: passed, steps: steps,
                                                 ended: ended ?? "the step limit (\(search.maximumSteps)) was reached")
        return (result, passed.flatMap { windows[$0] } ?? windows[search.start])
    }

    func judge(_ window: ScenarioResult.Repetition, offered: Double) -> ScenarioResult.SearchResult.Step {
        let load = window.load
        let achieved = load.summary.responsesPerSecond
        let failures = load.summary.errors + load.summary.non2xx3xx
        var reasons = window.windowFlags.filter { $0.kind != .disturbed && $0.kind != .latencyBound }.map { "\($0.kind.rawValue): \($0.detail)" }
        for (key, limit) in search.latency.sorted(by: { $0.key < $1.key }) {
            let value = load.latency.percentiles[key] ?? 0
            if value > limit { reasons.append("p\(key) \(Units.formatMicroseconds(value)) > \(Units.formatMicroseconds(limit))") }
        }
        if failures > search.errors { reasons.append("\(failures) failed requests > \(search.errors)") }
        return .init(offered: offered, achieved: achieved, p50: load.latency[.p50], p99: load.latency[.p99],
                     p999: load.latency[.p999], failed: failures, passed: reasons.isEmpty,
                     reason: reasons.isEmpty ? nil : reasons.joined(separator: "; "), flags: window.windowFlags)
    }
}
