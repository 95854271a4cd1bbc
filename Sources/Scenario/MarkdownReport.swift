import BenchSupport
import Foundation

/// report.md: per target, a table over the matrix cells (req/s, latency percentiles, errors, server CPU per
/// request, memory) with the best cell marked; the ratios between paths per cell; failed cells and thresholds.
struct MarkdownReport {
    let result: ScenarioResult

    var text: String {
        var lines = ["# \(result.scenario.name)", ""]
        lines.append("Run \(result.startedAt) on \(result.machine.cpuModel), \(result.machine.cores) cores, Linux \(result.machine.kernel); "
                     + "stackbench \(result.stackbench.version)\(result.stackbench.gitSha.map { " (\($0.prefix(12)))" } ?? "").")
        let load = result.load
        lines.append("Load: \(load.connections) connections, \(load.threads) client thread(s), "
                     + (load.durationSeconds.map { "\($0) s" } ?? "\(load.count ?? 0) requests") + " after \(load.warmupSeconds) s warm-up, "
                     + (load.rate.map { "open model at \($0) req/s" } ?? "closed model") + ", \(load.repetitions) repetition(s) (medians); "
                     + "client CPUs \(load.clientCPUs ?? "any"), server CPUs \(load.serverCPUs ?? "any").")
        if result.interrupted { lines += ["", "**Interrupted**: only the cells below finished."] }
        let targets = result.cells.first { $0.status == "ok" }?.targets.map(\.name) ?? []
        for target in targets {
            lines += ["", "## \(target)", "", "| cell | req/s | p50 | p99 | p99.9 | errors | non-2xx/3xx | server CPU µs/req | RSS |",
                      "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
            let rows = result.cells.compactMap { cell in cell.targets.first { $0.name == target }.flatMap { t in t.median.map { (cell.label, $0) } } }
            let best = rows.max { $0.1.rps < $1.1.rps }?.0
            for (label, median) in rows {
                lines.append("| \(label)\(label == best ? " **best**" : "") | \(String(format: "%.0f", median.rps)) | "
                             + "\(Units.formatMicroseconds(median.p50)) | \(Units.formatMicroseconds(median.p99)) | \(Units.formatMicroseconds(median.p999)) | "
                             + "\(Int(median.errors)) | \(Int(median.non2xx)) | \(String(format: "%.1f", median.cpuPerRequest)) | "
                             + "\(Units.formatBytes(median.rss * 1024)) |")
            }
        }
        if targets.count > 1 {
            lines += ["", "## Ratios of req/s between paths", "", "| cell | " + pairs(targets).map { "\($0) / \($1)" }.joined(separator: " | ") + " |",
                      "|---|" + pairs(targets).map { _ in "---:" }.joined(separator: "|") + "|"]
            for cell in result.cells where cell.status == "ok" {
                let rps = Dictionary(uniqueKeysWithValues: cell.targets.compactMap { t in t.median.map { (t.name, $0.rps) } })
                lines.append("| \(cell.label) | " + pairs(targets).map { a, b in
                    guard let x = rps[a], let y = rps[b], y > 0 else { return "-" }
                    return String(format: "%.2fx", x / y)
                }.joined(separator: " | ") + " |")
            }
        }
        let failed = result.cells.filter { $0.status != "ok" }
        if !failed.isEmpty {
            lines += ["", "## Failed cells", ""]
            for cell in failed { lines.append("- \(cell.label): \(cell.failure ?? "")") }
        }
        if !result.thresholds.isEmpty {
            lines += ["", "## Thresholds", "", "| threshold | cell | target | value | |", "|---|---|---|---:|---|"]
            for outcome in result.thresholds {
                lines.append("| `\(outcome.threshold)` | \(outcome.cell) | \(outcome.target) | \(outcome.value.map { String(format: "%.3g", $0) } ?? "not measured") | \(outcome.passed ? "pass" : "**FAIL**") |")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func pairs(_ names: [String]) -> [(String, String)] {
        names.indices.flatMap { i in names.indices.filter { $0 > i }.map { j in (names[i], names[j]) } }
    }
}
