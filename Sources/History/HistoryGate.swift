import BenchSupport
import Compare
import Results

/// The gate over a history: `stackbench history --fail-on-change 'rps:-5%,p99:+10%'`. Each scenario's newest run is
/// judged in every series it measured: the gate fails when a change point starts at that run, in the metric's bad
/// direction, beyond a limit — the change points' own test and magnitude decide what is a change, so the gate never
/// fails on noise. Errors and non-2xx responses are counts: the newest run's median against the runs' since the
/// last change, without a test, as `compare` judges them. The gate cannot judge (exit 2), and says how many runs
/// would do, when a series has fewer than 2 runs before the newest or when the runs vary so much from one to the
/// next that a change of the limit's size would likely go unseen (80% power at the history's p-value).
extension History {
    /// Judges each scenario's newest run under `limits`.
    public func gate(_ limits: [GateLimit]) -> GateVerdict {
        var verdict = GateVerdict(failures: [], problems: [], checked: 0)
        let newest = newestRuns
        for item in flaggedOut where newest.contains(item.run) {
            verdict.problems.append("\(item.series): nothing valid in \(runs[item.run].name): all \(item.windows) window(s) flagged; measure again")
        }
        for series in series {
            guard let last = series.points.last, newest.contains(last.run) else { continue }
            if last.flagged > 0, series.metric == limits.first?.metric {
                verdict.ignored.append("\(series.place): \(last.flagged) flagged window(s) of \(runs[last.run].name) left out")
            }
            for limit in limits where limit.metric == series.metric {
                verdict.checked += 1
                verdict.cases.append(GateCase(suite: series.place, name: "\(limit.metric.rawValue) in \(runs[last.run].name) (\(limit.text))"))
                let judgement = judge(series, limit)
                verdict.cases[verdict.cases.count - 1].failure = judgement.failure
                verdict.cases[verdict.cases.count - 1].skipped = judgement.problem
                if let failure = judgement.failure { verdict.failures.append(failure) }
                if let problem = judgement.problem { verdict.problems.append(problem) }
            }
        }
        return verdict
    }

    /// The runs before the newest back to the last change before it: what the newest run is judged against.
    static func baseline(of series: Series) -> ArraySlice<Point> {
        let newest = series.points.count - 1
        let start = series.changes.last { $0.point < newest }?.point ?? 0
        return series.points[start..<newest]
    }

    func judge(_ series: Series, _ limit: GateLimit) -> (failure: String?, problem: String?) {
        let last = series.points[series.points.count - 1]
        let runName = runs[last.run].name
        let before = Self.baseline(of: series)
        let baseMedian = Statistics.median(before.flatMap(\.values))
        let where_ = "\(series.place): \(limit.metric.rawValue)"
        if limit.metric == .errors || limit.metric == .non2xx {
            guard !before.isEmpty else { return (nil, "\(where_): \(runName) is the series' first run; nothing to judge it against") }
            let worse = last.median - baseMedian
            return (worse > limit.limit ? "\(where_) \(format(baseMedian, limit.metric)) → \(format(last.median, limit.metric)) in \(runName) breaks \(limit.text)" : nil, nil)
        }
        if let change = series.changes.last, change.point == series.points.count - 1, change.regression {
            let beyond = limit.relative ? abs(change.ratio - 1) * 100 > limit.limit : abs(change.after.median - change.before.median) > limit.limit
            if beyond {
                return ("\(where_) \(format(change.before.median, limit.metric)) → \(format(change.after.median, limit.metric)) "
                        + "(\(Units.formatRatio(change.ratio)), \(pText(change.pValue))) in \(runName) breaks \(limit.text)", nil)
            }
            return (nil, nil)
        }
        let means = before.map { Statistics.mean($0.values) }
        guard means.count >= 2 else {
            return (nil, "\(where_): \(means.count) run(s) before \(runName) since the last change; the gate needs at least 2 to know "
                         + "how much the runs vary (keep measuring: the next run can be judged)")
        }
        let spread = Statistics.variance(means).squareRoot()
        let size = limit.relative ? limit.limit / 100 * abs(Statistics.mean(means)) : limit.limit
        guard Self.detectable(spread: spread, runsBefore: means.count, pValue: options.maxPValue) > size else { return (nil, nil) }
        let needed = (means.count + 1...500).first { Self.detectable(spread: spread, runsBefore: $0, pValue: options.maxPValue) <= size }
        let seen = Self.detectable(spread: spread, runsBefore: means.count, pValue: options.maxPValue)
        let shown = limit.relative ? Units.formatTenths(seen / abs(Statistics.mean(means)) * 100) + "%" : format(seen, limit.metric)
        return (nil, "\(where_): cannot judge \(limit.text) in \(runName): with \(means.count) runs before it the smallest change "
                     + "the history could detect is \(shown) (at 80% power, p < \(options.maxPValue)); "
                     + (needed.map { "need about \($0) runs before the newest" }
                        ?? "no number of runs would do with this run-to-run noise: steadier runs (pinning, longer windows, more repetitions) or a wider limit"))
    }

    /// The smallest change of one run after `runsBefore` runs whose means vary by `spread` (standard deviation) that
    /// the t test finds at `pValue` with 80% power.
    static func detectable(spread: Double, runsBefore k: Int, pValue: Double) -> Double {
        let degrees = k - 1
        let critical = Statistics.studentTQuantile(1 - pValue / 2, degreesOfFreedom: degrees) + Statistics.studentTQuantile(0.8, degreesOfFreedom: degrees)
        return critical * spread * (1 + 1 / Double(k)).squareRoot()
    }

    /// The index of each scenario's newest run.
    var newestRuns: Set<Int> {
        var newest: [String: Int] = [:]
        for (index, run) in runs.enumerated() { newest[run.scenario] = index }
        return Set(newest.values)
    }
}
