/// The absolute times (CLOCK_MONOTONIC ns) every client thread of one load shares.
struct Timeline: Sendable {
    /// When sending starts (warm-up included).
    let runStart: UInt64
    /// When the measured window opens; requests sent before it are not recorded.
    let measureStart: UInt64
    /// When the measured window closes; UInt64.max in count mode.
    let end: UInt64

    /// The whole second of the measured window that `time` falls in.
    @inline(__always)
    func second(of time: UInt64) -> Int { Int((time &- measureStart) / 1_000_000_000) }
}
