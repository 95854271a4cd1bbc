import BenchSupport
import Foundation
import Histogram

/// Merging the results of several agents that loaded the same server at the same time (`stackbench merge`).
///
/// Exact where the results carry what it takes: the latency histograms are added bucket by bucket (so the merged
/// percentiles are those of every response together, not an average of percentiles), and counts, bytes and rates
/// are summed. The per-second series is aligned on wall-clock seconds (each result's `startedAt`); its per-second
/// p50/p99 are the highest of the agents' in that second, a bound, since a second keeps no histogram. Each agent's
/// client CPU, saturation and warnings stay in `agents`, so a window where one agent was the bottleneck shows it.
/// `perRequest` is not merged (its latencies are summaries, not histograms); each agent's file keeps it.
extension RunResult {
    /// One agent's part of a merged result.
    public struct AgentPart: Codable, Sendable {
        /// The file (or name) the part came from.
        public var source: String
        public var tag: String?
        public var startedAt: String
        public var elapsedSeconds: Double
        public var responses: Int
        public var errors: Int
        public var responsesPerSecond: Double
        public var clientCPU: ClientCPU
        public var warnings: [String]

        public var name: String { tag.map { "\($0) (\(source))" } ?? source }
    }

    /// Merges `parts`, each named by its source (a file path) for the errors and the `agents` list. Throws a
    /// `FileError` naming the part at fault: another schema, unreadable times or histograms, another model or
    /// histogram layout, or a window that does not overlap the others'.
    public static func merge(_ parts: [(source: String, result: RunResult)]) throws -> RunResult {
        guard let first = parts.first else { throw FileError(path: "", problem: "no results to merge") }
        var starts: [Date] = []
        var overlap: (from: Date, to: Date)?
        for (index, (source, result)) in parts.enumerated() {
            // The same load given twice (a file named twice, or a copy) would count every request twice.
            if let twin = parts[..<index].first(where: { $0.result.startedAt == result.startedAt && $0.result.tag == result.tag
                                                         && $0.result.summary.requests == result.summary.requests
                                                         && $0.result.histogram == result.histogram }) {
                throw FileError(path: source, problem: "is the same load as \(twin.source): each agent's result is merged once")
            }
            guard result.schema == currentSchema else {
                throw FileError(path: source, problem: "has schema \(result.schema), but merge reads \(currentSchema) "
                                + "(results of this stackbench version)")
            }
            guard let start = result.startDate else {
                throw FileError(path: source, problem: "startedAt \"\(result.startedAt)\" is not an RFC 3339 time")
            }
            let end = start.addingTimeInterval(result.summary.elapsedSeconds)
            if let window = overlap {
                guard start < window.to && end > window.from else {
                    throw FileError(path: source, problem: "its window (\(formatTime(start)) to \(formatTime(end))) "
                                    + "does not overlap the earlier results' (\(formatTime(window.from)) to "
                                    + "\(formatTime(window.to))): only loads run together can be merged")
                }
                overlap = (max(start, window.from), min(end, window.to))
            } else {
                overlap = (start, end)
            }
            if let negative = result.negativeCount {
                throw FileError(path: source, problem: "\(negative) is negative: not a load result")
            }
            guard result.config.model == first.result.config.model else {
                throw FileError(path: source, problem: "is a \(result.config.model.rawValue)-model load, \(first.source) a "
                                + "\(first.result.config.model.rawValue)-model one")
            }
            starts.append(start)
        }
        let histogram = try mergedHistogram(parts.map { ($0.source, $0.result.histogram) })
        let uncorrected = try parts.allSatisfy({ $0.result.uncorrectedHistogram != nil })
            ? mergedHistogram(parts.map { ($0.source, $0.result.uncorrectedHistogram!) }) : nil
        let earliest = starts.min()!
        let latestEnd = zip(starts, parts).map { $0.addingTimeInterval($1.result.summary.elapsedSeconds) }.max()!
        let results = parts.map(\.result)
        func sum(_ value: (RunResult) -> Double) -> Double { results.reduce(0) { $0 + value($1) } }
        /// A count summed over the parts, checked: counts read from files may add up past Int.max.
        func sum(_ value: (RunResult) -> Int) throws -> Int {
            try parts.reduce(0) { total, part in
                guard let next = CheckedArithmetic.sum(total, value(part.result)) else {
                    throw FileError(path: part.source, problem: "its counts added to the others' pass \(Int.max): not a load result")
                }
                return next
            }
        }
        func summed(_ counts: (RunResult) -> [String: Int]) throws -> [String: Int] {
            var total: [String: Int] = [:]
            for part in parts {
                for (key, count) in counts(part.result) {
                    guard let next = CheckedArithmetic.sum(total[key, default: 0], count), count >= 0 else {
                        throw FileError(path: part.source, problem: "its count of \(key) (\(count)) cannot be added to the others'")
                    }
                    total[key] = next
                }
            }
            return total
        }

        var merged = first.result
        merged.startedAt = formatTime(earliest)
        merged.tag = nil
        merged.config.connections = try sum { $0.config.connections }
        merged.config.threads = try sum { $0.config.threads }
        merged.config.rate = results.allSatisfy { $0.config.rate != nil } ? sum { $0.config.rate! } : nil
        merged.config.cpus = Set(results.map(\.config.cpus)).count == 1 ? first.result.config.cpus : nil
        let intended = results.allSatisfy { $0.summary.intended != nil } ? try sum { $0.summary.intended! } : nil
        merged.summary = Summary(requests: try sum { $0.summary.requests }, responses: try sum { $0.summary.responses },
                                 errors: try sum { $0.summary.errors }, non2xx3xx: try sum { $0.summary.non2xx3xx },
                                 unfinished: try sum { $0.summary.unfinished },
                                 elapsedSeconds: latestEnd.timeIntervalSince(earliest),
                                 responsesPerSecond: sum { $0.summary.responsesPerSecond }, bytes: try sum { $0.summary.bytes },
                                 bytesPerSecond: sum { $0.summary.bytesPerSecond }, intended: intended,
                                 oldestUnfinishedSeconds: results.compactMap(\.summary.oldestUnfinishedSeconds).max())
        merged.histogram = histogram.encoded
        merged.latency = LatencySummary(histogram.decoded)
        merged.uncorrectedHistogram = uncorrected?.encoded
        merged.uncorrectedLatency = uncorrected.map { LatencySummary($0.decoded) }
        merged.firstByteLatency = nil
        merged.statusCodes = try summed(\.statusCodes)
        merged.statusClasses = try summed(\.statusClasses)
        merged.errors = ErrorCounts(byCategory: try summed(\.errors.byCategory),
                                    byCurlCode: try summed(\.errors.byCurlCode),
                                    curlMessages: results.reduce(into: [:]) { $0.merge($1.errors.curlMessages) { a, _ in a } })
        merged.clientCPU = mergedCPU(results, requests: merged.summary.requests, cores: try sum { $0.clientCPU.cores })
        merged.perSecond = try alignedSeconds(parts, offsets: starts.map { Int($0.timeIntervalSince(earliest).rounded()) })
        merged.perRequest = nil
        merged.perThread = results.allSatisfy { $0.perThread != nil } ? results.flatMap { $0.perThread! } : nil
        merged.agents = parts.flatMap { source, result in
            result.agents ?? [AgentPart(source: source, tag: result.tag, startedAt: result.startedAt,
                                        elapsedSeconds: result.summary.elapsedSeconds, responses: result.summary.responses,
                                        errors: result.summary.errors, responsesPerSecond: result.summary.responsesPerSecond,
                                        clientCPU: result.clientCPU, warnings: result.warnings)]
        }
        merged.warnings = merged.agents!.flatMap { agent in agent.warnings.map { "\(agent.name): \($0)" } }
        return merged
    }

    /// The first count that is negative (a result file is input), named as the JSON names it; nil when none is.
    var negativeCount: String? {
        let counts: [(String, Int)] = [("summary.requests", summary.requests), ("summary.responses", summary.responses),
                                       ("summary.errors", summary.errors), ("summary.non2xx3xx", summary.non2xx3xx),
                                       ("summary.unfinished", summary.unfinished), ("summary.bytes", summary.bytes),
                                       ("config.connections", config.connections), ("config.threads", config.threads),
                                       ("clientCPU.cores", clientCPU.cores)]
        return counts.first { $0.1 < 0 }?.0
    }

    /// The histograms added bucket by bucket, each decoded once; the sum encoded and decoded.
    private static func mergedHistogram(_ histograms: [(source: String, histogram: EncodedHistogram)]) throws
        -> (encoded: EncodedHistogram, decoded: Histogram<UInt64>) {
        let first = histograms[0].histogram
        guard var sum = first.decoded() else {
            throw FileError(path: histograms[0].source, problem: "its latency histogram is not a valid HdrHistogram")
        }
        if !EncodedHistogram.canAdd(histograms.map(\.histogram)) {  // name the first file that tips it over
            let index = (0..<histograms.count).first { !EncodedHistogram.canAdd(histograms[...$0].map(\.histogram)) } ?? 0
            throw FileError(path: histograms[index].source, problem: "its latency histogram's counts added to the others' pass what a histogram holds")
        }
        for (source, histogram) in histograms.dropFirst() {
            guard histogram.hasSameLayout(as: first), let decoded = histogram.decoded() else {
                throw FileError(path: source, problem: "its latency histogram (\(histogram.lowest)-\(histogram.highest) µs, "
                                + "\(histogram.significantDigits) digits) cannot be added to the others' "
                                + "(\(first.lowest)-\(first.highest) µs, \(first.significantDigits) digits)")
            }
            sum.add(decoded)
        }
        return (EncodedHistogram(sum), sum)
    }

    /// The agents' CPU together: shares weighted by each agent's window and cores; saturated when any agent was.
    private static func mergedCPU(_ results: [RunResult], requests: Int, cores: Int) -> ClientCPU {
        let user = results.reduce(0) { $0 + $1.clientCPU.userSeconds }
        let system = results.reduce(0) { $0 + $1.clientCPU.systemSeconds }
        let capacity = results.reduce(0) { $0 + $1.summary.elapsedSeconds * Double($1.clientCPU.cores) }
        return ClientCPU(userSeconds: user, systemSeconds: system, cores: cores,
                         shareOfCores: (user + system) / max(capacity, 1e-9),
                         microsecondsPerRequest: requests > 0 ? (user + system) * 1e6 / Double(requests) : 0,
                         saturated: results.contains { $0.clientCPU.saturated })
    }

    /// Each result's second `s` lands in second `s + offset` of the merged series (offset: whole seconds after the
    /// earliest start). Counts add; p50/p99 are the highest of the agents' in that second.
    private static func alignedSeconds(_ parts: [(source: String, result: RunResult)], offsets: [Int]) throws -> [SecondSample] {
        var seconds: [Int: SecondSample] = [:]
        for ((source, result), offset) in zip(parts, offsets) {
            for sample in result.perSecond {
                guard let second = CheckedArithmetic.sum(sample.second, offset) else {
                    throw FileError(path: source, problem: "its second \(sample.second) is past what a window holds")
                }
                var merged = seconds[second] ?? SecondSample(second: second, responses: 0, errors: 0, non2xx3xx: 0, p50: 0, p99: 0)
                guard let responses = CheckedArithmetic.sum(merged.responses, sample.responses),
                      let errors = CheckedArithmetic.sum(merged.errors, sample.errors),
                      let non2xx3xx = CheckedArithmetic.sum(merged.non2xx3xx, sample.non2xx3xx) else {
                    throw FileError(path: source, problem: "its counts of second \(sample.second) added to the others' pass \(Int.max)")
                }
                (merged.responses, merged.errors, merged.non2xx3xx) = (responses, errors, non2xx3xx)
                merged.p50 = max(merged.p50, sample.p50)
                merged.p99 = max(merged.p99, sample.p99)
                seconds[second] = merged
            }
        }
        return seconds.keys.sorted().map { seconds[$0]! }
    }
}
