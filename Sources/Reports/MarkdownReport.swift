import BenchSupport
import Foundation
import Results

/// report.md: per target, a table over the matrix cells (req/s, latency percentiles, errors, server CPU per
/// request, memory) with the best cell marked; the ratios between paths per cell; failed cells and thresholds.
struct MarkdownReport {
    let analysis: RunAnalysis

    init(result: ScenarioResult) { analysis = RunAnalysis(result) }

    var text: String {
        var lines = ["# \(analysis.scenario.name)", "", analysis.runDescription, analysis.loadDescription]
        if !analysis.preparationDescription.isEmpty { lines.append(analysis.preparationDescription) }
        if analysis.interrupted { lines += ["", "**Interrupted**: only the cells below finished."] }
        if let answers = analysis.answers {
            lines += ["", "## Answers", ""] + answers.findings.map { "- " + $0 }
            if !answers.caveats.isEmpty { lines += ["", "Read with care:", ""] + answers.caveats.map { "- " + $0 } }
        }
        let targets = analysis.targetNames
        if analysis.okCells.count > 1 {
            lines += ["", "## Best setting per target", ""]
            for target in targets {
                guard let best = analysis.bestSetting(of: target) else { continue }
                let unit = best.median.capacity != nil ? "req/s capacity" : "req/s"
                let top = best.median.rankingValue
                let range = "\(Units.formatWhole(best.lowest.value))–\(Units.formatWhole(top)) \(unit) over the cells"
                if best.significant {
                    lines.append("- **\(target)**: \(best.label) — \(Units.formatWhole(top)) \(unit), p99 \(Units.formatMicroseconds(best.median.p99)); "
                                 + "better than the runner-up (\(best.runnerUp)) \(best.leadText)"
                                 + (best.lowest.value > 0 ? "; " + Units.formatRatio(top / best.lowest.value) + " the lowest (\(best.lowest.label))" : ""))
                } else if best.testable {
                    lines.append("- **\(target)**: no setting is significantly better among \(best.cells) (\(range); "
                                 + "the top two, \(best.label) and \(best.runnerUp), differ "
                                 + (best.lead.map { "by \($0.text) round by round)" } ?? "at \(Units.pValue(best.pValue, 2)))"))
                } else {
                    lines.append("- **\(target)**: no setting can be called better among \(best.cells) (\(range)): "
                                 + "too few repetitions to tell a difference from noise (4 or more per cell are needed)")
                }
            }
        }
        lines += effectLines
        for target in targets {
            lines += ["", "## \(target)", "", analysis.sendsLine(of: target), ""] + (analysis.sharingNote(of: target).map { [$0, ""] } ?? [])
                + ["| settings | req/s | p50 | p99 | p99.9 | errors | non-2xx/3xx | server CPU µs/req | memory (PSS) |",
                   "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
            let best = analysis.bestCell(of: target)
            for configuration in analysis.configurations(of: target) {
                guard let median = configuration.target.median else { continue }
                let label = configuration.label
                let flagged = analysis.isFlagged(configuration.target)
                lines.append("| \(label)\(label == best ? " **best**" : "") | \(Units.formatWhole(median.rps))\(flagged ? " ⚠" : "") | "
                             + "\(Units.formatMicroseconds(median.p50)) | \(Units.formatMicroseconds(median.p99)) | \(Units.formatMicroseconds(median.p999)) | "
                             + "\(Units.formatWhole(median.errors)) | \(Units.formatWhole(median.non2xx)) | \(Units.formatTenths(median.cpuPerRequest)) | "
                             + "\(median.memoryText) |")
            }
            if analysis.configurations(of: target).contains(where: { analysis.isFlagged($0.target) }) {
                lines += ["", RunAnalysis.flaggedLegend]
            }
        }
        lines += sideBySideLines
        let pairs = RunAnalysis.pairs(targets)
        if !pairs.isEmpty {
            lines += ["", "## Ratios of req/s between paths", "", "| settings | " + pairs.map { "\($0) / \($1)" }.joined(separator: " | ") + " |",
                      "|---|" + pairs.map { _ in "---:" }.joined(separator: "|") + "|"]
            for (label, cell) in analysis.distinctCells {
                lines.append("| \(label) | " + pairs.map { analysis.rpsRatioText($0, $1, in: cell) }.joined(separator: " | ") + " |")
            }
        }
        lines += poolLines()
        lines += capacityLines
        lines += validityAndEventLines
        let failed = analysis.cells.filter { $0.status != .ok }
        if !failed.isEmpty {
            lines += ["", "## Failed or skipped cells", ""]
            for cell in failed { lines.append("- \(cell.label) (\(cell.status)): \(cell.failure ?? "")") }
        }
        if !analysis.thresholds.isEmpty {
            lines += ["", "## Thresholds", "", "| threshold | cell | target | value | |", "|---|---|---|---:|---|"]
            for outcome in analysis.thresholds {
                lines.append("| `\(outcome.threshold)` | \(outcome.cell) | \(outcome.target) | \(outcome.valueText) | \(outcome.passed ? "pass" : "**FAIL**") |")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Per cell and target served by the pool: how the workers shared the requests (the pool's stats server, over
    /// the median repetition), and any respawn or harakiri kill during the windows.
    private func poolLines() -> [String] {
        var rows: [String] = []
        for name in analysis.targetNames {
            for configuration in analysis.configurations(of: name) {
                let windows = configuration.target.repetitions.compactMap(\.pool)
                guard let window = windows.first, !window.workers.isEmpty else { continue }
                let shares = window.workers.map { String($0.requests) }.joined(separator: " / ")
                // Summed as doubles: counts read from a file may add up past Int.max.
                let respawns = windows.reduce(0.0) { $0 + $1.workers.reduce(0.0) { $0 + Double($1.respawns) } }
                let harakiris = windows.reduce(0.0) { $0 + $1.workers.reduce(0.0) { $0 + Double($1.harakiris) } }
                rows.append("| \(configuration.label) | \(name) | \(shares) | \(Units.formatWhole(respawns)) | \(Units.formatWhole(harakiris)) |")
            }
        }
        guard !rows.isEmpty else { return [] }
        return ["", "## Pool workers", "", "Requests each worker served in the first repetition's window, and respawns and harakiri kills over all "
                + "of them, from the pool's stats server.", "", "| settings | target | requests per worker | respawns | harakiri |", "|---|---|---|---:|---:|"] + rows
    }
}

extension MarkdownReport {
    /// The table a user reads to learn what a key does: per key, value and target, the ratio over the key's
    /// first value with its interval (`~`: not significant).
    var effectLines: [String] {
        let effects = analysis.settingEffects
        guard !effects.isEmpty else { return [] }
        return ["", "## What each setting does", "",
                "Per key: one value over the key's first, as the geometric mean over the pairs of configurations that differ only in that key, "
                + "with its 95% interval (round by round: a paired t-test over the interleaved rounds); `~` marks a change that is not "
                + "significant (the interval holds 1, or fewer than 4 windows a side).", "",
                "| key | change | target | pairs | req/s | p99 |", "|---|---|---|---:|---:|---:|"]
            + effects.map { "| \($0.key) | \($0.from) → \($0.to) | \($0.target) | \($0.pairs) | \($0.rps.text) | \($0.p99.text) |" }
    }

    var sideBySideLines: [String] {
        let sides = analysis.sideBySide()
        guard !sides.isEmpty, let baseline = analysis.baselineStack else { return [] }
        let stacks = analysis.stackNames
        let others = stacks.filter { $0 != baseline }
        var lines = ["", "## Stacks side by side", "",
                     "Median req/s and p99 per stack; the ratios are each stack's req/s over \(baseline)'s.", ""]
        lines.append("| target | settings | " + stacks.joined(separator: " | ") + " | " + others.map { "\($0) / \(baseline)" }.joined(separator: " | ") + " |")
        lines.append("|---|---|" + stacks.map { _ in "---:" }.joined(separator: "|") + "|" + others.map { _ in "---:" }.joined(separator: "|") + "|")
        for (target, groups) in sides {
            for group in groups {
                let values = stacks.map { stack in
                    group.byStack[stack].map { "\(Units.formatWhole($0.rps)) · \(Units.formatMicroseconds($0.p99))" } ?? "-"
                }
                let ratios = others.map { group.ratioText($0, over: baseline) }
                lines.append("| \(target) | \(group.settings) | " + values.joined(separator: " | ") + " | " + ratios.joined(separator: " | ") + " |")
            }
        }
        let memory = analysis.stackMemory
        if !memory.isEmpty {
            lines += ["", "Memory of each stack's front and pool together, as PSS (shared pages divided among the processes sharing them, "
                      + "so the processes add up): " + memory.map { "\($0.stack) \(Units.formatBytes($0.pssKiB * 1024))" }.joined(separator: ", ") + "."]
        }
        return lines
    }
}

extension MarkdownReport {
    var validityAndEventLines: [String] {
        var lines: [String] = []
        let validity = analysis.validityRows
        if !validity.isEmpty {
            lines += ["", "## Windows not to trust", "", "Client-bound, under-delivered, disturbed, latency-bound or stalled-requests windows, and noisy targets (`compare` leaves flagged windows out):", "",
                      "| cell | target | window | flag | why |", "|---|---|---:|---|---|"]
            lines += validity.map { "| \($0.cell) | \($0.target) | \($0.window.map(String.init) ?? "all") | \($0.kind) | \($0.detail) |" }
        }
        let events = analysis.eventRows
        if !events.isEmpty {
            lines += ["", "## Events under load", "", "| cell | target | window | event | at | failed requests | what happened |", "|---|---|---:|---|---:|---:|---|"]
            for row in events {
                lines.append("| \(row.cell) | \(row.target) | \(row.window) | \(row.event.action) | \(Units.fixed(row.event.startedAt, 2)) s | "
                             + "\(row.event.failedRequests) | \(row.event.detail) |")
            }
            lines.append("")
            lines.append("Failed requests: transport errors and non-2xx/3xx answers from the event's second to the next event or the window's end, "
                         + "less the failure rate before the first event.")
        }
        return lines
    }
}

extension MarkdownReport {
    /// Per cell and target searched: the capacity and each step.
    var capacityLines: [String] {
        let searched = analysis.okCells.flatMap { cell in analysis.targets(in: cell).compactMap { target in target.searches.map { (cell.label, target.name, $0) } } }
        guard !searched.isEmpty else { return [] }
        var lines = ["", "## Capacity", "", "The highest arrival rate (open model) whose window met \(searched[0].2.first?.criteria ?? "the limits"); settings above are ranked by it.", "",
                     "| cell | target | capacity req/s | steps (offered → p99, pass/fail) | ended |", "|---|---|---:|---|---|"]
        for (cell, target, searches) in searched {
            for search in searches {
                let steps = search.steps.map { "\(Units.formatCount($0.offered)) → \(Units.formatMicroseconds($0.p99)) \($0.passed ? "✓" : "✗")" }.joined(separator: ", ")
                lines.append("| \(cell) | \(target) | \(search.capacity.map { Units.formatWhole($0) } ?? "none") | \(steps) | \(search.ended) |")
            }
        }
        return lines
    }
}
