import Foundation

/// One blocking HTTP/1.1 connection of the fixture server: reads whole requests (head and Content-Length
/// body), writes fixed responses that echo the method and the body size received.
struct FixtureConnection {
    struct Request {
        var method: String
        var bodyBytes: Int
        /// The client asked for `Connection: close`.
        var close: Bool
    }

    let socket: Int32
    private let buffer = Buffer()

    init(socket: Int32) { self.socket = socket }

    /// Bytes read but not consumed yet (a class so that the struct's methods can refill it).
    private final class Buffer {
        var bytes: [UInt8] = []
    }

    /// The next request, or nil when the peer closed or sent something that is not HTTP.
    func readRequest() -> Request? {
        let terminator: [UInt8] = [13, 10, 13, 10]
        var headEnd: Int?
        while headEnd == nil {
            headEnd = buffer.bytes.firstRange(of: terminator)?.upperBound
            if headEnd == nil && !fill() { return nil }
        }
        let head = String(decoding: buffer.bytes[..<headEnd!], as: UTF8.self)
        buffer.bytes.removeFirst(headEnd!)
        let lines = head.split(separator: "\r\n")
        guard let requestLine = lines.first, let method = requestLine.split(separator: " ").first else { return nil }
        var length = 0
        var close = false
        for line in lines.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { continue }
            switch parts[0].lowercased() {
            case "content-length": length = Int(parts[1]) ?? 0
            case "connection": close = parts[1].lowercased() == "close"
            default: break
            }
        }
        while buffer.bytes.count < length {
            if !fill() { return nil }
        }
        buffer.bytes.removeFirst(length)
        return Request(method: String(method), bodyBytes: length, close: close)
    }

    /// Writes a response; false when the peer is gone.
    func respond(status: Int, method: String, bodyBytes: Int, receivedBodyBytes: Int) -> Bool {
        var response = Array(("HTTP/1.1 \(status) Fixture\r\nContent-Length: \(bodyBytes)\r\nX-Method: \(method)\r\n"
            + "X-Body-Bytes: \(receivedBodyBytes)\r\n\r\n").utf8)
        if method != "HEAD" { response += [UInt8](repeating: UInt8(ascii: "x"), count: bodyBytes) }
        var sent = 0
        while sent < response.count {
            let n = response[sent...].withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            sent += n
        }
        return true
    }

    private func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16_384)
        let n = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return false }
        buffer.bytes += chunk[..<n]
        return true
    }
}
