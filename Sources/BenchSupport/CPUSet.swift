import CLinux
import Foundation

/// A set of CPU numbers, written as `taskset -c` takes them: `0`, `0,2`, `0-3`, `0-1,4`.
public struct CPUSet: Sendable, Equatable, CustomStringConvertible {
    /// The CPU numbers, ascending, without repeats.
    public let cpus: [Int]

    /// Parses a `taskset -c` list. `flag` names the option in the error.
    public init(parsing text: String, flag: String = "--cpus") throws {
        var result = Set<Int>()
        let available = ProcessInfo.processInfo.processorCount
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(bounds.count),
                  let low = Int(bounds[0]), let high = Int(bounds[bounds.count - 1]), low >= 0, low <= high
            else { throw FlagError(flag, "must be a CPU list such as 0 or 0-1 or 0,2, got \"\(text)\"") }
            guard high < available else {
                throw FlagError(flag, "names CPU \(high), but this machine has CPUs 0-\(available - 1)")
            }
            result.formUnion(low...high)
        }
        cpus = result.sorted()
    }

    /// The CPUs the calling thread may run on now (what `taskset` or a parent's pinning allows).
    public static func currentAffinity() -> CPUSet {
        var buffer = [Int32](repeating: 0, count: 1024)
        let count = buffer.withUnsafeMutableBufferPointer { sb_current_affinity($0.baseAddress, Int32($0.count)) }
        guard count > 0 else { return CPUSet(uncheckedCPUs: Array(0..<ProcessInfo.processInfo.activeProcessorCount)) }
        return CPUSet(uncheckedCPUs: buffer[0..<Int(count)].map(Int.init))
    }

    private init(uncheckedCPUs: [Int]) { cpus = uncheckedCPUs }

    public var description: String { cpus.map(String.init).joined(separator: ",") }

    /// Pins the calling thread to these CPUs (sched_setaffinity on the caller).
    /// Returns the errno on failure, nil on success.
    @discardableResult
    public func pinCurrentThread() -> Int32? {
        let status = cpus.map(Int32.init).withUnsafeBufferPointer {
            sb_pin_current_thread($0.baseAddress, Int32($0.count))
        }
        return status == 0 ? nil : status
    }
}
