import Foundation

/// Nanoseconds on CLOCK_MONOTONIC: a vDSO call, no allocation, safe on any thread.
@inline(__always)
public func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

/// Sleeps the calling thread until `deadline` (CLOCK_MONOTONIC nanoseconds) or returns at once if it has passed.
public func sleepUntil(monotonicNanoseconds deadline: UInt64) {
    let now = monotonicNanoseconds()
    guard deadline > now else { return }
    let remaining = deadline - now
    var request = timespec(tv_sec: Int(remaining / 1_000_000_000), tv_nsec: Int(remaining % 1_000_000_000))
    var left = timespec()
    while nanosleep(&request, &left) == -1 && errno == EINTR { request = left }
}
