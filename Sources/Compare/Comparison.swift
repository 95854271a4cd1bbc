import BenchSupport
import Foundation
import Results
import Reports

/// Runs side by side: their cells and targets matched by name (the settings label of the target's configuration
/// — the cell's label less the keys the target does not read — and the target's name), and per metric each run's median and spread over its repetitions, with each later run's change
/// against the first (the baseline) and whether that change is significant (Mann-Whitney U, p < alpha). A
/// cell or target that some runs lack, or where a run's cell failed, is listed in `unmatched`, not dropped.
public struct Comparison: Sendable {
    public var runs: [LoadedRun]
    public var alpha: Double
    public var metrics: [Metric]
    /// Every cell·target of any run, in the baseline's order, then the others' new ones.
    public var keys: [Key]
    /// Per metric, per key.
    public var rows: [Row]
    public var unmatched: [Unmatched]
    public var allFlagged: [AllFlagged]

    /// The metrics shown by default.
    public static let defaultMetrics: [Metric] = [.rps, .p50, .p99, .p999, .errors, .cpuPerRequest, .pss]

    /// A cell · target, or one request of a target's mix (`GET /notes/`): a view made slower among several shows
    /// in its own row, where the target's figures dilute it.
    public struct Key: Hashable, Sendable, Codable {
        public var cell: String
        public var target: String
        public var request: String? = nil
        public var text: String { "\(cell) · \(target)" + (request.map { " · " + $0 } ?? "") }
    }

    /// One run's repetitions of one metric.
    public struct Sample: Sendable, Codable {
        public var values: [Double]
        public var median: Double
        /// Largest distance from the median as a share of it; nil when the median is 0 and a value is not.
        public var spread: Double?
        /// Windows left out because they were flagged (client-bound, under-delivered, disturbed, latency-bound).
        public var flagged: Int
    }

    /// A later run against the baseline.
    public struct Delta: Sendable, Codable {
        /// Index into `runs`.
        public var run: Int
        /// Change of the median in percent of the baseline's; nil when the baseline's is 0 and this is not.
        public var percent: Double?
        /// Change of the median in the metric's own unit.
        public var absolute: Double
        public var pValue: Double
        /// False when the repetitions are too few for any p-value under alpha (fewer than 4 + 4 at 0.05).
        public var testable: Bool
        public var significant: Bool
        /// Significant and in the metric's good direction (more req/s, less latency, errors, CPU, memory).
        public var improvement: Bool
    }

    public struct Row: Sendable, Codable {
        public var metric: String
        public var key: Key
        /// Per run; nil where the run did not measure it.
        public var samples: [Sample?]
        /// Per later run (index ≥ 1) that measured it, as did the baseline.
        public var deltas: [Delta]
    }

    /// A cell · target one run measured only in flagged windows: nothing valid to compare.
    public struct AllFlagged: Sendable, Codable {
        public var key: Key
        public var run: String
        public var windows: Int
        public var kinds: [String]
    }

    public struct Unmatched: Sendable, Codable {
        public var key: Key
        /// The runs that measured it.
        public var measuredIn: [String]
        /// The runs that lack it, each with why: "not in this run" or "cell failed: reason".
        public var missing: [String: String]
    }

    /// `runs[0]` is the baseline.
    public init(runs: [LoadedRun], alpha: Double = 0.05, metrics: [Metric] = Comparison.defaultMetrics) {
        self.runs = runs
        self.alpha = alpha
        self.metrics = metrics
        var keys: [Key] = []
        var seen = Set<Key>()
        var targets: [[Key: ScenarioResult.Target]] = []
        var failures: [[String: String]] = []  // per run: cell label -> reason
        for run in runs {
            var measured: [Key: ScenarioResult.Target] = [:]
            var failed: [String: String] = [:]
            for cell in run.result.cells {
                if cell.status != .ok { failed[cell.label] = cell.failure ?? cell.status.rawValue }
                for configuration in cell.configurations.compactMap(run.result.configuration(id:))
                    where cell.status == .ok && !configuration.target.repetitions.isEmpty {
                    // Cells sharing a configuration: one row for them all.
                    let target = configuration.target
                    let key = Key(cell: configuration.label, target: target.name)
                    guard measured[key] == nil else { continue }
                    for key in [key] + target.mixRequests.map({ Key(cell: key.cell, target: key.target, request: $0) }) {
                        measured[key] = target
                        if seen.insert(key).inserted { keys.append(key) }
                    }
                }
            }
            targets.append(measured)
            failures.append(failed)
        }
        self.keys = keys
        unmatched = keys.compactMap { key in
            let present = runs.indices.filter { targets[$0][key] != nil }
            guard present.count < runs.count else { return nil }
            var missing: [String: String] = [:]
            for index in runs.indices where targets[index][key] == nil {
                missing[runs[index].name] = failures[index][key.cell].map { "cell failed: \($0)" } ?? "not in this run"
            }
            return Unmatched(key: key, measuredIn: present.map { runs[$0].name }, missing: missing)
        }
        // A request of a target's mix is listed apart only when its target is not (the same reason, once).
        let unmatchedTargets = Set(unmatched.filter { $0.key.request == nil }.map(\.key))
        unmatched.removeAll { $0.key.request != nil && unmatchedTargets.contains(Key(cell: $0.key.cell, target: $0.key.target)) }
        allFlagged = keys.filter { $0.request == nil }.flatMap { key in
            runs.indices.compactMap { index -> AllFlagged? in
                guard let target = targets[index][key], !target.repetitions.contains(where: \.isValid) else { return nil }
                let kinds = Set(target.repetitions.flatMap { $0.windowFlags.map(\.kind.rawValue) }).sorted()
                return AllFlagged(key: key, run: runs[index].name, windows: target.repetitions.count, kinds: kinds)
            }
        }
        rows = metrics.flatMap { metric in
            keys.filter { $0.request == nil || metric.perRequest }.map { key in
                let samples = targets.map { measured in
                    measured[key].flatMap { target -> Sample? in
                        var values = key.request.map { target.values(metric, request: $0) } ?? target.values(metric)
                        var flagged = 0
                        if metric != .capacity, values.count == target.repetitions.count {
                            values = zip(values, target.repetitions).filter { $0.1.isValid }.map(\.0)
                            flagged = target.repetitions.count - values.count
                        }
                        guard !values.isEmpty else { return nil }
                        return Sample(values: values, median: Statistics.median(values), spread: Statistics.spread(values), flagged: flagged)
                    }
                }
                let deltas = runs.indices.dropFirst().compactMap { index in
                    samples[0].flatMap { base in samples[index].map { Self.delta(from: base, to: $0, run: index, metric: metric, alpha: alpha) } }
                }
                return Row(metric: metric.rawValue, key: key, samples: samples, deltas: deltas)
            }
        }
    }

    static func delta(from base: Sample, to current: Sample, run: Int, metric: Metric, alpha: Double) -> Delta {
        let absolute = current.median - base.median
        let percent: Double? = base.median != 0 ? absolute / abs(base.median) * 100 : (absolute == 0 ? 0 : nil)
        let p = Statistics.mannWhitneyP(base.values, current.values)
        let testable = Statistics.smallestMannWhitneyP(base.values.count, current.values.count) < alpha
        let significant = testable && p < alpha && absolute != 0
        let improvement = significant && (metric.higherIsBetter ? absolute > 0 : absolute < 0)
        return Delta(run: run, percent: percent, absolute: absolute, pValue: p, testable: testable, significant: significant,
                     improvement: improvement)
    }

    /// The rows of one metric, in key order.
    public func rows(of metric: Metric) -> [Row] { rows.filter { $0.metric == metric.rawValue } }
}
