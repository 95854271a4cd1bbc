import BenchSupport
import Foundation
import LoadEngine

/// The summary `stackbench load` prints at the end, in wrk's spirit.
struct LoadSummary {
    let result: RunResult

    init(_ result: RunResult) { self.result = result }

    var text: String {
        let s = result.summary
        var lines: [String] = []
        lines.append(String(format: "  Requests:     %d in %.2fs, %@ req/s, %@/s transfer (%@ total)",
                            s.requests, s.elapsedSeconds, Units.formatCount(s.requestsPerSecond),
                            Units.formatBytes(s.bytesPerSecond), Units.formatBytes(Double(s.bytes))) as String)
        if let intended = s.intended, let rate = result.config.rate {
            lines.append(String(format: "  Intended:     %d at %.1f req/s, %d not finished in the window", intended, rate,
                                s.unfinished))
        } else if s.unfinished > 0 {
            lines.append("  Unfinished:   \(s.unfinished) request(s) still waiting for an answer when the window ended")
        }
        let corrected = result.uncorrectedLatency == nil ? "Latency" : "Latency (corrected)"
        lines += latencyLines(corrected, result.latency)
        if let uncorrected = result.uncorrectedLatency { lines += latencyLines("Latency (uncorrected)", uncorrected) }
        let statuses = result.statusCodes.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
        lines.append("  Status codes: " + (statuses.isEmpty ? "none" : statuses.joined(separator: ", ")))
        if s.non2xx3xx > 0 { lines.append("  Non-2xx or 3xx responses: \(s.non2xx3xx)") }
        let categories = ErrorCategory.allCases.map { "\($0.rawValue) \(result.errors.byCategory[$0.rawValue] ?? 0)" }
        lines.append("  Errors:       \(s.errors) (\(categories.joined(separator: ", ")))")
        for (code, count) in result.errors.byCurlCode.sorted(by: { $0.key < $1.key }) {
            lines.append("    curl \(code) \(result.errors.curlMessages[code] ?? ""): \(count)")
        }
        let cpu = result.clientCPU
        lines.append(String(format: "  Client CPU:   %.2fs user + %.2fs sys, %.0f%% of %d core(s), %.2f us/request",
                            cpu.userSeconds, cpu.systemSeconds, cpu.shareOfCores * 100, cpu.cores,
                            cpu.microsecondsPerRequest))
        lines += result.warnings.map { "  WARNING: \($0)" }
        return lines.joined(separator: "\n") + "\n"
    }

    private func latencyLines(_ title: String, _ latency: RunResult.LatencySummary) -> [String] {
        let stats = [("min", latency.min), ("mean", latency.mean), ("stdev", latency.stdev), ("max", latency.max)]
            .map { "\($0.0) \(Units.formatMicroseconds($0.1))" }.joined(separator: "  ")
        let percentiles = Percentile.allCases
            .map { "\($0.rawValue)% \(Units.formatMicroseconds(latency[$0]))" }
            .joined(separator: "  ")
        return ["  \(title):", "    \(stats)", "    \(percentiles)"]
    }
}
