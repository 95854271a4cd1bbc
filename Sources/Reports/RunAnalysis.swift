import BenchSupport
import Foundation
import Results

/// The analysis of one run: what report.md, report.html, the terminal's summary and compare's charts say the same
/// way, worked out from a result as stored and never written back — the run and load descriptions, the finished
/// cells and each target's configurations with their medians, the best setting, the ratios between paths, the
/// effect of each setting, stacks side by side, where the time went, the windows not to trust, the events and the
/// Answers. The writers only lay it out. (Results holds the data and its invariants; this holds what is read into it.)
struct RunAnalysis {
    typealias Cell = ScenarioResult.Cell
    typealias Configuration = ScenarioResult.Configuration
    typealias Target = ScenarioResult.Target
    typealias Summary = ScenarioResult.Summary

    let result: ScenarioResult

    init(_ result: ScenarioResult) { self.result = result }

    // What it reads of the result, by the result's names.
    var scenario: ScenarioResult.ScenarioInfo { result.scenario }
    var machine: ScenarioResult.Machine { result.machine }
    var stackbench: ScenarioResult.Build { result.stackbench }
    var label: String? { result.label }
    var startedAt: String { result.startedAt }
    var interrupted: Bool { result.interrupted }
    var load: ScenarioResult.LoadInfo { result.load }
    var reproduction: ScenarioResult.Reproduction? { result.reproduction }
    var preparation: [String]? { result.preparation }
    var thresholds: [ScenarioResult.ThresholdOutcome] { result.thresholds }
    var cells: [Cell] { result.cells }
    var configurations: [Configuration] { result.configurations }
    func configuration(id: String) -> Configuration? { result.configuration(id: id) }
    func configuration(of name: String, in cell: Cell) -> Configuration? { result.configuration(of: name, in: cell) }
    func targets(in cell: Cell) -> [Target] { result.targets(in: cell) }
    func target(_ name: String, in cell: Cell) -> Target? { result.target(name, in: cell) }
    func cells(sharing configuration: Configuration) -> [Cell] { result.cells(sharing: configuration) }
}

/// What both reports say the same way.
extension RunAnalysis {
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
    var targetNames: [String] { okCells.first.map { targets(in: $0).map(\.name) } ?? [] }

    /// The configurations of `target` that a finished cell shares and that have medians, in the order of the first
    /// finished cell sharing each.
    func configurations(of target: String) -> [Configuration] {
        var seen = Set<String>()
        return okCells.flatMap(\.configurations).compactMap { id in
            guard seen.insert(id).inserted, let configuration = configuration(id: id),
                  configuration.target.name == target, configuration.target.median != nil else { return nil }
            return configuration
        }
    }

    /// The finished cells that share `configuration`.
    func okCells(sharing configuration: Configuration) -> [Cell] { cells(sharing: configuration).filter { $0.status == .ok } }

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
        let ignores = okCells.flatMap(targets(in:)).map { Set($0.ignores ?? []) }
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
                ?? "at " + Units.pValue(pValue)
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

extension RunAnalysis {
    /// Median req/s of `a` over that of `b` in `cell`.
    func rpsRatio(_ a: String, _ b: String, in cell: Cell) -> Double? {
        guard let x = target(a, in: cell)?.median?.rps, let y = target(b, in: cell)?.median?.rps, y > 0 else { return nil }
        return x / y
    }

    /// The ratio as text with its uncertainty from the repetitions, as hyperfine gives it: the ratio times the
    /// root of the summed squares of each side's relative standard deviation (`2.56x ± 0.12`); the ratio alone
    /// when either side has a single repetition.
    func rpsRatioText(_ a: String, _ b: String, in cell: Cell) -> String {
        guard let x = target(a, in: cell), let y = target(b, in: cell) else { return "-" }
        return Self.rpsRatioText(x, over: y)
    }
}

extension RunAnalysis {
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
    public var valueText: String { value.map { Units.significant($0, 4) } ?? "not measured" }
}
