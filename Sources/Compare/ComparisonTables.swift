import BenchSupport
import Foundation
import Results
import Reports

/// The comparison as tables, benchstat's way: one table per metric, a row per cell · target, each run's median
/// ± spread over its repetitions (with n), then per later run its change against the baseline with the p-value,
/// or "~" when the change is not significant. Written for a terminal (aligned columns) or as Markdown.
extension Comparison {
    /// Run letters A, B, C... with the runs' names.
    public var legendLines: [String] {
        runs.enumerated().map { index, run in
            "\(Self.letter(index))  \(run.name)\(index == 0 ? "  (baseline)" : "")  — \(run.result.scenario.name), "
                + "\(run.result.cells.count) cell(s), started \(run.result.startedAt)"
        }
    }

    static func letter(_ index: Int) -> String {
        index < 26 ? String(UnicodeScalar(UInt8(65 + index))) : "R\(index + 1)"
    }

    /// Header and rows of one metric's table, as plain cells.
    func table(of metric: Metric) -> (header: [String], rows: [[String]]) {
        let header = [metric.rawValue + " (\(Self.unit(metric)))"] + runs.indices.map { Self.letter($0) }
            + runs.indices.dropFirst().map { "\(Self.letter($0)) vs \(Self.letter(0))" }
        let rows = rows(of: metric).map { row -> [String] in
            let values = row.samples.map { sample in sample.map { Self.describe($0, metric) } ?? "-" }
            let deltas = runs.indices.dropFirst().map { index in
                row.deltas.first { $0.run == index }.map(Self.describe) ?? "-"
            }
            return [row.key.text] + values + deltas
        }
        return (header, rows)
    }

    static func unit(_ metric: Metric) -> String {
        switch metric {
        case .rps: "req/s"
        case .capacity: "req/s within the search's limits"
        case .p50, .p75, .p90, .p99, .p999: "latency"
        case .errors, .non2xx: "count"
        case .cpuPerRequest: "server CPU µs/req"
        case .rss: "server RSS"
        case .pss: "server PSS"
        }
    }

    static func describe(_ sample: Sample, _ metric: Metric) -> String {
        let spread = sample.values.count < 2 ? "" : sample.spread.map { " ±" + Units.percent($0) } ?? " ±∞"
        return format(sample.median, metric) + spread + " (n=\(sample.values.count)" + (sample.flagged > 0 ? ", \(sample.flagged) flagged left out" : "") + ")"
    }

    static func describe(_ delta: Delta) -> String {
        let change = delta.percent.map { Units.fixed($0, 2, signed: true) + "%" } ?? Units.fixed(delta.absolute, 0, signed: true)
        if !delta.testable { return change + " (n too small)" }
        return (delta.significant ? change : "~") + " (\(Units.pValue(delta.pValue)))"
    }

    /// For a terminal: the legend, one aligned table per metric, and what only some runs measured.
    public var text: String {
        var lines = legendLines
        for metric in metrics {
            let (header, rows) = table(of: metric)
            let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
            func line(_ cells: [String]) -> String {
                cells.enumerated().map { column, text in
                    let pad = String(repeating: " ", count: widths[column] - text.count)
                    return column == 0 ? text + pad : pad + text
                }.joined(separator: "  ")
            }
            lines += ["", line(header)] + rows.map(line)
        }
        lines += unmatchedLines
        lines.append("")
        lines.append("~: no significant difference (Mann-Whitney U, p >= \(alpha)); ±: largest distance from the median over the repetitions.")
        return lines.joined(separator: "\n") + "\n"
    }

    public var markdown: String { markdown(gate: nil) }

    /// The Markdown document, opening with the gate's verdict when there is one, so that `>> $GITHUB_STEP_SUMMARY`
    /// shows a CI job why it passed or failed.
    public func markdown(gate: (limits: [GateLimit], verdict: GateVerdict)?) -> String {
        var lines = ["# stackbench compare", ""]
        if let gate {
            let status = gate.verdict.exitStatus
            lines += ["## Gate: " + (status == 0 ? "passed ✅" : status == 1 ? "failed ❌" : "cannot judge ⚠️"), "",
                      "Limits: `\(gate.limits.map(\.text).joined(separator: ", "))`; \(gate.verdict.checked) comparison(s) checked.", ""]
            let notes = gate.verdict.failures.map { "- **FAIL** " + $0 } + gate.verdict.problems.map { "- **cannot judge** " + $0 }
                + gate.verdict.unresolved.map { "- **unresolved** (warning) " + $0 } + gate.verdict.ignored.map { "- ignored: " + $0 }
                + gate.verdict.sensitivity.map { "- sensitivity: " + $0 }
            lines += notes + (notes.isEmpty ? [] : [""])
        }
        lines += legendLines.map { "- " + $0 }
        for metric in metrics {
            let (header, rows) = table(of: metric)
            lines += ["", "## \(metric.rawValue)", "", "| " + header.joined(separator: " | ") + " |",
                      "|---|" + header.dropFirst().map { _ in "---:" }.joined(separator: "|") + "|"]
            lines += rows.map { "| " + $0.joined(separator: " | ") + " |" }
        }
        if !unmatched.isEmpty || !allFlagged.isEmpty { lines += ["", "## Not in every run", ""] + unmatchedLines.dropFirst(2).map { "- " + $0.trimmingCharacters(in: .whitespaces) } }
        lines += ["", "`~`: no significant difference (Mann-Whitney U over the repetitions, p >= \(alpha)); ±: largest distance from the median."]
        return lines.joined(separator: "\n") + "\n"
    }

    var unmatchedLines: [String] {
        let flaggedLines = allFlagged.map { "  \($0.key.text): every window of \($0.run) flagged (\($0.kinds.joined(separator: ", "))): left out" }
        guard !unmatched.isEmpty || !flaggedLines.isEmpty else { return [] }
        let letters = Dictionary(runs.enumerated().map { ($1.name, Self.letter($0)) }, uniquingKeysWith: { first, _ in first })
        return ["", "not in every run:"] + unmatched.map { item in
            "  \(item.key.text): measured in \(item.measuredIn.map { letters[$0] ?? $0 }.joined(separator: ", ")); "
                + item.missing.sorted { $0.key < $1.key }.map { "not in \(letters[$0.key] ?? $0.key) (\($0.value))" }.joined(separator: ", ")
        } + flaggedLines
    }
}
