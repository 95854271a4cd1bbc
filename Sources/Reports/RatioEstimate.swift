import BenchSupport
import Foundation
import Results

/// How much one measurement differs from another, as a ratio with its 95% interval: for pairs of targets (each a
/// baseline and a candidate), the geometric mean over the pairs of the candidate over the baseline, from the
/// logarithms of the windows (throughput and latency ratios are symmetric on a log scale: 2x and 0.5x are as far
/// from 1).
///
/// Round by round when both sides of every pair recorded two or more shared rounds: the rounds of a run are
/// interleaved, so a slow round slows both sides and cancels out of the ratio instead of widening it. Each round
/// gives one difference of logs (the candidate's median in that round over the baseline's, averaged over the
/// pairs), and the interval is Student's t over those rounds — a paired t-test. Otherwise each side's windows stand
/// on their own: Welch's difference of the mean logs. Either way the ratio is called different from 1 only when
/// the interval leaves 1 out and every side has 4 or more windows (or shared rounds).
struct RatioEstimate {
    var ratio: Double
    var interval: ClosedRange<Double>
    /// Enough windows (or shared rounds) on every side for a difference to be called.
    var testable: Bool
    /// Round by round (true) or each side on its own.
    var paired: Bool

    var significant: Bool { testable && !interval.contains(1) }

    /// `1.85x [1.70x, 1.98x]`, with `~` in front when not significant (benchstat's mark).
    var text: String {
        (significant ? "" : "~ ") + Units.formatRatio(ratio) + " [" + Units.formatRatio(interval.lowerBound) + ", "
            + Units.formatRatio(interval.upperBound) + "]"
    }

    static let minimumWindows = 4

    init(ratio: Double, interval: ClosedRange<Double>, testable: Bool, paired: Bool) {
        self.ratio = ratio
        self.interval = interval
        self.testable = testable
        self.paired = paired
    }

    /// `pairs`: (baseline, candidate); `metric` of each window. Windows at 0 (no request finished) are left out.
    init(_ pairs: [(ScenarioResult.Target, ScenarioResult.Target)], metric: Metric) {
        let rounds = pairs.map { Self.logRatiosByRound(of: $0.1, over: $0.0, metric: metric) }
        if !rounds.isEmpty, rounds.allSatisfy({ ($0?.count ?? 0) >= 2 }) {
            // One difference per round, the mean over the pairs that measured it.
            var perRound: [Int: [Double]] = [:]
            for pair in rounds { for (round, value) in pair! { perRound[round, default: []].append(value) } }
            let differences = perRound.keys.sorted().map { Statistics.mean(perRound[$0]!) }
            let (center, half) = Self.tInterval(mean: Statistics.mean(differences), variance: Statistics.variance(differences) / Double(differences.count),
                                                degreesOfFreedom: differences.count - 1)
            self.init(ratio: exp(center), interval: exp(center - half)...exp(center + half),
                      testable: rounds.allSatisfy { $0!.count >= Self.minimumWindows }, paired: true)
            return
        }
        var differences: [Double] = [], variances: [Double] = [], freedom = 0, testable = !pairs.isEmpty
        for (baseline, candidate) in pairs {
            let a = baseline.values(metric).filter { $0 > 0 }.map(log), b = candidate.values(metric).filter { $0 > 0 }.map(log)
            guard !a.isEmpty, !b.isEmpty else { testable = false; continue }
            differences.append(Statistics.mean(b) - Statistics.mean(a))
            variances.append(Statistics.variance(a) / Double(a.count) + Statistics.variance(b) / Double(b.count))
            freedom += min(a.count, b.count) - 1  // Welch's degrees of freedom are at least this: conservative
            testable = testable && min(a.count, b.count) >= Self.minimumWindows
        }
        guard !differences.isEmpty else {
            self.init(ratio: 1, interval: 0...Double.infinity, testable: false, paired: false)
            return
        }
        let count = Double(differences.count)
        let (center, half) = Self.tInterval(mean: Statistics.mean(differences), variance: variances.reduce(0, +) / (count * count), degreesOfFreedom: freedom)
        self.init(ratio: exp(center), interval: exp(center - half)...exp(center + half), testable: testable, paired: false)
    }

    /// Per round both measured: log of the candidate's median `metric` in that round over the baseline's; nil when
    /// either side's windows do not all name their round (older results, a capacity search without its window).
    private static func logRatiosByRound(of candidate: ScenarioResult.Target, over baseline: ScenarioResult.Target, metric: Metric) -> [Int: Double]? {
        func byRound(_ target: ScenarioResult.Target) -> [Int: [Double]]? {
            let values = target.values(metric)
            guard values.count == target.repetitions.count, !values.isEmpty else { return nil }
            var rounds: [Int: [Double]] = [:]
            for (value, repetition) in zip(values, target.repetitions) {
                guard let round = repetition.round else { return nil }
                rounds[round, default: []].append(value)
            }
            return rounds
        }
        guard let a = byRound(baseline), let b = byRound(candidate) else { return nil }
        var ratios: [Int: Double] = [:]
        for round in Set(a.keys).intersection(b.keys) {
            let (base, value) = (Statistics.median(a[round]!), Statistics.median(b[round]!))
            if base > 0, value > 0 { ratios[round] = log(value / base) }
        }
        return ratios
    }

    /// The centre and half-width of the 95% interval of a mean with this variance (of the mean).
    private static func tInterval(mean: Double, variance: Double, degreesOfFreedom: Int) -> (Double, Double) {
        guard degreesOfFreedom > 0 else { return (mean, .infinity) }
        return (mean, Statistics.studentT975(degreesOfFreedom: degreesOfFreedom) * variance.squareRoot())
    }
}
