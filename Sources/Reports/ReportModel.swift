import BenchSupport
import Foundation
import Results

// The report model: what report.md, report.html and the terminal say the same way, computed once from a result —
// the run and load descriptions, the finished cells and their medians, the best cell, the pairs of targets and their
// ratios, stacks side by side, the windows not to trust and the events. The writers only lay it out.

/// What both reports say the same way.
extension ScenarioResult {
    var runDescription: String {
        "Run \(startedAt) on \(machine.cpuModel), \(machine.cores) cores, Linux \(machine.kernel); "
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

    /// (cell label, medians) of `target` over the cells that measured it.
    func medians(of target: String) -> [(label: String, median: Summary)] {
        cells.compactMap { cell in cell.targets.first { $0.name == target }.flatMap { t in t.median.map { (cell.label, $0) } } }
    }

    /// Which cell is best for `target`, if any can be called: the highest capacity when a search ran, else the
    /// highest median req/s, and only when its windows beat the runner-up's by the test `compare` uses (two-sided
    /// Mann-Whitney U over the repetitions, p < 0.05). With too few repetitions, or a lead inside the noise, there is
    /// no best: a tie is a tie.
    func bestSetting(of target: String) -> BestSetting? {
        let ranked = cells.compactMap { cell -> (label: String, median: Summary, values: [Double])? in
            guard cell.status == .ok, let measured = cell.targets.first(where: { $0.name == target }), let median = measured.median else { return nil }
            let values = measured.searches != nil ? measured.capacities : measured.values(.rps)
            return (cell.label, median, values)
        }.sorted { $0.median.rankingValue > $1.median.rankingValue }
        guard ranked.count > 1, let top = ranked.first, let bottom = ranked.last else { return nil }
        let runnerUp = ranked[1]
        let p = Statistics.mannWhitneyP(top.values, runnerUp.values)
        let testable = Statistics.smallestMannWhitneyP(top.values.count, runnerUp.values.count) < 0.05
        return BestSetting(label: top.label, median: top.median, runnerUp: runnerUp.label, pValue: p,
                           significant: testable && p < 0.05, testable: testable, cells: ranked.count,
                           lowest: (bottom.label, bottom.median.rankingValue))
    }

    /// The cell called best for `target`, nil when none is significantly better than the runner-up.
    func bestCell(of target: String) -> String? {
        bestSetting(of: target).flatMap { $0.significant ? $0.label : nil }
    }

    struct BestSetting {
        var label: String
        var median: Summary
        var runnerUp: String
        var pValue: Double
        var significant: Bool
        /// Enough repetitions on both sides for any p under 0.05 (4 + 4).
        var testable: Bool
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
        guard let ratio = rpsRatio(a, b) else { return "-" }
        func relativeDeviation(_ name: String) -> Double? {
            guard let values = targets.first(where: { $0.name == name })?.values(.rps), values.count > 1 else { return nil }
            let mean = values.reduce(0, +) / Double(values.count)
            guard mean > 0 else { return nil }
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
            return variance.squareRoot() / mean
        }
        guard let x = relativeDeviation(a), let y = relativeDeviation(b) else { return Units.formatRatio(ratio) }
        return Units.formatRatio(ratio, plusMinus: ratio * (x * x + y * y).squareRoot())
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

    /// One target under one combination of the other settings: each stack's medians.
    struct StackGroup {
        var settings: String
        var byStack: [String: Summary]

        /// `stack`'s req/s over `baseline`'s.
        func ratio(_ stack: String, over baseline: String) -> Double? {
            guard let a = byStack[stack]?.rps, let b = byStack[baseline]?.rps, b > 0 else { return nil }
            return a / b
        }
    }

    /// Per target (in order), per the settings other than the stack: each stack's medians.
    func sideBySide() -> [(target: String, groups: [StackGroup])] {
        guard stackNames.count > 1 else { return [] }
        return targetNames.map { target in
            var groups: [StackGroup] = []
            for cell in okCells {
                guard let stack = cell.stackName, let median = cell.targets.first(where: { $0.name == target })?.median else { continue }
                let settings = cell.labelWithoutStack
                if let index = groups.firstIndex(where: { $0.settings == settings }) {
                    groups[index].byStack[stack] = median
                } else {
                    groups.append(StackGroup(settings: settings, byStack: [stack: median]))
                }
            }
            return (target, groups)
        }
    }
}

extension ScenarioResult.Cell {
    var stackName: String? { settings.last { $0.component == .stack }?.value }

    var labelWithoutStack: String {
        let others = settings.filter { $0.component != .stack }
        return others.isEmpty ? "defaults" : others.map { "\($0.name)=\($0.value)" }.joined(separator: " ")
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

    /// Every flagged window and every noisy target, in cell and target order.
    var validityRows: [ValidityRow] {
        var rows: [ValidityRow] = []
        for cell in okCells {
            for target in cell.targets {
                for (index, repetition) in target.repetitions.enumerated() {
                    for flag in repetition.windowFlags {
                        rows.append(.init(cell: cell.label, target: target.name, window: index + 1, kind: flag.kind.rawValue, detail: flag.detail))
                    }
                }
                if let noise = target.noise, noise.noisy {
                    rows.append(.init(cell: cell.label, target: target.name, window: nil, kind: "noisy",
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
        let questions: [(TargetKind, TargetKind, String)] = [
            (.proxiedStatic, .devServer, "The front serving static files, over the dev server"),
            (.proxiedDynamic, .devServer, "The dynamic path (front and pool), over the dev server"),
            (.proxiedDynamic, .proxiedStatic, "The dynamic path, over static files through the front"),
        ]
        func target(of kind: TargetKind) -> String? {
            okCells.lazy.flatMap(\.targets).first { $0.kind == kind.rawValue }?.name
        }
        var findings: [String] = []
        for (upper, lower, question) in questions {
            guard let a = target(of: upper), let b = target(of: lower) else { continue }
            let ratios = okCells.compactMap { cell in cell.rpsRatio(a, b).map { (cell, $0) } }
            guard let first = ratios.first else { continue }
            if ratios.count == 1 {
                findings.append("\(question): \(first.0.rpsRatioText(a, b)) (\(a) / \(b) req/s)")
            } else {
                let values = ratios.map(\.1).sorted()
                findings.append("\(question): \(Units.formatRatio(Statistics.median(values))) at the median of \(values.count) cells, "
                                + "\(Units.formatRatio(values.first!)) to \(Units.formatRatio(values.last!)) (\(a) / \(b) req/s)")
            }
        }
        if okCells.count > 1 {
            for name in targetNames {
                guard let best = bestSetting(of: name) else { continue }
                findings.append(best.significant
                    ? "Settings for \(name): \(best.label) is best, better than the runner-up (\(best.runnerUp)) at p=\(String(format: "%.3f", best.pValue))"
                    : best.testable ? "Settings for \(name): none is significantly better among \(best.cells)"
                    : "Settings for \(name): the \(best.cells) cannot be told apart with these repetitions")
            }
        }
        guard !findings.isEmpty else { return nil }
        return Answers(findings: findings, caveats: caveats)
    }

    /// What changes the reading: flagged windows, repetitions too few to tell settings apart, workers beyond the
    /// server's cores.
    private var caveats: [String] {
        var caveats: [String] = []
        let flags = okCells.flatMap { $0.targets.flatMap { $0.repetitions.flatMap(\.windowFlags) } }
        let clientBound = flags.filter { $0.kind == .clientBound }.count
        if clientBound > 0 {
            caveats.append("\(clientBound) window(s) were client-bound: their req/s is what the load generator could ask for, a floor "
                           + "for the server, and every ratio built on them is too")
        }
        let latencyBound = flags.filter { $0.kind == .latencyBound }.count
        if latencyBound > 0 {
            caveats.append("\(latencyBound) window(s) were latency-bound: every request waited on the same floor with the server mostly "
                           + "idle, so their req/s measures the wait")
        }
        if okCells.count > 1, load.repetitions < 4 {
            caveats.append("\(load.repetitions) repetition(s) per cell: too few for any difference between settings to be significant "
                           + "(use load.repetitions of 5 or more)")
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
