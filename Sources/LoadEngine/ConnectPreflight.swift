import BenchSupport
import Foundation

/// Before a load starts, one connection to each origin the plan sends to, as wrk makes in its `script_resolve`: when
/// none can be reached, a port nothing listens on, a unix socket that is not there or a name that does not resolve is
/// one line ("unable to connect to 127.0.0.1:1: Connection refused") instead of a second of connect attempts from
/// every client connection at full CPU.
public enum ConnectPreflight {
    /// Why nothing can be loaded, in words (the first origin's problem), when no origin accepts a connection; nil
    /// when one does, or does not answer within `timeout` seconds (a slow network is the load's to measure). A mix
    /// with one live origin runs: its dead URLs are counted as failures beside the live one's responses.
    public static func problem(_ plan: LoadPlan, timeout: Double = 2) -> String? {
        var first: String?
        for origin in origins(plan) {
            guard let problem = check(origin, timeout: timeout) else { return nil }
            first = first ?? problem
        }
        return first
    }

    /// The distinct places the plan connects to: its unix socket, or each URL's host and port.
    static func origins(_ plan: LoadPlan) -> [SocketAddress] {
        if let path = plan.unixSocketPath { return [.unix(path: path)] }
        var seen: [SocketAddress] = []
        for request in plan.requests {
            guard let url = URLComponents(string: request.url), let host = url.host, !host.isEmpty else { continue }
            let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
            let port = url.port ?? (url.scheme?.lowercased() == "https" ? 443 : 80)
            let origin = SocketAddress.tcp(host: bare, port: port)
            if !seen.contains(origin) { seen.append(origin) }
        }
        return seen
    }

    private static func check(_ origin: SocketAddress, timeout: Double) -> String? {
        guard let target = origin.resolved() else {
            if case .tcp(let host, _) = origin { return "unable to resolve \(host)" }
            return "unable to connect to \(origin.description): \(String(cString: strerror(errno)))"
        }
        let fd = target.makeSocket(flags: Int32(SOCK_NONBLOCK.rawValue))
        guard fd >= 0 else { return nil }  // out of descriptors or the like: the load reports it
        defer { close(fd) }
        if target.withSockaddr({ connect(fd, $0, $1) }) == 0 { return nil }
        var failure = errno
        if failure == EAGAIN { return nil }  // a unix socket's backlog is full: busy, not absent
        if failure == EINPROGRESS {
            var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            guard poll(&poller, 1, Int32(timeout * 1000)) == 1 else { return nil }
            var length = socklen_t(MemoryLayout<Int32>.size)
            failure = 0
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &failure, &length)
            if failure == 0 { return nil }
        }
        return "unable to connect to \(origin.description): \(String(cString: strerror(failure)))"
    }
}
