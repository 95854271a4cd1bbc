import BenchSupport
import Foundation
import StackbenchTesting

/// A raw HTTP/1.1 peer for the engines' tests: records every request's bytes as received and answers the n-th
/// request (over all connections) with bytes from a script, then keeps the connection, closes it, or resets it.
/// Thread per connection (ConnectionThreads), blocking sockets.
final class ScriptedHTTPServer: @unchecked Sendable {  // what it received is read and written under `lock`
    enum After: Sendable { case keep, close, reset }
    struct Reply: Sendable {
        var bytes: [UInt8]
        var after: After = .keep
        init(_ text: String, after: After = .keep) {
            bytes = Array(text.utf8)
            self.after = after
        }
    }

    let port: Int
    private let script: @Sendable (Int) -> Reply
    private let connections: ConnectionThreads
    private let lock = NSLock()
    private var received: [[UInt8]] = []

    init(_ script: @escaping @Sendable (Int) -> Reply) throws {
        self.script = script
        let (listener, bound) = try Sockets.listen(.tcp(host: "127.0.0.1", port: 0), backlog: 64)
        port = bound!
        connections = ConnectionThreads(listener: listener)
        connections.start { [weak self] socket in self?.serve(socket) }
    }

    func url(_ path: String = "/") -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Each request's bytes (head and body), in the order they were read.
    var requests: [[UInt8]] { lock.withLock { received } }

    func shutdown() { connections.shutdown() }

    deinit { shutdown() }

    private func serve(_ socket: Int32) {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            // One request: the head up to its empty line, then Content-Length bytes of body.
            while Self.requestLength(buffer) == nil {
                let count = read(socket, &chunk, chunk.count)
                guard count > 0 else { return }
                buffer += chunk[..<count]
            }
            let length = Self.requestLength(buffer)!
            let index: Int = lock.withLock {
                received.append(Array(buffer[..<length]))
                return received.count - 1
            }
            buffer.removeFirst(length)
            let reply = script(index)
            guard reply.bytes.withUnsafeBytes({ write(socket, $0.baseAddress, $0.count) }) == reply.bytes.count
            else { return }
            switch reply.after {
            case .keep: continue
            case .close: return
            case .reset:
                var linger = linger(l_onoff: 1, l_linger: 0)
                setsockopt(socket, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<linger>.size))
                return
            }
        }
    }

    /// The length of the first whole request in `bytes`, nil while it is incomplete.
    static func requestLength(_ bytes: [UInt8]) -> Int? {
        let end = Array("\r\n\r\n".utf8)
        guard bytes.count >= 4, let headEnd = (0...(bytes.count - 4)).first(where: { Array(bytes[$0..<$0 + 4]) == end })
        else { return nil }
        let head = String(decoding: bytes[..<headEnd], as: UTF8.self).lowercased()
        let bodyLength = head.split(separator: "\r\n")
            .first { $0.hasPrefix("content-length:") }
            .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
        let total = headEnd + 4 + bodyLength
        return bytes.count >= total ? total : nil
    }
}
