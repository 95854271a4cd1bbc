import Foundation

/// User and system CPU time of this process, from getrusage(RUSAGE_SELF).
public struct CPUUsage: Sendable, Equatable {
    /// User CPU time, microseconds.
    public var userMicroseconds: UInt64
    /// System CPU time, microseconds.
    public var systemMicroseconds: UInt64

    /// User plus system, microseconds.
    public var totalMicroseconds: UInt64 { userMicroseconds + systemMicroseconds }

    /// Creates a usage value from explicit times.
    public init(userMicroseconds: UInt64, systemMicroseconds: UInt64) {
        self.userMicroseconds = userMicroseconds
        self.systemMicroseconds = systemMicroseconds
    }

    /// The whole process's CPU use so far (all threads).
    public static func currentProcess() -> CPUUsage {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func micros(_ t: timeval) -> UInt64 { UInt64(t.tv_sec) * 1_000_000 + UInt64(t.tv_usec) }
        return CPUUsage(userMicroseconds: micros(usage.ru_utime), systemMicroseconds: micros(usage.ru_stime))
    }

    /// The CPU time spent between `earlier` and `self`.
    public func since(_ earlier: CPUUsage) -> CPUUsage {
        CPUUsage(userMicroseconds: userMicroseconds &- earlier.userMicroseconds,
                 systemMicroseconds: systemMicroseconds &- earlier.systemMicroseconds)
    }
}
