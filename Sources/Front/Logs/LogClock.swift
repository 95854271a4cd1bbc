import Foundation
import enum ServerCore.HTTPDate

/// One event loop's clock, read once per loop iteration as nginx's ngx_time_update does: the wall-clock
/// milliseconds, and the strings of the current second (`Date`, `$time_local`, `$time_iso8601`) formatted only
/// when the second changes, so no request formats a time.
final class LogClock {
    private(set) var milliseconds = 0
    private(set) var second = -1
    private(set) var httpDate: [UInt8] = []
    private(set) var timeLocal: [UInt8] = []
    private(set) var timeISO8601: [UInt8] = []
    private var modifiedSeconds = -1
    private var modifiedText: [UInt8] = []

    init() { update() }

    func update() {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        milliseconds = Int(now.tv_sec) * 1000 + Int(now.tv_nsec) / 1_000_000
        let seconds = Int(now.tv_sec)
        guard seconds != second else { return }
        second = seconds
        httpDate = Array(HTTPDate.format(seconds).utf8)
        timeLocal = Array(LogTime.local(seconds).utf8)
        timeISO8601 = Array(LogTime.iso8601(seconds).utf8)
    }

    /// A file's Last-Modified; the last one formatted is kept, since a benchmark asks for the same file again.
    func lastModified(_ seconds: Int) -> [UInt8] {
        if seconds != modifiedSeconds {
            modifiedSeconds = seconds
            modifiedText = Array(HTTPDate.format(seconds).utf8)
        }
        return modifiedText
    }
}
