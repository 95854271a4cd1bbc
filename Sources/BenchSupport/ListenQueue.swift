import CLinux
import Foundation

/// A listening socket's accept queue, read from outside the process that owns it, as `ss -l` shows it: the
/// connections the kernel has completed and no worker has accepted yet, and the backlog they may fill.
///
/// Owns: finding the socket (a unix socket by the file it is bound to, through sock_diag; a TCP socket by its port,
/// through /proc/net/tcp and tcp6, whose rx_queue of a LISTEN socket is that queue) and reading the two numbers.
/// Works for any server's socket — ours or Debian's uWSGI, which itself reports `listen_queue` 0 for a unix socket.
@PublicInit
public struct ListenQueue: Equatable, Sendable {
    public var queued: Int
    /// nil for a TCP socket: /proc/net/tcp does not show it.
    public var backlog: Int?

    /// The queue of the unix socket bound to `path`; nil when nothing listens there.
    public static func of(unixPath path: String) -> ListenQueue? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        var (queued, backlog): (UInt32, UInt32) = (0, 0)
        guard sb_unix_listen_queue(UInt64(status.st_dev), UInt64(status.st_ino), &queued, &backlog) == 0 else { return nil }
        return ListenQueue(queued: Int(queued), backlog: Int(backlog))
    }

    /// The queue of the TCP socket listening on `port` (any address, IPv4 or IPv6; the first found); nil when none.
    public static func of(tcpPort port: Int) -> ListenQueue? {
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            guard let text = try? String(contentsOfFile: table, encoding: .utf8) else { continue }
            if let found = text.split(separator: "\n").dropFirst().lazy.compactMap({ listening(row: $0, port: port) }).first { return found }
        }
        return nil
    }

    /// One row of /proc/net/tcp: `sl local rem st tx_queue:rx_queue ...`, addresses as HEX:PORT, st 0A = LISTEN.
    private static func listening(row: Substring, port: Int) -> ListenQueue? {
        let fields = row.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count > 4, fields[3] == "0A", let colon = fields[1].lastIndex(of: ":"),
              Int(fields[1][fields[1].index(after: colon)...], radix: 16) == port,
              let queues = fields[4].split(separator: ":").last, let queued = Int(queues, radix: 16) else { return nil }
        return ListenQueue(queued: queued, backlog: nil)
    }
}
