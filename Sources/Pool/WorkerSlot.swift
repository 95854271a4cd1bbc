import BenchSupport
import Atomics
import Foundation

/// One worker's slot in the scoreboard: what uWSGI's stats and harakiri read. Every field is an atomic word; the
/// current request's text (for the harakiri report) is best-effort.
public struct WorkerSlot: @unchecked Sendable {  // a view of one scoreboard slot: atomic fields, one writer each
    /// The worker states uWSGI's stats report.
    public enum Status: Int, Sendable {
        case idle = 0, busy, reloading, dead
        /// The name in uWSGI's stats JSON.
        public var name: String {
            switch self {
            case .idle: return "idle"
            case .busy: return "busy"
            case .reloading: return "cheap"
            case .dead: return "cheap"
            }
        }
    }

    enum Field: Int {
        case pid, status, requests, deltaRequests, requestStartMicros, harakiriDeadline, averageResponseMicros, rss,
             harakiriCount, respawnCount, lastSpawn, transmittedBytes, runningTimeMicros, exceptions, busyThreads
    }

    static let textOffset = 128
    static let textCapacity = 120

    let base: UnsafeMutableRawPointer

    private func word(_ field: Field) -> UnsafeAtomic<Int> {
        UnsafeAtomic(at: (base + field.rawValue * 8).assumingMemoryBound(to: Int.AtomicRepresentation.self))
    }

    public var pid: Int32 {
        get { Int32(truncatingIfNeeded: word(.pid).load(ordering: .relaxed)) }
        nonmutating set { word(.pid).store(Int(newValue), ordering: .relaxed) }
    }
    public var status: Status {
        get { Status(rawValue: word(.status).load(ordering: .relaxed)) ?? .idle }
        nonmutating set { word(.status).store(newValue.rawValue, ordering: .relaxed) }
    }
    public var requests: Int { word(.requests).load(ordering: .relaxed) }
    public var deltaRequests: Int { word(.deltaRequests).load(ordering: .relaxed) }
    /// When the oldest request in progress began (µs since the epoch), 0 when idle.
    public var requestStartMicros: Int { word(.requestStartMicros).load(ordering: .relaxed) }
    /// Unix second after which the master kills the worker; 0 = none.
    public var harakiriDeadline: Int {
        get { word(.harakiriDeadline).load(ordering: .relaxed) }
        nonmutating set { word(.harakiriDeadline).store(newValue, ordering: .relaxed) }
    }
    public var averageResponseMicros: Int { word(.averageResponseMicros).load(ordering: .relaxed) }
    public var rss: Int {
        get { word(.rss).load(ordering: .relaxed) }
        nonmutating set { word(.rss).store(newValue, ordering: .relaxed) }
    }
    public var harakiriCount: Int { word(.harakiriCount).load(ordering: .relaxed) }
    public var respawnCount: Int { word(.respawnCount).load(ordering: .relaxed) }
    public var lastSpawn: Int { word(.lastSpawn).load(ordering: .relaxed) }
    public var transmittedBytes: Int { word(.transmittedBytes).load(ordering: .relaxed) }
    public var runningTimeMicros: Int { word(.runningTimeMicros).load(ordering: .relaxed) }
    public var exceptions: Int { word(.exceptions).load(ordering: .relaxed) }

    /// The master records a (re)spawn: new pid, idle, delta requests zeroed.
    public func recordSpawn(pid: Int32, now: Int) {
        self.pid = pid
        status = .idle
        word(.deltaRequests).store(0, ordering: .relaxed)
        word(.requestStartMicros).store(0, ordering: .relaxed)
        word(.harakiriDeadline).store(0, ordering: .relaxed)
        word(.busyThreads).store(0, ordering: .relaxed)
        word(.lastSpawn).store(now, ordering: .relaxed)
        word(.respawnCount).wrappingIncrement(ordering: .relaxed)
    }

    /// The master records a harakiri kill.
    public func recordHarakiri() {
        word(.harakiriCount).wrappingIncrement(ordering: .relaxed)
        harakiriDeadline = 0
    }

    /// A worker thread starts a request: busy, the deadline (per worker, as uWSGI's: reset by each new request).
    public func beginRequest(nowMicros: Int, harakiriSeconds: Int, text: String) {
        word(.busyThreads).wrappingIncrement(ordering: .relaxed)
        word(.requestStartMicros).store(nowMicros, ordering: .relaxed)
        if harakiriSeconds > 0 { armHarakiri(nowMicros: nowMicros, seconds: harakiriSeconds) }
        status = .busy
        let bytes = Array(text.utf8.prefix(Self.textCapacity))
        (base + Self.textOffset).storeBytes(of: UInt8(bytes.count), as: UInt8.self)
        bytes.withUnsafeBytes { (base + Self.textOffset + 1).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    }

    /// The request's app starts: harakiri kills the worker if it is still busy `seconds` from now.
    public func armHarakiri(nowMicros: Int, seconds: Int) {
        harakiriDeadline = CheckedArithmetic.sum(nowMicros / 1_000_000, seconds) ?? .max  // `harakiri = 9223372036854775807` is an ini value
    }

    /// A worker thread finished a request of `micros` µs that sent `bytes`; the harakiri deadline is cleared, as
    /// any finishing request clears it in uWSGI.
    public func endRequest(micros: Int, bytes: Int, failed: Bool) {
        word(.requests).wrappingIncrement(ordering: .relaxed)
        word(.deltaRequests).wrappingIncrement(ordering: .relaxed)
        word(.runningTimeMicros).wrappingIncrement(by: micros, ordering: .relaxed)
        word(.transmittedBytes).wrappingIncrement(by: bytes, ordering: .relaxed)
        if failed { word(.exceptions).wrappingIncrement(ordering: .relaxed) }
        let average = word(.averageResponseMicros).load(ordering: .relaxed)
        word(.averageResponseMicros).store(average == 0 ? micros : (average + micros) / 2, ordering: .relaxed)
        harakiriDeadline = 0
        if word(.busyThreads).wrappingDecrementThenLoad(ordering: .relaxed) <= 0 {
            word(.requestStartMicros).store(0, ordering: .relaxed)
            status = .idle
        }
    }

    /// The text of the request in progress (for the harakiri report).
    public var requestText: String {
        let count = Int((base + Self.textOffset).load(as: UInt8.self))
        return String(decoding: UnsafeRawBufferPointer(start: base + Self.textOffset + 1, count: min(count, Self.textCapacity)),
                      as: UTF8.self)
    }
}
