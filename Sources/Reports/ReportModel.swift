import BenchSupport
import Foundation
import Results

// The report model: what report.md, report.html and the terminal say the same way, computed once from a result —
// the run and load descriptions, the finished cells and their medians, the best cell, the pairs of targets and their
// ratios, stacks side by side, the windows not to trust and the events. The writers only lay it out.

/// What both reports say the same way.
extension ScenarioResult {
    var runDescription: String {
        (label.map { "Label: \($0). " } ?? "") + "Run \(startedAt) on \(machine.cpuModel), \(machine.cores) cores, Linux \(machine.kernel); "
            + "stackbench \(stackbench.version)\(stackbench.gitSha.map { " (\($0.prefix(12)))" } ?? "")." + stackDescription
    }

    /// " Stack: reference, swift; uWSGI 2.0.21, nginx/1.22.1, Python … Django …." — the variants that ran and the versions of the programs besides
    /// stackbench that served (empty for results that did not record them).
    var stackDescription: String {
        guard let variants = scenario.stack["variants"], !variants.isEmpty else { return "" }
        let programs = (reproduction?.programs ?? [:]).sorted { $0.key > $1.key }.map { key, value in
            switch key {
            case "nginx": value.replacingOccurrences(of: "nginx version: ", with: "")  // nginx/1.22.1
            case "uwsgi": "uWSGI " + value
            default: value  // Python 3.11.2 Django 3.2.19
            }
        }
        return " Stack: \(variants)" + (programs.isEmpty ? "" : "; " + programs.joined(separator: ", ")) + "."
    }

    /// "Prepared: collectstatic: ...: ok; django-migrate: ...: ok." — empty for results that did not record it.
    var preparationDescription: String {
        guard let steps = preparation, !steps.isEmpty else { return "" }
        return "Prepared once before the cells (logs in prepare/): " + steps.joined(separator: "; ") + "."
    }

    var loadDescription: String {
        if let search = load.search {
            return "Load: \(load.connections) connections, \(load.threads) client thread(s), a capacity search (\(search)) after \(load.warmupSeconds) s warm-up "
                + "per step, \(load.repetitions) search(es) per target; client CPUs \(load.clientCPUs ?? "any"), server CPUs \(load.serverCPUs ?? "any")."
        }
        return "Load: \(load.connections) connections, \(load.threads) client thread(s), "
            + (load.durationSeconds.map { "\($0) s" } ?? "\(load.count ?? 0) requests") + " after \(load.warmupSeconds) s warm-up, "
            + (load.rate.map { "open model at \($0) req/s" } ?? "closed model") + ", \(load.repetitions) repetition(s)"
            + (load.rounds.map { $0 > 1 ? " in each of \($0) interleaved rounds" : "" } ?? "") + " (medians); "
            + "client CPUs \(load.clientCPUs ?? "any"), server CPUs \(load.serverCPUs ?? "any")."
    }

    var okCells: [Cell] { cells.filter { $0.status == .ok } }

    /// The targets, in the scenario's order, as the first cell that finished measured them.
    var targetNames: [String] { okCells.first?.targets.map(\.name) ?? [] }

    /// One configuration of a target: the cells that share it (they differ only in keys the target ignores) and
    /// its windows. Without a planned result (older files) every cell is its own configuration.
    struct Configuration {
        var label: String
        var cells: [String]
        var target: Target
    }

    /// The configurations of `target` over the finished cells, in cell order.
    func configurations(of target: String) -> [Configuration] {
        var configurations: [Configuration] = []
        for cell in okCells {
            guard let measured = cell.targets.first(where: { $0.name == target }), measured.median != nil else { continue }
            let label = cell.configurationLabel(of: measured)
            if let index = configurations.firstIndex(where: { $0.label == label }) {
                configurations[index].cells.append(cell.label)
            } else {
                configurations.append(Configuration(label: label, cells: [cell.label], target: measured))
            }
        }
        return configurations
    }

    /// (configuration label, medians) of `target`, one row per configuration measured.
    func medians(of target: String) -> [(label: String, median: Summary)] {
        configurations(of: target).compactMap { configuration in configuration.target.median.map { (configuration.label, $0) } }
    }

    /// Which configuration is best for `target`, if any can be called: the highest capacity when a search ran,
    /// else the highest median req/s, and only when its lead over the runner-up is significant — round by round
    /// when the rounds are recorded (RatioEstimate: the 95% interval of the ratio above 1, 4 or more shared
    /// rounds), else by the test `compare` uses (two-sided Mann-Whitney U over the repetitions, p < 0.05). With too
    /// few repetitions, or a lead inside the noise, there is no best: a tie is a tie. Nil with a single
    /// configuration (nothing to choose from).
    func bestSetting(of target: String) -> BestSetting? {
        let ranked = configurations(of: target).compactMap { configuration -> (label: String, median: Summary, target: Target)? in
            configuration.target.median.map { (configuration.label, $0, configuration.target) }
        }.sorted { $0.median.rankingValue > $1.median.rankingValue }
        guard ranked.count > 1, let top = ranked.first, let bottom = ranked.last else { return nil }
        let runnerUp = ranked[1]
        let lead = Self.lead(of: top.target, over: runnerUp.target)
        return BestSetting(label: top.label, median: top.median, runnerUp: runnerUp.label, pValue: lead.pValue,
                           lead: lead.roundByRound, significant: lead.significant, testable: lead.testable,
                           cells: ranked.count, lowest: (bottom.label, bottom.median.rankingValue))
    }

    /// How one configuration leads another (the ranking metric: capacity when searched, else req/s).
    struct Lead {
        var pValue: Double
        /// The ratio round by round, when both were measured in the same rounds; then it decides.
        var roundByRound: RatioEstimate?
        /// Enough repetitions (or shared rounds) on both sides for a difference to be called.
        var testable: Bool
        var significant: Bool
    }

    /// Whether `top` is significantly ahead of `other`: round by round when the rounds are recorded, else by the
    /// Mann-Whitney test over the repetitions.
    static func lead(of top: Target, over other: Target) -> Lead {
        let metric: Metric = top.searches != nil ? .capacity : .rps
        let (a, b) = (top.values(metric), other.values(metric))
        let p = Statistics.mannWhitneyP(a, b)
        let estimate = RatioEstimate([(other, top)], metric: metric)
        let roundByRound = estimate.paired ? estimate : nil
        let testable = roundByRound?.testable ?? (Statistics.smallestMannWhitneyP(a.count, b.count) < 0.05)
        let significant = roundByRound.map { $0.testable && $0.interval.lowerBound > 1 } ?? (testable && p < 0.05)
        return Lead(pValue: p, roundByRound: roundByRound, testable: testable, significant: significant)
    }

    /// The configuration called best for `target`, nil when none is significantly better than the runner-up.
    func bestCell(of target: String) -> String? {
        bestSetting(of: target).flatMap { $0.significant ? $0.label : nil }
    }

    /// The matrix keys no target reads (every target ignores them): cells that differ only in those share every
    /// measurement.
    var keysNoTargetReads: [String] {
        let ignores = okCells.flatMap(\.targets).map { Set($0.ignores ?? []) }
        guard let first = ignores.first else { return [] }
        let common = ignores.dropFirst().reduce(first) { $0.intersection($1) }
        return (okCells.first?.settings ?? []).map(\.name).filter(common.contains)
    }

    /// The finished cells, one per distinct set of measurements (cells that differ only in keys no target reads
    /// are one row), each labelled by the keys some target reads.
    var distinctCells: [(label: String, cell: Cell)] {
        let unread = keysNoTargetReads
        var seen = Set<String>()
        return okCells.compactMap { cell in
            let read = cell.settings.filter { !unread.contains($0.name) }
            let label = read.isEmpty ? cell.label : read.map { "\($0.name)=\($0.value)" }.joined(separator: " ")
            return seen.insert(label).inserted ? (label, cell) : nil
        }
    }

    /// "not affected by workers, threads: one configuration for all 12 cells" — what the planner shared for
    /// `target`; nil when it reads every key.
    func sharingNote(of target: String) -> String? {
        let configurations = configurations(of: target)
        guard let ignored = configurations.first?.target.ignores, !ignored.isEmpty else { return nil }
        if configurations.count == 1 {
            return "Not affected by \(ignored.joined(separator: ", ")): one configuration, its windows shared by all \(okCells.count) cells."
        }
        return "Not affected by \(ignored.joined(separator: ", ")): \(configurations.count) configurations, each measured once per round "
            + "and shared by the cells that differ only in those keys."
    }

    struct BestSetting {
        var label: String
        var median: Summary
        var runnerUp: String
        var pValue: Double
        /// The top's lead over the runner-up round by round, when the rounds are recorded; then it decides.
        var lead: RatioEstimate?
        var significant: Bool
        /// Enough repetitions (or shared rounds) on both sides for a difference to be called (4 + 4).
        var testable: Bool

        /// "by 1.12x [1.05x, 1.20x] round by round" or "at p=0.008".
        var leadText: String {
            lead.map { "by \(Units.formatRatio($0.ratio)) [\(Units.formatRatio($0.interval.lowerBound)), \(Units.formatRatio($0.interval.upperBound))] round by round" }
                ?? String(format: "at p=%.3f", pValue)
        }
        var cells: Int
        var lowest: (label: String, value: Double)
    }

    /// Every pair of names, the later over the earlier: (b, a), (c, a), (c, b) — so the scenario's first target
    /// (the dev server in the shipped one) is the baseline the others are divided by.
    static func pairs(_ names: [String]) -> [(String, String)] {
        names.indices.flatMap { i in names.indices.filter { $0 > i }.map { j in (names[j], names[i]) } }
    }
}

extension ScenarioResult.Cell {
    /// Median req/s of `a` over that of `b` in this cell.
    func rpsRatio(_ a: String, _ b: String) -> Double? {
        guard let x = targets.first(where: { $0.name == a })?.median?.rps,
              let y = targets.first(where: { $0.name == b })?.median?.rps, y > 0 else { return nil }
        return x / y
    }

    /// The ratio as text with its uncertainty from the repetitions, as hyperfine gives it: the ratio times the
    /// root of the summed squares of each side's relative standard deviation (`2.56x ± 0.12`); the ratio alone
    /// when either side has a single repetition.
    func rpsRatioText(_ a: String, _ b: String) -> String {
        guard let x = targets.first(where: { $0.name == a }), let y = targets.first(where: { $0.name == b }) else { return "-" }
        return ScenarioResult.rpsRatioText(x, over: y)
    }
}

extension ScenarioResult {
    /// Median req/s of `a` over `b`'s, with hyperfine's ± (the ratio times the root of the summed squares of each
    /// side's relative standard deviation over its repetitions); the ratio alone when a side has one repetition,
    /// `-` when either has no median.
    static func rpsRatioText(_ a: Target, over b: Target) -> String {
        guard let x = a.median?.rps, let y = b.median?.rps, y > 0 else { return "-" }
        let ratio = x / y
        func relativeDeviation(_ target: Target) -> Double? {
            let values = target.values(.rps)
            let mean = Statistics.mean(values)
            guard values.count > 1, mean > 0 else { return nil }
            return Statistics.variance(values).squareRoot() / mean
        }
        guard let dx = relativeDeviation(a), let dy = relativeDeviation(b) else { return Units.formatRatio(ratio) }
        return Units.formatRatio(ratio, plusMinus: ratio * (dx * dx + dy * dy).squareRoot())
    }
}

extension ScenarioResult.ThresholdOutcome {
    public var valueText: String { value.map { String(format: "%.4g", $0) } ?? "not measured" }
}

/// Stacks side by side, when the matrix sweeps `stack`: per target and per the other settings, each stack's median
/// and each stack's req/s over the reference stack's (over the first stack's when there is no reference).
extension ScenarioResult {
    /// The stack names of the finished cells, in cell order; empty when the matrix does not sweep `stack`.
    var stackNames: [String] {
        okCells.compactMap { $0.stackName }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
    }

    /// The stack every other is divided by: `reference` when present, else the first.
    var baselineStack: String? { stackNames.contains("reference") ? "reference" : stackNames.first }

    /// One target under one combination of the other settings: each stack's measurement of it.
    struct StackGroup {
        var settings: String
        var targets: [String: Target]

        /// Each stack's medians.
        var byStack: [String: Summary] { targets.compactMapValues(\.median) }

        /// `stack`'s req/s over `baseline`'s.
        func ratio(_ stack: String, over baseline: String) -> Double? {
            guard let a = byStack[stack]?.rps, let b = byStack[baseline]?.rps, b > 0 else { return nil }
            return a / b
        }

        /// The ratio with its ± from both sides' repetitions (`1.52x ± 0.08`), `-` where a stack did not measure it.
        func ratioText(_ stack: String, over baseline: String) -> String {
            guard let a = targets[stack], let b = targets[baseline] else { return "-" }
            return ScenarioResult.rpsRatioText(a, over: b)
        }
    }

    /// Per stack, the memory of its front and pool together as PSS (the median over the windows of the first
    /// proxied-dynamic target), in stack order; empty when no such target measured PSS.
    var stackMemory: [(stack: String, pssKiB: Double)] {
        stackNames.compactMap { stack in
            okCells.lazy.filter { $0.stackName == stack }.compactMap { cell in
                cell.targets.first { $0.kind == TargetKind.proxiedDynamic.rawValue }?.median?.pss
            }.first.map { (stack, $0) }
        }
    }

    /// Per target (in order), per the settings other than the stack: each stack's medians.
    func sideBySide() -> [(target: String, groups: [StackGroup])] {
        guard stackNames.count > 1 else { return [] }
        return targetNames.map { target in
            var groups: [StackGroup] = []
            for cell in okCells {
                guard let stack = cell.stackName, let measured = cell.targets.first(where: { $0.name == target }), measured.median != nil else { continue }
                let settings = cell.labelWithoutStack(ignoring: measured.ignores ?? [])
                if let index = groups.firstIndex(where: { $0.settings == settings }) {
                    groups[index].targets[stack] = measured
                } else {
                    groups.append(StackGroup(settings: settings, targets: [stack: measured]))
                }
            }
            return (target, groups)
        }
    }
}

extension ScenarioResult.Cell {
    var stackName: String? { settings.last { $0.component == .stack }?.value }

    /// The settings other than the stack that a target reads (`ignored`: the keys it does not): `every cell` when
    /// it reads none of the swept ones, `defaults` when only the stack is swept.
    func labelWithoutStack(ignoring ignored: [String] = []) -> String {
        let others = settings.filter { $0.component != .stack }
        let read = others.filter { !ignored.contains($0.name) }
        if read.isEmpty { return others.isEmpty ? "defaults" : "every cell" }
        return read.map { "\($0.name)=\($0.value)" }.joined(separator: " ")
    }
}

/// Validity and events, as both reports list them.
extension ScenarioResult {
    /// One flagged window, or one noisy target (window nil), as the reports' table lists them.
    struct ValidityRow: Equatable {
        var cell: String
        var target: String
        var window: Int?
        var kind: String
        var detail: String
    }

    /// Every flagged window and every noisy target, per target and configuration (a window shared by several
    /// cells is listed once, under its configuration's label).
    var validityRows: [ValidityRow] {
        var rows: [ValidityRow] = []
        for name in targetNames {
            for configuration in configurations(of: name) {
                let target = configuration.target
                for (index, repetition) in target.repetitions.enumerated() {
                    for flag in repetition.windowFlags {
                        rows.append(.init(cell: configuration.label, target: name, window: index + 1, kind: flag.kind.rawValue, detail: flag.detail))
                    }
                }
                if let noise = target.noise, noise.noisy {
                    rows.append(.init(cell: configuration.label, target: name, window: nil, kind: "noisy",
                                      detail: String(format: "the %.0f%% interval of the median req/s (%.0f to %.0f over %d repetitions) spans %.0f%% of it, over the %.0f%% limit; add repetitions",
                                                     noise.coverage * 100, noise.low, noise.high, noise.repetitions, noise.share * 100, noise.limit * 100)))
                }
            }
        }
        return rows
    }

    /// Whether any window of `target` in `cell` is flagged, or the target is noisy.
    func isFlagged(_ target: Target) -> Bool {
        target.repetitions.contains { !$0.isValid } || target.noise?.noisy == true
    }

    /// (cell, target, window number, event) for every event carried out.
    var eventRows: [(cell: String, target: String, window: Int, event: EventRecord)] {
        okCells.flatMap { cell in
            cell.targets.flatMap { target in
                target.repetitions.enumerated().flatMap { index, repetition in
                    (repetition.events ?? []).map { (cell.label, target.name, index + 1, $0) }
                }
            }
        }
    }
}

extension ScenarioResult.Summary {
    /// The memory column: PSS (shared pages divided among the processes sharing them, so it adds up across a pool
    /// of workers); results written before PSS was measured show their summed RSS, said as such.
    var memoryText: String { pss.map { Units.formatBytes($0 * 1024) } ?? "RSS " + Units.formatBytes(rss * 1024) }
}

/// The Answers section at the top of both reports: what the run says about the questions stackbench is for — the
/// front against the dev server, dynamic against static, which settings matter — each with its uncertainty, and
/// the caveats that change how to read them.
extension ScenarioResult {
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
                guard let ratio = cell.rpsRatio(a, b), let x = cell.targets.first(where: { $0.name == a }),
                      let y = cell.targets.first(where: { $0.name == b }),
                      pairsSeen.insert(cell.configurationLabel(of: x) + "\n" + cell.configurationLabel(of: y)).inserted else { return nil }
                return (cell, ratio)
            }
            guard let first = ratios.first else { continue }
            if let void = clientBoundVoid(a, b, in: ratios) {
                findings.append("\(question): \(void)")
                continue
            }
            if ratios.count == 1, let x = first.0.targets.first(where: { $0.name == a }), let y = first.0.targets.first(where: { $0.name == b }) {
                // Round by round where both were measured in the same rounds: the interval of the paired ratio.
                let estimate = RatioEstimate([(y, x)], metric: .rps)
                let text = estimate.paired && estimate.testable
                    ? "\(Units.formatRatio(estimate.ratio)) [\(Units.formatRatio(estimate.interval.lowerBound)), \(Units.formatRatio(estimate.interval.upperBound))], "
                        + "95% interval round by round" : first.0.rpsRatioText(a, b)
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
                guard let target = cell.targets.first(where: { $0.name == name }),
                      seen.insert(cell.configurationLabel(of: target)).inserted else { continue }
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
        let flags = validityRows
        let clientBound = flags.filter { $0.kind == WindowFlag.Kind.clientBound.rawValue }.count
        if clientBound > 0 {
            caveats.append("\(clientBound) window(s) were client-bound: their req/s is what the load generator could ask for, a floor "
                           + "for the server, and every ratio built on them is too")
        }
        let latencyBound = flags.filter { $0.kind == WindowFlag.Kind.latencyBound.rawValue }.count
        if latencyBound > 0 {
            caveats.append("\(latencyBound) window(s) were latency-bound: every request waited on the same floor with the server mostly "
                           + "idle, so their req/s measures the wait")
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
