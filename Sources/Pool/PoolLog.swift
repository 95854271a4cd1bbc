import Foundation

/// The pool's log: one write(2) per line on stderr, which the master points at `logto`/`daemonize` and workers
/// inherit, so lines from every process interleave whole, as uWSGI's do.
public enum PoolLog {
    /// Writes `line` and a newline.
    public static func write(_ line: String) {
        var text = line
        text.append("\n")
        text.utf8CString.withUnsafeBufferPointer { _ = Glibc.write(2, $0.baseAddress, $0.count - 1) }
    }

    /// uWSGI's timestamped form, `Wed Nov 25 01:07:20 2026 - TEXT`.
    public static func stamped(_ line: String) {
        var now = time(nil)
        var buffer = [CChar](repeating: 0, count: 32)
        ctime_r(&now, &buffer)
        write("\(String(cString: buffer).trimmingCharacters(in: .newlines)) - \(line)")
    }
}
