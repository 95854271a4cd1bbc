import BenchSupport
import Foundation
import Results
import Reports

/// The CI gate: `--fail-on 'rps:-5%,p99:+10%,errors:+0'`. A limit fails when a later run is worse than the
/// baseline by more than it, in a cell·target both measured, and the difference is significant — noise never
/// fails a build. Errors and non-2xx responses are counts, judged on their medians without a test: they are not
/// noise. A cell·target the baseline measured and a later run did not (its cell failed, or it is gone) fails.
/// When the repetitions are too few for any difference to be significant, or so noisy that a change of the limit's
/// size would likely go unseen (the smallest detectable change, at 80% power, is wider than the limit), the gate
/// cannot judge: it says so, with about how many repetitions would do, and the command exits 2 instead of passing —
/// or, with `--unresolved warn`, the noisy comparison is a warning that names the smallest change it could see
/// (the limit the repetitions could hold), and the gate passes on what it could judge.
public struct GateLimit: Sendable, Equatable {
    public var metric: Metric
    /// Percent when `relative`, else the metric's own unit (µs for latencies, a count for errors).
    public var limit: Double
    public var relative: Bool
    public var text: String

    /// Parses the limit list given to `flag`; a mistake is a FlagError naming the flag and the item.
    public static func parse(_ spec: String, flag: String = "--fail-on") throws -> [GateLimit] {
        let items = spec.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !items.isEmpty else { throw FlagError(flag, "is empty; write limits such as 'rps:-5%,p99:+10%,errors:+0'") }
        do {
            return try items.map(parseOne)
        } catch let error as FlagError {
            throw FlagError(flag, error.problem)
        }
    }

    private static func parseOne(_ item: String) throws -> GateLimit {
        let names = Metric.allCases.map(\.rawValue)
        guard let colon = item.firstIndex(of: ":") else {
            throw FlagError("--fail-on", "\"\(item)\" is not METRIC:LIMIT (rps:-5%, p99:+10%, errors:+0)")
        }
        let name = String(item[..<colon]), limitText = item[item.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        guard let metric = Metric(rawValue: name) else {
            throw FlagError("--fail-on", "\"\(item)\": unknown metric \"\(name)\"" + Suggestion.hint(for: name, in: names)
                            + " (one of \(names.joined(separator: ", ")))")
        }
        var body = Substring(limitText)
        let sign = body.first.flatMap { $0 == "+" || $0 == "-" ? $0 : nil }
        if sign != nil { body = body.dropFirst() }
        let worse: Character = metric.higherIsBetter ? "-" : "+"
        if let sign, sign != worse {
            throw FlagError("--fail-on", "\"\(item)\": a regression of \(name) is a \(metric.higherIsBetter ? "drop" : "rise"); write \(name):\(worse)\(body)")
        }
        let relative = body.hasSuffix("%")
        if relative { body = body.dropLast() }
        let counted = metric == .errors || metric == .non2xx
        if relative && counted {
            throw FlagError("--fail-on", "\"\(item)\": \(name) is a count; write \(name):+N (\(name):+0 fails on any increase)")
        }
        let value: Double?
        if relative || !metric.isLatency {
            value = Double(body)
        } else {
            value = Double(body) ?? Units.parseDuration(String(body)).map { Double($0) / 1000 }
        }
        guard let value, value.isFinite, value >= 0 else {
            throw FlagError("--fail-on", "\"\(item)\": \"\(limitText)\" is not a limit such as \(worse)5% or \(worse)\(counted ? "0" : metric.isLatency ? "2ms" : "10")")
        }
        return GateLimit(metric: metric, limit: value, relative: relative, text: item)
    }
}

/// One comparison as a CI test case: `cell · target` (its class), `metric in RUN` (its name), and its outcome.
@PublicInit
public struct GateCase: Sendable {
    public var suite: String
    public var name: String
    /// The failure's line, when the limit was broken.
    public var failure: String?
    /// Why it could not be judged, when it could not.
    public var skipped: String?
}

@PublicInit
public struct GateVerdict: Sendable {
    /// One line per limit broken: where, by how much, and the p-value.
    public var failures: [String]
    /// Why the gate could not judge (too few repetitions); non-empty means exit 2 unless something failed.
    public var problems: [String]
    /// Comparisons made, for the closing line.
    public var checked: Int
    /// Flagged windows the gate left out, one line per run and cell · target.
    public var ignored: [String] = []
    /// Every comparison judged, for JUnit: one per cell · target, metric and later run.
    public var cases: [GateCase] = []
    /// Per tested limit: the smallest change its comparisons could detect, at the least sensitive of them.
    public var sensitivity: [String] = []
    /// With `--unresolved warn`: comparisons too noisy for their limit, each with the change it could detect.
    public var unresolved: [String] = []

    /// What a limit the repetitions cannot resolve does to the gate.
    public enum Unresolved: String, Sendable { case fail, warn }

    public var exitStatus: Int32 { !failures.isEmpty ? 1 : !problems.isEmpty ? 2 : 0 }
}

extension Comparison {
    /// Judges every later run against the baseline under `limits`.
    public func gate(_ limits: [GateLimit], unresolved: GateVerdict.Unresolved = .fail) -> GateVerdict {
        var verdict = GateVerdict(failures: [], problems: [], checked: 0)
        let baseline = runs[0].name
        for item in unmatched where item.measuredIn.contains(baseline) {
            for (run, why) in item.missing.sorted(by: { $0.key < $1.key }) {
                verdict.failures.append("\(item.key.text): measured in the baseline, not in \(run) (\(why))")
                verdict.cases.append(GateCase(suite: item.key.text, name: "measured in \(run)", failure: verdict.failures.last))
            }
        }
        for item in allFlagged {
            verdict.problems.append("\(item.key.text): nothing valid to compare in \(item.run): all \(item.windows) window(s) flagged "
                                    + "(\(item.kinds.joined(separator: ", "))); measure again")
        }
        for row in rows where row.metric == (limits.first?.metric.rawValue ?? "") && row.key.request == nil {
            for (index, sample) in row.samples.enumerated() {
                if let sample, sample.flagged > 0 { verdict.ignored.append("\(row.key.text): \(sample.flagged) flagged window(s) of \(runs[index].name) left out") }
            }
        }
        var untestable = Set<String>()
        for limit in limits {
            var leastSensitive: (detectable: Double, key: String)?
            for row in rows(of: limit.metric) {
                guard let base = row.samples[0] else { continue }
                for delta in row.deltas {
                    guard let current = row.samples[delta.run] else { continue }
                    verdict.checked += 1
                    let testCase = GateCase(suite: row.key.text, name: "\(limit.metric.rawValue) in \(runs[delta.run].name) (\(limit.text))")
                    verdict.cases.append(testCase)
                    let counted = limit.metric == .errors || limit.metric == .non2xx
                    let worse = limit.metric.higherIsBetter ? -delta.absolute : delta.absolute
                    let worsePercent = delta.percent.map { limit.metric.higherIsBetter ? -$0 : $0 }
                    let beyond = limit.relative ? (worsePercent.map { $0 > limit.limit } ?? (worse > 0)) : worse > limit.limit
                    // Too few to call any difference significant: a regression could hide in a change within
                    // the limit as well as beyond it, so neither passes.
                    if !counted && !delta.testable {
                        untestable.insert("\(base.values.count) + \(current.values.count) repetitions (\(runs[0].name), \(runs[delta.run].name))")
                        verdict.cases[verdict.cases.count - 1].skipped = "\(base.values.count) + \(current.values.count) repetitions: too few to tell a change from noise"
                        continue
                    }
                    let failed = beyond && (counted || delta.significant)
                    if !counted, !failed, let power = Power(limit: limit, base: base, current: current, alpha: alpha) {
                        if power.detectable > (leastSensitive?.detectable ?? -1) { leastSensitive = (power.detectable, row.key.text) }
                        if power.detectable > limit.limit {
                            let problem = "\(row.key.text): cannot judge \(limit.text) in \(runs[delta.run].name) with this noise: "
                                + power.description(limit, base.values.count, current.values.count)
                            switch unresolved {
                            case .fail: verdict.problems.append(problem)
                            case .warn: verdict.unresolved.append(problem)
                            }
                            verdict.cases[verdict.cases.count - 1].skipped = problem
                        }
                    }
                    guard failed else { continue }
                    let change = delta.percent.map { Units.fixed($0, 1, signed: true) + "%" } ?? Units.fixed(delta.absolute, 0, signed: true)
                    verdict.failures.append("\(row.key.text): \(limit.metric.rawValue) \(Self.format(base.median, limit.metric)) → "
                                            + "\(Self.format(current.median, limit.metric)) (\(change)\(counted ? "" : ", " + Units.pValue(delta.pValue))) "
                                            + "in \(runs[delta.run].name) breaks \(limit.text)")
                    verdict.cases[verdict.cases.count - 1].failure = verdict.failures.last
                }
            }
            if let leastSensitive {
                verdict.sensitivity.append("\(limit.text): the repetitions could detect \(Power.format(leastSensitive.detectable, limit)) "
                                           + "or more (least sensitive: \(leastSensitive.key))")
            }
        }
        verdict.problems += untestable.sorted().map {
            "cannot tell a regression from noise with \($0): no difference can reach p < \(alpha) with fewer than 4 + 4; "
                + "measure both with more repetitions (stackbench run --repeat 5)"
        }
        return verdict
    }

    /// A value in its metric's unit, for people.
    public static func format(_ value: Double, _ metric: Metric) -> String {
        switch metric {
        case .rps, .capacity: Units.formatCount(value)
        case .p50, .p75, .p90, .p99, .p999: Units.formatMicroseconds(value)
        case .errors, .non2xx: Units.formatWhole(value)
        case .cpuPerRequest: Units.formatTenths(value) + " µs"
        case .rss, .pss: Units.formatBytes(value * 1024)
        }
    }
}

/// The smallest change of a gated metric the repetitions could have detected (Statistics.detectableDifference),
/// in the limit's terms: percent of the baseline's median for a relative limit, the metric's unit otherwise.
struct Power {
    var detectable: Double
    private let variances: (base: Double, current: Double)
    /// One unit of the limit in the metric's unit: 1% of the baseline's median for a relative limit.
    private let scale: Double
    private let alpha: Double

    init?(limit: GateLimit, base: Comparison.Sample, current: Comparison.Sample, alpha: Double) {
        variances = (Statistics.variance(base.values), Statistics.variance(current.values))
        let difference = Statistics.detectableDifference(varianceA: variances.base, countA: base.values.count,
                                                         varianceB: variances.current, countB: current.values.count, alpha: alpha)
        guard difference.isFinite else { return nil }
        scale = limit.relative ? abs(base.median) / 100 : 1
        guard scale > 0 else { return nil }
        detectable = difference / scale
        self.alpha = alpha
    }

    /// Repetitions of each run that would make `limit` detectable; nil beyond 1000. Searched only for a
    /// comparison that cannot be judged, not for every one.
    func needed(for limit: GateLimit) -> Int? {
        Statistics.repetitionsToDetect(limit.limit * scale, varianceA: variances.base, varianceB: variances.current, alpha: alpha)
    }

    static func format(_ value: Double, _ limit: GateLimit) -> String {
        limit.relative ? Units.formatTenths(value) + "%" : Comparison.format(value, limit.metric)
    }

    func description(_ limit: GateLimit, _ countA: Int, _ countB: Int) -> String {
        "with \(countA) + \(countB) repetitions the smallest change they could detect is \(Self.format(detectable, limit)) "
            + "(at 80% power), wider than the limit; need about "
            + (needed(for: limit).map { "\($0) repetitions of each run" } ?? "more than 1000 repetitions of each run, or a quieter machine")
    }
}

extension GateVerdict {
    /// JUnit XML as CI systems read it: one testcase per comparison (class `cell · target`, name `metric in RUN
    /// (limit)`), a failure carrying the numbers, a skip where the repetitions are too few.
    public var junit: String { junit(named: "stackbench compare") }

    /// The JUnit XML with `name` as its outer suite's name.
    public func junit(named name: String) -> String {
        let failed = cases.filter { $0.failure != nil }.count, skipped = cases.filter { $0.skipped != nil }.count
        // The counts and names Jenkins (junit plugin), GitLab (artifacts:reports:junit) and GitHub test reporters
        // read; errors="0" and time="0" because the gate has neither (the load's time is in the runs).
        func counted(_ element: String) -> XMLWriter.Element {
            XMLWriter.Element(element, ["name": element == "testsuites" ? name : "stackbench gate", "tests": "\(cases.count)",
                                     "failures": "\(failed)", "errors": "0", "skipped": "\(skipped)", "time": "0"])
        }
        var suite = counted("testsuite")
        suite.children = cases.map { item in
            var testCase = XMLWriter.Element("testcase", ["classname": item.suite, "name": item.name, "time": "0"])
            if let failure = item.failure {
                testCase.children = [XMLWriter.Element("failure", ["message": failure, "type": "regression"], text: failure)]
            } else if let skipped = item.skipped {
                testCase.children = [XMLWriter.Element("skipped", ["message": skipped])]
            }
            return testCase
        }
        var root = counted("testsuites")
        root.children = [suite]
        return XMLWriter.document(root)
    }

    /// GitHub Actions workflow commands: `::error::` per failure, `::warning::` per problem and left-out window.
    public var githubAnnotations: String {
        let escape: (String) -> String = { $0.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\n", with: "%0A") }
        return (failures.map { "::error title=stackbench gate::" + escape($0) } + (problems + unresolved).map { "::warning title=stackbench gate::" + escape($0) }
                + ignored.map { "::warning title=stackbench gate::" + escape($0) }).map { $0 + "\n" }.joined()
    }
}
