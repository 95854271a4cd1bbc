import BenchSupport
import Foundation
import LoadEngine

/// The summary `stackbench load` prints at the end, in wrk's spirit: the rate and latency of the responses, the
/// failed requests by kind beside them (never inside them), one row per request of a mix, the client's CPU.
struct LoadSummary {
    let result: RunResult

    init(_ result: RunResult) { self.result = result }

    var text: String {
        let s = result.summary
        var lines: [String] = []
        lines.append("  Responses:    \(s.responses) in \(Units.fixed(s.elapsedSeconds, 2))s, \(Units.formatCount(s.responsesPerSecond)) req/s, "
                     + "\(Units.formatBytes(s.bytesPerSecond))/s transfer (\(Units.formatBytes(Double(s.bytes))) total)")
        let categories = ErrorCategory.allCases.map { "\($0.rawValue) \(result.errors.byCategory[$0.rawValue] ?? 0)" }
        lines.append("  Failed:       \(s.errors) without a response (\(categories.joined(separator: ", ")))")
        for (code, count) in result.errors.byCurlCode.sorted(by: { (Int($0.key) ?? 0) < (Int($1.key) ?? 0) }) {
            lines.append("    curl \(code) \(result.errors.curlMessages[code] ?? ""): \(count)")
        }
        if let intended = s.intended, let rate = result.config.rate {
            lines.append("  Intended:     \(intended) at \(Units.formatTenths(rate)) req/s, \(s.unfinished) not finished in the window")
        } else if s.unfinished > 0 {
            lines.append("  Unfinished:   \(s.unfinished) request(s) still waiting for an answer when the window ended"
                         + (s.oldestUnfinishedSeconds.map { ", the oldest for \(Units.formatMicroseconds($0 * 1e6))" } ?? ""))
        }
        if s.responses == 0 {
            lines.append("  Latency:      none (no response completed)")
        } else {
            let corrected = result.uncorrectedLatency == nil ? "Latency" : "Latency (corrected)"
            lines += latencyLines(corrected, result.latency)
            if let uncorrected = result.uncorrectedLatency { lines += latencyLines("Latency (uncorrected)", uncorrected) }
            if let firstByte = result.firstByteLatency {
                lines.append("  First byte:   p50 \(Units.formatMicroseconds(firstByte[.p50])), p99 \(Units.formatMicroseconds(firstByte[.p99])) "
                             + "(from the send to the response's first byte; the rest of the latency is its transfer)")
            }
        }
        lines.append("  Status codes: " + describe(result.statusCodes))
        if s.non2xx3xx > 0 { lines.append("  Non-2xx or 3xx responses: \(s.non2xx3xx)") }
        if let rows = result.perRequest { lines += perRequestLines(rows) }
        let cpu = result.clientCPU
        lines.append("  Client CPU:   \(Units.fixed(cpu.userSeconds, 2))s user + \(Units.fixed(cpu.systemSeconds, 2))s sys, "
                     + "\(Units.percent(cpu.shareOfCores)) of \(cpu.cores) core(s), \(Units.fixed(cpu.microsecondsPerRequest, 2)) us/request")
        if let threads = result.perThread, threads.count > 1 {
            let parts = threads.map { "\($0.responses) (\(Units.percent($0.shareOfCore)) CPU)" }
            lines.append("  Per thread:   " + parts.joined(separator: ", ") + " responses")
        }
        lines += result.warnings.map { "  WARNING: \($0)" }
        return lines.joined(separator: "\n") + "\n"
    }

    /// ", mostly curl 7 Couldn't connect to server" for the most frequent failure, "" when none failed.
    static func firstFailure(_ result: RunResult) -> String {
        guard let code = mostFrequentCurlCode(result) else { return "" }
        return ", mostly curl \(code) \(result.errors.curlMessages[code] ?? "")"
    }

    /// When TLS is what failed most: the two ways past a certificate the system does not trust; else "".
    static func tlsHint(_ result: RunResult) -> String {
        guard let code = mostFrequentCurlCode(result), ErrorCategory(curlCode: Int(code) ?? 0) == .tls else { return "" }
        return "; a self-signed server: -k to skip verification, or --cacert FILE to trust its certificate"
    }

    private static func mostFrequentCurlCode(_ result: RunResult) -> String? {
        result.errors.byCurlCode.max(by: { $0.value < $1.value })?.key
    }

    private func describe(_ statusCodes: [String: Int]) -> String {
        let statuses = statusCodes.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
        return statuses.isEmpty ? "none" : statuses.joined(separator: ", ")
    }

    private func latencyLines(_ title: String, _ latency: RunResult.LatencySummary) -> [String] {
        let stats = [("min", latency.min), ("mean", latency.mean), ("stdev", latency.stdev), ("max", latency.max)]
            .map { "\($0.0) \(Units.formatMicroseconds($0.1))" }.joined(separator: "  ")
        let percentiles = Percentile.allCases
            .map { "\($0.rawValue)% \(Units.formatMicroseconds(latency[$0]))" }
            .joined(separator: "  ")
        return ["  \(title):", "    \(stats)", "    \(percentiles)"]
    }

    /// A table with one row per request of the mix: rate, p50/p99 of its responses, failures and statuses.
    private func perRequestLines(_ rows: [RunResult.RequestBreakdown]) -> [String] {
        var table = [["request", "responses", "req/s", "p50", "p99", "failed", "status codes"]]
        for row in rows {
            let answered = row.responses > 0
            table.append(["\(row.method) \(row.url)", String(row.responses), Units.formatCount(row.responsesPerSecond),
                          answered ? Units.formatMicroseconds(row.latency[.p50]) : "-",
                          answered ? Units.formatMicroseconds(row.latency[.p99]) : "-",
                          String(row.errors), describe(row.statusCodes)])
        }
        let widths = table[0].indices.map { column in table.map { $0[column].count }.max() ?? 0 }
        let lines = table.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell
                    : column == 0 ? cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[column] - cell.count) + cell
            }.joined(separator: "  ")
        }
        return ["  By request:"] + lines.map { "    " + $0 }
    }
}
