import BenchSupport
import Foundation
import UwsgiProtocol

/// A uWSGI app stand-in on a unix socket for the hostile-input tests: each connection's request packet is read
/// (header, vars, and the body its CONTENT_LENGTH names), recorded, and answered with the raw bytes scripted for
/// its PATH_INFO (`replies`), as a broken or hostile app behind uwsgi_pass would answer; the connection then closes,
/// as the uwsgi protocol has it. The same socket serves our front and Debian's nginx alike.
public final class ScriptedUwsgiApp: Sendable {
    /// What one request brought: its vars, in packet order, and how many body bytes followed.
    public struct Request: Sendable {
        public var vars: [(name: String, value: String)]
        public var bodyLength: Int
        public func value(_ name: String) -> String? { vars.first { $0.name == name }?.value }
    }

    public let path: String
    private let threads: ConnectionThreads
    private let requests = Locked<[Request]>([])

    /// Listens at `path` and answers every request with `reply`.
    public convenience init(path: String, reply: String) throws {
        try self.init(path: path, replies: [:], otherwise: Array(reply.utf8))
    }

    /// Listens at `path`; a PATH_INFO not in `replies` gets `otherwise`, by default `HTTP/1.1 200 OK` with the body
    /// length it read.
    public init(path: String, replies: [String: [UInt8]], otherwise: [UInt8]? = nil) throws {
        self.path = path
        threads = ConnectionThreads(listener: try listeningUnixSocket(path))
        let requests = self.requests
        threads.start { socket in
            guard let request = Self.readRequest(socket) else { return }
            requests.withLock { $0.append(request) }
            let reply = replies[request.value("PATH_INFO") ?? ""] ?? otherwise
                ?? Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Body-Length: \(request.bodyLength)\r\n\r\nok".utf8)
            var offset = 0
            while offset < reply.count {
                let sent = reply[offset...].withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if sent <= 0 { return }
                offset += sent
            }
        }
    }

    deinit { threads.shutdown() }

    /// The requests read so far, oldest first.
    public var received: [Request] { requests.withLock { $0 } }

    private static func readRequest(_ socket: Int32) -> Request? {
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard let header = readExactly(socket, 4) else { return nil }
        guard let block = readExactly(socket, Int(header[1]) | Int(header[2]) << 8),
              let vars = try? block.withUnsafeBytes({ try UwsgiPacket.parseVars($0) }) else { return nil }
        var request = Request(vars: vars, bodyLength: 0)
        var remaining = Int(request.value("CONTENT_LENGTH") ?? "") ?? 0
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while remaining > 0 {
            let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, min($0.count, remaining), 0) }
            guard count > 0 else { break }
            request.bodyLength += count
            remaining -= count
        }
        return request
    }

    private static func readExactly(_ socket: Int32, _ count: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        guard count > 0 else { return bytes }
        let received = bytes.withUnsafeMutableBytes { recv(socket, $0.baseAddress, count, Int32(MSG_WAITALL)) }
        return received == count ? bytes : nil
    }
}
