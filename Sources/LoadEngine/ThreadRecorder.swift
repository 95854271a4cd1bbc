import BenchSupport
import Histogram

/// What one client thread records, touched by that thread only and merged once at the end (as wrk's stats.c).
///
/// Every record is allocation-free: fixed arrays for status and error codes, HdrHistogram for latency. The only
/// allocation is one small histogram when a new second of the per-second series begins.
/// Latency is a response's: a failed request (refused, timed out, reset) is counted by its libcurl code only, so a
/// closed port cannot pass for a fast server.
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
    /// Time to the response's first byte from the request's send, µs (oha's and k6's split of a request).
    var firstByte = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: highestLatencyMicros,
                                      numberOfSignificantValueDigits: .three)
    /// Responses by status code; slot 0 holds codes outside 1..<600.
    var statusCounts = [Int](repeating: 0, count: statusSlots)
    /// Failures by libcurl code; the last slot holds codes beyond it.
    var curlCodeCounts = [Int](repeating: 0, count: curlCodeSlots)
    /// Responses (any status) and libcurl failures.
    var responses = 0
    var errors = 0
    var bytes = 0
    /// Requests in flight or never sent when the measured window closed.
    var unfinished = 0
    /// How long the oldest of them had waited when the window closed (since it was due), µs.
    var oldestUnfinishedMicros: UInt64 = 0
    /// Completion time of the last recorded request, monotonic ns.
    var lastCompletion: UInt64 = 0
    var seconds: [SecondBucket] = []
    /// One per request of the mix, when it has more than one.
    var perTemplate: [TemplateCounts]
    /// This thread's connections, and its own CPU time over the measured window (set when the window opens and
    /// when the thread ends), for the per-thread balance.
    var connections = 0
    var cpuAtMeasureStart: CPUUsage?
    var cpuAtEnd: CPUUsage?

    /// One second of the measured window, by completion time.
    struct SecondBucket {
        var responses = 0
        var errors = 0
        var non2xx3xx = 0
        var latency = Histogram<UInt32>(lowestDiscernibleValue: 1, highestTrackableValue: highestLatencyMicros,
                                        numberOfSignificantValueDigits: .two)
    }

    /// One request of a mix: its own counts and latency (2 significant digits, as the per-second series).
    struct TemplateCounts {
        var responses = 0
        var errors = 0
        var statusCounts = [Int](repeating: 0, count: ThreadRecorder.statusSlots)
        var latency = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: highestLatencyMicros,
                                        numberOfSignificantValueDigits: .two)
    }

    /// `expectedSeconds` only sizes the first allocation of the per-second series (callers cap it).
    init(expectedSeconds: Int, templates: Int) {
        seconds.reserveCapacity(expectedSeconds + 2)
        perTemplate = templates > 1 ? Array(repeating: TemplateCounts(), count: templates) : []
    }

    var requests: Int { responses + errors }

    /// Records one ended request of template `template`. `curlCode` is 0 for a response, whose `status` and latency
    /// then count; otherwise only the failure does.
    @inline(__always)
    func recordFirstByte(micros: UInt64) {
        _ = firstByte.record(min(max(micros, 1), Self.highestLatencyMicros))
    }

    func record(correctedMicros: UInt64, uncorrectedMicros: UInt64, status: Int, curlCode: Int, bytes: Int,
                second: Int, completedAt: UInt64, template: Int) {
        self.bytes += bytes
        lastCompletion = completedAt
        while seconds.count <= second { seconds.append(SecondBucket()) }
        let split = !perTemplate.isEmpty
        guard curlCode == 0 else {
            errors += 1
            seconds[second].errors += 1
            curlCodeCounts[min(curlCode, Self.curlCodeSlots - 1)] += 1
            if split { perTemplate[template].errors += 1 }
            return
        }
        let latency = min(max(correctedMicros, 1), Self.highestLatencyMicros)
        _ = corrected.record(latency)
        _ = uncorrected.record(min(max(uncorrectedMicros, 1), Self.highestLatencyMicros))
        responses += 1
        seconds[second].responses += 1
        _ = seconds[second].latency.record(latency)
        let statusSlot = (1..<Self.statusSlots).contains(status) ? status : 0
        statusCounts[statusSlot] += 1
        if !(200..<400).contains(status) { seconds[second].non2xx3xx += 1 }
        if split {
            perTemplate[template].responses += 1
            perTemplate[template].statusCounts[statusSlot] += 1
            _ = perTemplate[template].latency.record(latency)
        }
    }
}
