import BenchSupport
import Foundation
import Results

/// The Answers section at the top of both reports: what the run says about the questions stackbench is for — the
/// front against the dev server, dynamic against static, which settings matter — each with its uncertainty, and
/// the caveats that change how to read them.
extension RunAnalysis {
    struct Answers {
        var findings: [String]
        var caveats: [String]
    }

    var answers: Answers? {
        // The first two compare like for like (the same URLs from both); the third compares paths by design.
        let questions: [(TargetKind, TargetKind, String, Bool)] = [
            (.proxiedStatic, .devServer, "The front serving static files, over the dev server serving the same files", true),
            (.proxiedDynamic, .devServer, "Your views through the front and the pool, over the dev server on the same URLs", true),
            (.proxiedDynamic, .proxiedStatic, "The dynamic path, over static files through the front", false),
        ]
        var findings: [String] = []
        for (upper, lower, likeQuestion, likeForLike) in questions {
            guard let pair = pair(upper, over: lower) else { continue }
            let (a, b) = (pair.upper, pair.lower)
            // Without a target that sends the same URLs, the sentence says it is not like for like, and what each sends.
            let unlike = likeQuestion.replacingOccurrences(of: upper == .proxiedStatic ? " serving the same files" : " on the same URLs", with: "")
            let question = !likeForLike || pair.alike ? likeQuestion
                : pair.difference.isEmpty ? unlike : unlike + " (not like for like: \(pair.difference))"
            // One ratio per distinct pair of configurations: cells sharing both say the same thing once.
            var pairsSeen = Set<String>()
            let ratios = okCells.compactMap { cell -> (Cell, Double)? in
                guard let ratio = rpsRatio(a, b, in: cell), let x = configuration(of: a, in: cell), let y = configuration(of: b, in: cell),
                      pairsSeen.insert(x.id + "\n" + y.id).inserted else { return nil }
                return (cell, ratio)
            }
            guard let first = ratios.first else { continue }
            if let void = clientBoundVoid(a, b, in: ratios) {
                findings.append("\(question): \(void)")
                continue
            }
            if ratios.count == 1, let x = target(a, in: first.0), let y = target(b, in: first.0) {
                // Round by round where both were measured in the same rounds: the interval of the paired ratio.
                let estimate = RatioEstimate([(y, x)], metric: .rps)
                let text = estimate.paired && estimate.testable
                    ? "\(Units.formatRatio(estimate.ratio)) [\(Units.formatRatio(estimate.interval.lowerBound)), \(Units.formatRatio(estimate.interval.upperBound))], "
                        + "95% interval round by round" : rpsRatioText(a, b, in: first.0)
                findings.append("\(question): \(text) (\(a) / \(b) req/s)")
            } else {
                let values = ratios.map(\.1).sorted()
                findings.append("\(question): \(Units.formatRatio(Statistics.median(values))) at the median of \(values.count) settings, "
                                + "\(Units.formatRatio(values.first!)) to \(Units.formatRatio(values.last!)) (\(a) / \(b) req/s)")
            }
        }
        findings += effectFindings
        let unread = keysNoTargetReads
        if !unread.isEmpty {
            findings.append("No target reads \(unread.joined(separator: ", ")): the cells that differ only in \(unread.count == 1 ? "it" : "them") "
                            + "share every measurement, so \(unread.count == 1 ? "it makes" : "they make") no difference here")
        }
        if okCells.count > 1 {
            findings += targetNames.compactMap(recommendation(of:))
        }
        findings += timeFindings
        let caveats = self.caveats
        guard !findings.isEmpty || !caveats.isEmpty else { return nil }
        return Answers(findings: findings, caveats: caveats)
    }

    /// A comparison of two targets is void when the client was over 90% busy in any window of either: those windows
    /// measured the load generator. Says in how many windows, and what the ratio as measured still bounds (a floor
    /// when only the upper target was client-bound: its own rate was higher). Nil when no window was client-bound.
    private func clientBoundVoid(_ a: String, _ b: String, in ratios: [(Cell, Double)]) -> String? {
        func windows(of name: String) -> (bound: Int, total: Int) {
            var seen = Set<String>()
            var count = (bound: 0, total: 0)
            for (cell, _) in ratios {
                guard let configuration = configuration(of: name, in: cell), seen.insert(configuration.id).inserted else { continue }
                let target = configuration.target
                count.total += target.repetitions.count
                count.bound += target.repetitions.filter { $0.windowFlags.contains { $0.kind == .clientBound } }.count
            }
            return count
        }
        let (upper, lower) = (windows(of: a), windows(of: b))
        guard upper.bound + lower.bound > 0 else { return nil }
        let parts = [(a, upper), (b, lower)].filter { $0.1.bound > 0 }.map { "\($0.1.bound) of \($0.1.total) windows of \($0.0)" }
        let measured = Statistics.median(ratios.map(\.1).sorted())
        let bound = lower.bound == 0 ? "a floor" : upper.bound == 0 ? "a ceiling" : "no bound either way"
        return "void: the client was over 90% busy in \(parts.joined(separator: " and ")), so those windows measured the load "
            + "generator, not the server (\(Units.formatRatio(measured)) as measured, \(bound); \(a) / \(b) req/s)"
    }

    /// What changes the reading: flagged windows, repetitions too few to tell settings apart, workers beyond the
    /// server's cores.
    private var caveats: [String] {
        var caveats: [String] = []
        let rows = validityRows
        let flagged = { (kind: ScenarioResult.WindowFlag.Kind) in rows.filter { $0.kind == kind.rawValue }.count }
        let clientBound = flagged(.clientBound)
        if clientBound > 0 {
            caveats.append("\(clientBound) window(s) were client-bound: their req/s is what the load generator could ask for, a floor "
                           + "for the server, and every ratio built on them is too")
        }
        let latencyBound = flagged(.latencyBound)
        if latencyBound > 0 {
            caveats.append("\(latencyBound) window(s) were latency-bound: every request waited on the same floor with the server mostly "
                           + "idle, so their req/s measures the wait")
        }
        let stalled = flagged(.stalledRequests)
        if stalled > 0 {
            caveats.append("\(stalled) window(s) had stalled requests: some went unanswered far past the p99, which counts answers only, "
                           + "so their latency reads better than it was and their req/s is lower for a reason the percentiles do not show")
        }
        // A target that answered errors under load: the status counts up front, since its req/s counts them too.
        for name in targetNames {
            for configuration in configurations(of: name) {
                var statuses: [String: Int] = [:]
                for repetition in configuration.target.repetitions {
                    for (code, count) in repetition.load.statusCodes where !code.hasPrefix("2") && !code.hasPrefix("3") { statuses[code, default: 0] += count }
                }
                guard !statuses.isEmpty else { continue }
                let counts = statuses.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
                caveats.append("\(name)" + (configuration.label == "defaults" || configuration.label == "every cell" ? "" : " (\(configuration.label))")
                               + " answered non-2xx/3xx under load (\(counts)): its req/s counts those answers too; see the status codes in its windows")
            }
        }
        let windows = load.repetitions * (load.rounds ?? 1)
        if okCells.count > 1, windows < 4 {
            caveats.append("\(windows) window(s) per configuration: too few for any difference between settings to be significant "
                           + "(use load.rounds of 5 or more)")
        }
        if let text = load.serverCPUs, let cores = try? CPUSet(parsing: text).cpus.count {
            let crowded = okCells.filter { cell in
                cell.settings.contains { ["workers", "processes"].contains($0.name) && (Int($0.value) ?? 0) > cores }
            }.map(\.label)
            if !crowded.isEmpty {
                caveats.append("more pool workers than the \(cores) server core(s) in \(crowded.count) cell(s) (\(crowded.prefix(3).joined(separator: "; "))"
                               + (crowded.count > 3 ? "; …" : "") + "): the extra workers take turns on the same core(s)")
            }
        }
        return caveats
    }
}
