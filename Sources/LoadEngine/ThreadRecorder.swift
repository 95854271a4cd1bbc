import Histogram

/// What one client thread records, touched by that thread only and merged once at the end (as wrk's stats.c).
///
/// Every record is allocation-free: fixed arrays for status and error codes, HdrHistogram for latency. The only
/// allocation is one small histogram when a new second of the per-second series begins.
final class ThreadRecorder {
    /// Latency histograms cover 1 µs to one hour at 3 significant digits.
    static let highestLatencyMicros: UInt64 = 3_600_000_000
    static let statusSlots = 600
    static let curlCodeSlots = 128

    /// Latency from the intended send time (equal to `uncorrected` in the closed model), µs.
    var corrected = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: highestLatencyMicros,
                                      numberOfSignificantValueDigits: .three)
    /// Latency from the actual send time, µs.
    var uncorrected = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: highestLatencyMicros,
                                        numberOfSignificantValueDigits: .three)
    /// Responses by status code; slot 0 holds codes outside 1..<600.
    var statusCounts = [Int](repeating: 0, count: statusSlots)
    /// Failures by libcurl code; the last slot holds codes beyond it.
    var curlCodeCounts = [Int](repeating: 0, count: curlCodeSlots)
    var requests = 0
    var errors = 0
    var bytes = 0
    /// Requests in flight or never sent when the measured window closed.
    var unfinished = 0
    /// Completion time of the last recorded request, monotonic ns.
    var lastCompletion: UInt64 = 0
    var seconds: [SecondBucket] = []

    /// One second of the measured window, by completion time.
    struct SecondBucket {
        var requests = 0
        var errors = 0
        var non2xx3xx = 0
        var latency = Histogram<UInt32>(lowestDiscernibleValue: 1, highestTrackableValue: highestLatencyMicros,
                                        numberOfSignificantValueDigits: .two)
    }

    /// `expectedSeconds` only sizes the first allocation of the per-second series (callers cap it).
    init(expectedSeconds: Int) {
        seconds.reserveCapacity(expectedSeconds + 2)
    }

    /// Records one finished request. `curlCode` is 0 for a response, whose `status` then counts.
    @inline(__always)
    func record(correctedMicros: UInt64, uncorrectedMicros: UInt64, status: Int, curlCode: Int, bytes: Int,
                second: Int, completedAt: UInt64) {
        let latency = min(max(correctedMicros, 1), Self.highestLatencyMicros)
        _ = corrected.record(latency)
        _ = uncorrected.record(min(max(uncorrectedMicros, 1), Self.highestLatencyMicros))
        requests += 1
        self.bytes += bytes
        lastCompletion = completedAt
        while seconds.count <= second { seconds.append(SecondBucket()) }
        seconds[second].requests += 1
        _ = seconds[second].latency.record(latency)
        if curlCode == 0 {
            statusCounts[(1..<Self.statusSlots).contains(status) ? status : 0] += 1
            if !(200..<400).contains(status) { seconds[second].non2xx3xx += 1 }
        } else {
            errors += 1
            seconds[second].errors += 1
            curlCodeCounts[min(curlCode, Self.curlCodeSlots - 1)] += 1
        }
    }
}
