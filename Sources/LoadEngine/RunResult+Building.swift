import BenchSupport
import Foundation
import Histogram

/// Merging the client threads' recorders into one `RunResult`.
extension RunResult {
    /// `cpu` was used over `cpuSeconds` of wall time (the window, and whatever the threads took past it to stop):
    /// the CPU shares divide by that, not by the window alone.
    init(plan: LoadPlan, recorders: [ThreadRecorder], elapsedSeconds: Double, cpu: CPUUsage, cpuSeconds wallSeconds: Double,
         startedAt: Date) {
        var corrected = recorders[0].corrected
        var uncorrected = recorders[0].uncorrected
        var firstByte = recorders[0].firstByte
        for recorder in recorders.dropFirst() {
            corrected.add(recorder.corrected)
            uncorrected.add(recorder.uncorrected)
            firstByte.add(recorder.firstByte)
        }
        let responses = recorders.reduce(0) { $0 + $1.responses }
        let errors = recorders.reduce(0) { $0 + $1.errors }
        let requests = responses + errors
        let responsesPerSecond = Double(responses) / max(elapsedSeconds, 1e-9)
        let bytes = recorders.reduce(0) { $0 + $1.bytes }
        let statuses = Self.statusCounts { status in recorders.reduce(0) { $0 + $1.statusCounts[status] } }
        var byCategory = Dictionary(uniqueKeysWithValues: ErrorCategory.allCases.map { ($0.rawValue, 0) })
        var byCurlCode: [String: Int] = [:]
        var curlMessages: [String: String] = [:]
        for code in 1..<ThreadRecorder.curlCodeSlots {
            let count = recorders.reduce(0) { $0 + $1.curlCodeCounts[code] }
            guard count > 0 else { continue }
            byCategory[ErrorCategory(curlCode: code).rawValue, default: 0] += count
            byCurlCode[String(code)] = count
            curlMessages[String(code)] = ErrorCategory.describe(curlCode: code)
        }
        let isOpen: Bool
        var rate: Double? = nil
        if case .open(let r) = plan.schedule { isOpen = true; rate = r } else { isOpen = false }
        let cores = min(plan.threads, plan.cpus?.cpus.count ?? ProcessInfo.processInfo.activeProcessorCount)
        let cpuSeconds = Double(cpu.totalMicroseconds) / 1e6
        let cpuWindow = max(elapsedSeconds, wallSeconds, 1e-9)
        let share = cpuSeconds / (cpuWindow * Double(cores))
        // A CPU share over a window shorter than half a second says nothing (start-up dominates it).
        let saturated = share > 0.9 && elapsedSeconds >= 0.5
        var warnings: [String] = []
        if saturated {
            warnings.append("the client used \(Units.percent(share)) of its \(cores) core(s): these numbers measure the "
                            + "client, not the server (add threads or CPUs)")
        }
        let unfinished = recorders.reduce(0) { $0 + $1.unfinished }
        let oldestUnfinished = recorders.map(\.oldestUnfinishedMicros).max() ?? 0
        var intended: Int? = nil
        if let rate {
            intended = requests + unfinished
            if responsesPerSecond < 0.95 * rate {
                warnings.append("achieved \(Units.formatTenths(responsesPerSecond)) req/s, under 95% of the intended "
                                + "\(Units.formatTenths(rate)) req/s: the server or the connections (-c) could not keep up")
            }
        }
        if requests > 0 && errors == requests {
            warnings.append("every request failed: no response, so no rate or latency to report (see the error counts)")
        } else if errors > 0 {
            warnings.append("\(errors) of \(requests) requests (\(Units.percent(Double(errors) / Double(requests), 1))) failed without "
                            + "a response; the rate and latency count the \(responses) responses only")
        }

        self.startedAt = RunResult.formatTime(startedAt)
        tag = plan.tag
        config = Config(plan: plan, model: isOpen ? .open : .closed, rate: rate)
        summary = Summary(requests: requests, responses: responses, errors: errors, non2xx3xx: statuses.non2xx3xx,
                          unfinished: unfinished, elapsedSeconds: elapsedSeconds,
                          responsesPerSecond: responsesPerSecond, bytes: bytes,
                          bytesPerSecond: Double(bytes) / max(elapsedSeconds, 1e-9), intended: intended,
                          oldestUnfinishedSeconds: unfinished > 0 ? Double(oldestUnfinished) / 1e6 : nil)
        latency = LatencySummary(corrected)
        uncorrectedLatency = isOpen ? LatencySummary(uncorrected) : nil
        firstByteLatency = firstByte.totalCount > 0 ? LatencySummary(firstByte) : nil
        statusCodes = statuses.codes
        statusClasses = statuses.classes
        self.errors = ErrorCounts(byCategory: byCategory, byCurlCode: byCurlCode, curlMessages: curlMessages)
        clientCPU = ClientCPU(userSeconds: Double(cpu.userMicroseconds) / 1e6,
                              systemSeconds: Double(cpu.systemMicroseconds) / 1e6, cores: cores,
                              shareOfCores: share,
                              microsecondsPerRequest: requests > 0 ? Double(cpu.totalMicroseconds) / Double(requests) : 0,
                              saturated: saturated)
        perSecond = Self.mergeSeconds(recorders)
        histogram = EncodedHistogram(corrected)
        uncorrectedHistogram = isOpen ? EncodedHistogram(uncorrected) : nil
        perRequest = Self.breakdown(plan: plan, recorders: recorders, elapsedSeconds: elapsedSeconds)
        perThread = recorders.map { recorder in
            let end = recorder.cpuAtEnd ?? CPUUsage(userMicroseconds: 0, systemMicroseconds: 0)
            let seconds = Double(end.since(recorder.cpuAtMeasureStart ?? end).totalMicroseconds) / 1e6
            return ThreadBalance(connections: recorder.connections, responses: recorder.responses,
                                 errors: recorder.errors, cpuSeconds: seconds,
                                 shareOfCore: seconds / cpuWindow)
        }
        self.warnings = warnings
    }

    /// Status counts by code ("200", "other" outside 1-599) and class ("2xx"), and those outside 200-399.
    private static func statusCounts(_ count: (Int) -> Int) -> (codes: [String: Int], classes: [String: Int], non2xx3xx: Int) {
        var codes: [String: Int] = [:]
        var classes: [String: Int] = [:]
        var non2xx3xx = 0
        for status in 0..<ThreadRecorder.statusSlots {
            let n = count(status)
            guard n > 0 else { continue }
            codes[status == 0 ? "other" : String(status)] = n
            classes[status == 0 ? "other" : "\(status / 100)xx", default: 0] += n
            if !(200..<400).contains(status) { non2xx3xx += n }
        }
        return (codes, classes, non2xx3xx)
    }

    /// Each request of a mix on its own; nil for a single request (the whole is its breakdown).
    private static func breakdown(plan: LoadPlan, recorders: [ThreadRecorder], elapsedSeconds: Double) -> [RequestBreakdown]? {
        guard plan.requests.count > 1 else { return nil }
        return plan.requests.indices.map { index in
            let parts = recorders.map { $0.perTemplate[index] }
            var latency = parts[0].latency
            for part in parts.dropFirst() { latency.add(part.latency) }
            let responses = parts.reduce(0) { $0 + $1.responses }
            let statuses = statusCounts { status in parts.reduce(0) { $0 + $1.statusCounts[status] } }
            return RequestBreakdown(method: plan.requests[index].method, url: plan.requests[index].url,
                                    responses: responses, errors: parts.reduce(0) { $0 + $1.errors },
                                    non2xx3xx: statuses.non2xx3xx,
                                    responsesPerSecond: Double(responses) / max(elapsedSeconds, 1e-9),
                                    statusCodes: statuses.codes, latency: LatencySummary(latency))
        }
    }

    private static func mergeSeconds(_ recorders: [ThreadRecorder]) -> [SecondSample] {
        let count = recorders.map(\.seconds.count).max() ?? 0
        return (0..<count).map { second in
            var merged = ThreadRecorder.SecondBucket()
            for recorder in recorders where second < recorder.seconds.count {
                let bucket = recorder.seconds[second]
                merged.responses += bucket.responses
                merged.errors += bucket.errors
                merged.non2xx3xx += bucket.non2xx3xx
                merged.latency.add(bucket.latency)
            }
            return SecondSample(second: second, responses: merged.responses, errors: merged.errors, non2xx3xx: merged.non2xx3xx,
                                p50: Double(merged.latency.valueAtPercentile(50)),
                                p99: Double(merged.latency.valueAtPercentile(99)))
        }
    }
}

extension RunResult.LatencySummary {
    /// Summarises a latency histogram (µs); all zeros when it is empty.
    public init<Count>(_ histogram: Histogram<Count>) {
        let empty = histogram.totalCount == 0
        min = empty ? 0 : Double(histogram.min)
        mean = empty ? 0 : histogram.mean
        stdev = empty ? 0 : histogram.stdDeviation
        max = empty ? 0 : Double(histogram.maxRecorded)
        percentiles = Dictionary(uniqueKeysWithValues: Percentile.allCases.map {
            ($0.rawValue, empty ? 0 : Double(histogram.valueAtPercentile($0.value)))
        })
    }
}

extension RunResult.Config {
    init(plan: LoadPlan, model: LoadModel, rate: Double?) {
        requests = plan.requests.map {
            RunResult.Request(method: $0.method, url: $0.url, headers: $0.headers, bodyBytes: $0.body?.count ?? 0,
                              weight: $0.weight)
        }
        unixSocket = plan.unixSocketPath
        connections = plan.connections
        threads = plan.threads
        self.model = model
        self.rate = rate
        if case .duration(let nanos) = plan.stop { durationSeconds = Double(nanos) / 1e9 } else { durationSeconds = nil }
        if case .count(let n) = plan.stop { count = n } else { count = nil }
        warmupSeconds = Double(plan.warmupNanoseconds) / 1e9
        timeoutSeconds = Double(plan.timeoutNanoseconds) / 1e9
        keepAlive = plan.keepAlive
        cpus = plan.cpus?.description
        insecure = plan.verifyPeer ? nil : true
        caCertificate = plan.caCertificatePath
        engine = plan.engine
    }
}

extension RunResult {
    /// ISO 8601 in UTC with milliseconds, as `startedAt` is written.
    public static func formatTime(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    /// Reads an RFC 3339 time, with or without fractional seconds; nil when it is not one.
    public static func parseTime(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    /// When the measured window began, from `startedAt`.
    public var startDate: Date? { Self.parseTime(startedAt) }
}
