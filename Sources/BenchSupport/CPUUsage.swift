import CLinux
import Foundation

/// User and system CPU time of this process, from getrusage(RUSAGE_SELF).
@PublicInit
public struct CPUUsage: Sendable, Equatable {
    /// User CPU time, microseconds.
    public var userMicroseconds: UInt64
    /// System CPU time, microseconds.
    public var systemMicroseconds: UInt64

    /// User plus system, microseconds.
    public var totalMicroseconds: UInt64 { userMicroseconds + systemMicroseconds }

    /// The whole process's CPU use so far (all threads).
    public static func currentProcess() -> CPUUsage {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func micros(_ t: timeval) -> UInt64 { UInt64(t.tv_sec) * 1_000_000 + UInt64(t.tv_usec) }
        return CPUUsage(userMicroseconds: micros(usage.ru_utime), systemMicroseconds: micros(usage.ru_stime))
    }

    /// The calling thread's own CPU use so far.
    public static func currentThread() -> CPUUsage {
        var user: UInt64 = 0
        var system: UInt64 = 0
        sb_thread_cpu_micros(&user, &system)
        return CPUUsage(userMicroseconds: user, systemMicroseconds: system)
    }

    /// The CPU time spent between `earlier` and `self`.
    public func since(_ earlier: CPUUsage) -> CPUUsage {
        CPUUsage(userMicroseconds: userMicroseconds &- earlier.userMicroseconds,
                 systemMicroseconds: systemMicroseconds &- earlier.systemMicroseconds)
    }
}

/// Busy and total time of some CPUs, from /proc/stat (every process on them, not only this one): whether the
/// cores a load generator runs on had headroom, whoever used them.
public struct CPUTimes: Sendable, Equatable {
    /// Clock ticks not idle (user, nice, system, irq, softirq, steal).
    public var busy: UInt64
    /// All clock ticks, idle and iowait included.
    public var total: UInt64

    /// The summed times of `cpus` now; nil when /proc/stat cannot be read.
    public static func now(_ cpus: CPUSet) -> CPUTimes? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return nil }
        let wanted = Set(cpus.cpus.map { "cpu\($0)" })
        var busy: UInt64 = 0, total: UInt64 = 0
        for line in text.split(separator: "\n") where wanted.contains(String(line.prefix { $0 != " " })) {
            let fields = line.split(separator: " ").dropFirst().compactMap { UInt64($0) }
            guard fields.count >= 5 else { continue }
            let all = fields.prefix(8).reduce(0, +)  // user nice system idle iowait irq softirq steal
            total += all
            busy += all - fields[3] - fields[4]
        }
        return total > 0 ? CPUTimes(busy: busy, total: total) : nil
    }

    /// The busy share of the time between `earlier` and `self`, 0...1.
    public func busyShare(since earlier: CPUTimes) -> Double {
        let total = total &- earlier.total
        return total > 0 ? Double(busy &- earlier.busy) / Double(total) : 0
    }
}
