import BenchSupport
import Foundation
import StackConfig

/// A log file opened once for appending (O_APPEND, so lines from several threads never interleave within a
/// write), or stderr; closed when the last config using it is gone (a reload opens the files anew, as nginx does
/// on SIGHUP, so a rotated log is followed and the old descriptor released).
final class LogFile: Sendable {
    let path: String
    let descriptor: CInt

    init(path: String) throws {
        self.path = path
        if path == "stderr" {
            descriptor = 2
        } else {
            descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else {
                throw FrontStartError(problem: "open() \"\(path)\" failed (\(errno): \(String(cString: strerror(errno))))")
            }
        }
    }

    deinit {
        if descriptor != 2 { close(descriptor) }
    }

    func write(_ bytes: UnsafeRawBufferPointer) {
        var offset = 0
        while offset < bytes.count {
            let written = Foundation.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0, errno == EINTR { continue }
            if written <= 0 { return }
            offset += written
        }
    }

    func write(_ text: String) {
        var text = text
        text.withUTF8 { write(UnsafeRawBufferPointer($0)) }
    }
}

/// The error log: nginx's line (`2026/11/25 01:09:14 [crit] PID#TID: *CONN message, client: ..., server: ...,
/// request: "...", upstream: "...", host: "..."`) at or above the configured level. Rare, so unbuffered.
struct ErrorLog: Sendable {
    let file: LogFile?
    let level: NginxErrorLog.Level

    func write(_ level: NginxErrorLog.Level, connection: Int?, _ message: String) {
        guard let file, level >= self.level else { return }
        file.write("\(LogTime.errorLogStamp(Int(time(nil)))) [\(level.name)] \(getpid())#0: " + (connection.map { "*\($0) " } ?? "") + message + "\n")
    }
}

/// Where one `access_log` writes: its file's slot in each loop's buffers, and the compiled format.
struct AccessLogTarget: Sendable {
    let slot: Int
    let format: AccessLogFormat
}

/// One event loop's access-log buffers, a slot per log file. Without `buffer=`, a slot is written at the end of
/// the loop iteration in which its lines were added: one write for every request finished in that iteration,
/// never later than nginx's line-per-request write would be seen. With `buffer=SIZE`, when SIZE has gathered;
/// with `flush=TIME`, also once its oldest line is that old; every slot at stop. Touched only by its own loop.
final class AccessLogBuffers {
    struct Policy: Sendable {
        let file: LogFile
        /// nil: written each loop iteration.
        let buffer: Int?
        let flushMilliseconds: Int?
    }

    private let policies: [Policy]
    private var buffers: [ByteArray]
    private var oldest: [Int]
    private var dirty: [Int] = []

    init(_ policies: [Policy]) {
        self.policies = policies
        buffers = policies.map { ByteArray(capacity: min($0.buffer ?? 16 * 1024, 1 << 20)) }
        oldest = policies.map { _ in 0 }
        dirty.reserveCapacity(policies.count)
    }

    deinit {
        flushAll()
        for buffer in buffers { buffer.release() }
    }

    /// Appends one line through `write` into slot `slot`.
    func append(_ target: AccessLogTarget, _ facts: RequestFacts, clock: LogClock) {
        let slot = target.slot
        if buffers[slot].isEmpty {
            dirty.append(slot)
            oldest[slot] = clock.milliseconds
        }
        target.format.write(facts, clock: clock, into: &buffers[slot])
        if let limit = policies[slot].buffer, buffers[slot].count >= limit { flush(slot) }
    }

    /// The end of a loop iteration: unbuffered slots are written, buffered ones whose flush time has come.
    func endOfIteration(now milliseconds: Int) {
        guard !dirty.isEmpty else { return }
        var index = 0
        while index < dirty.count {
            let slot = dirty[index]
            let policy = policies[slot]
            let due = policy.buffer == nil || policy.flushMilliseconds.map { milliseconds - oldest[slot] >= $0 } == true
            if due || buffers[slot].isEmpty {
                flush(slot)
                dirty.swapAt(index, dirty.count - 1)
                dirty.removeLast()
            } else {
                index += 1
            }
        }
    }

    /// Whether some buffered slot waits for a flush time (the loop then wakes for it).
    var waitingForFlush: Bool { dirty.contains { policies[$0].flushMilliseconds != nil } }

    func flushAll() {
        for slot in buffers.indices { flush(slot) }
        dirty.removeAll(keepingCapacity: true)
    }

    private func flush(_ slot: Int) {
        guard !buffers[slot].isEmpty else { return }
        policies[slot].file.write(buffers[slot].bytes)
        buffers[slot].removeAll()
    }
}

/// `$time_local` (`25/Nov/2026:01:09:57 +0000`), `$time_iso8601`, and the error log's stamp, in local time.
enum LogTime {
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func local(_ seconds: Int) -> String {
        let parts = broken(seconds)
        return "\(two(parts.tm_mday))/\(months[Int(parts.tm_mon)])/\(Units.zeroPadded(Int(parts.tm_year) + 1900, 4)):"
            + "\(clock(parts)) \(offset(parts, separator: ""))"
    }

    static func iso8601(_ seconds: Int) -> String {
        let parts = broken(seconds)
        return "\(date(parts, separator: "-"))T\(clock(parts))\(offset(parts, separator: ":"))"
    }

    /// `2026/11/25 01:09:14`
    static func errorLogStamp(_ seconds: Int) -> String {
        let parts = broken(seconds)
        return "\(date(parts, separator: "/")) \(clock(parts))"
    }

    private static func broken(_ seconds: Int) -> tm {
        var time = time_t(seconds)
        var parts = tm()
        localtime_r(&time, &parts)
        return parts
    }

    /// `+0000` / `+00:00`
    private static func offset(_ parts: tm, separator: String) -> String {
        let minutes = parts.tm_gmtoff / 60
        return (minutes < 0 ? "-" : "+") + two(abs(minutes) / 60) + separator + two(abs(minutes) % 60)
    }

    /// `2026-11-25` with `separator` `-`.
    private static func date(_ parts: tm, separator: String) -> String {
        Units.zeroPadded(Int(parts.tm_year) + 1900, 4) + separator + two(parts.tm_mon + 1) + separator + two(parts.tm_mday)
    }

    /// `01:09:14`
    private static func clock(_ parts: tm) -> String { "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))" }

    private static func two<Number: BinaryInteger>(_ value: Number) -> String { Units.zeroPadded(Int(value), 2) }
}
