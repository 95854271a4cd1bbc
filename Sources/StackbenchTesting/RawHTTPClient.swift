import Foundation

/// Bytes straight onto a TCP connection, for what curl will not send: malformed heads, pipelined requests,
/// oversized lines. Reads until the server closes or `timeout` passes.
public enum RawHTTPClient {
    /// Sends `request` to 127.0.0.1:`port` (shutting down the write side when `closeAfterSending`) and returns all
    /// that came back.
    public static func exchange(port: Int, _ request: [UInt8], closeAfterSending: Bool = false,
                                timeout: Double = 5) throws -> String {
        guard let fd = connectToLoopback(port: port) else {
            throw FixtureHTTPServer.ListenError(description: "connect to \(port) failed")
        }
        return exchange(fd, request, closeAfterSending: closeAfterSending, timeout: timeout)
    }

    /// The same over a unix socket.
    public static func exchange(unixSocket path: String, _ request: [UInt8], closeAfterSending: Bool = false,
                                timeout: Double = 5) throws -> String {
        guard let fd = connectToUnixSocket(path) else {
            throw FixtureHTTPServer.ListenError(description: "connect to \(path) failed")
        }
        return exchange(fd, request, closeAfterSending: closeAfterSending, timeout: timeout)
    }

    private static func exchange(_ fd: Int32, _ request: [UInt8], closeAfterSending: Bool, timeout: Double) -> String {
        String(decoding: read(fd, request, closeAfterSending: closeAfterSending, timeout: timeout).bytes, as: UTF8.self)
    }

    /// The bytes that came back for `request` on a new connection to 127.0.0.1:`port`, and whether the server
    /// closed (false: `timeout` passed with the connection still open).
    public static func bytes(port: Int, _ request: [UInt8], closeAfterSending: Bool = false,
                             timeout: Double = 5) throws -> (bytes: [UInt8], closed: Bool) {
        guard let fd = connectToLoopback(port: port) else {
            throw FixtureHTTPServer.ListenError(description: "connect to \(port) failed")
        }
        return read(fd, request, closeAfterSending: closeAfterSending, timeout: timeout)
    }

    /// The same over a unix socket (no ephemeral port: a fuzzer's millions of connections leave no TIME_WAIT).
    public static func bytes(unixSocket path: String, _ request: [UInt8], timeout: Double = 5) throws -> (bytes: [UInt8], closed: Bool) {
        guard let fd = connectToUnixSocket(path) else {
            throw FixtureHTTPServer.ListenError(description: "connect to \(path) failed")
        }
        return read(fd, request, closeAfterSending: false, timeout: timeout)
    }

    private static func read(_ fd: Int32, _ request: [UInt8], closeAfterSending: Bool, timeout: Double) -> (bytes: [UInt8], closed: Bool) {
        defer { close(fd) }
        var wait = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        var offset = 0
        while offset < request.count {
            let sent = request[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { break }  // the server may refuse before reading it all
            offset += sent
        }
        if closeAfterSending { shutdown(fd, Int32(SHUT_WR)) }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 || (count < 0 && errno != EAGAIN && errno != EINTR) { return (received, true) }
            if count < 0 { continue }
            received += buffer[0..<count]
        }
        return (received, false)
    }

    /// `exchange` with text.
    public static func exchange(port: Int, _ request: String, closeAfterSending: Bool = false,
                                timeout: Double = 5) throws -> String {
        try exchange(port: port, Array(request.utf8), closeAfterSending: closeAfterSending, timeout: timeout)
    }
}
