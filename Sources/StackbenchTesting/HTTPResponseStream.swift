import Foundation

/// The responses a client reads from one connection's bytes, framed as an HTTP/1.1 client frames them
/// (RFC 9112 §6.3): each head, then a body by Content-Length, by chunked coding (decoded), or until the end; none
/// for 1xx, 204 and 304. For tests that check what a server's answers mean to a client — where one answer ends
/// and the next begins — rather than how the bytes look.
public struct HTTPResponseStream {
    public struct Response: Sendable {
        public var statusLine: String
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]

        public var status: Int { Int(statusLine.split(separator: " ").dropFirst().first ?? "") ?? 0 }

        /// Every value of header `name` (any case).
        public func values(_ name: String) -> [String] {
            headers.filter { $0.name.caseInsensitiveCompare(name) == .orderedSame }.map(\.value)
        }
    }

    /// The responses read in order.
    public private(set) var responses: [Response] = []
    /// Why framing stopped before the bytes ended (a bad head, a cut body), nil when they all framed.
    public private(set) var problem: String?

    /// Frames `bytes`; `closed` says the server closed after them (a body without a length ends there).
    public init(_ bytes: [UInt8], closed: Bool = true) {
        var offset = 0
        while offset < bytes.count {
            guard let headEnd = Self.find([13, 10, 13, 10], in: bytes, from: offset) else {
                problem = "a head without its end at byte \(offset)"
                return
            }
            let lines = String(decoding: bytes[offset..<headEnd], as: UTF8.self).components(separatedBy: "\r\n")
            guard lines[0].hasPrefix("HTTP/1.") else {
                problem = "not a status line at byte \(offset): \(lines[0].prefix(40).debugDescription)"
                return
            }
            var response = Response(statusLine: lines[0], headers: [], body: [])
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { problem = "a header without a colon: \(line)"; return }
                response.headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
            }
            offset = headEnd + 4
            let status = response.status
            if status < 200 || status == 204 || status == 304 {
                responses.append(response)
                continue
            }
            if response.values("Transfer-Encoding").last?.lowercased() == "chunked" {
                guard let end = Self.dechunk(bytes, from: offset, into: &response.body) else {
                    problem = "a chunked body cut or malformed after byte \(offset)"
                    responses.append(response)
                    return
                }
                offset = end
            } else if let length = response.values("Content-Length").first.flatMap({ Int($0) }) {
                guard offset + length <= bytes.count else {
                    problem = "a body of \(length) bytes cut at \(bytes.count - offset)"
                    responses.append(response)
                    return
                }
                response.body = Array(bytes[offset..<(offset + length)])
                offset += length
            } else {
                response.body = Array(bytes[offset...])
                offset = bytes.count
                if !closed { problem = "a body without a length on a connection still open" }
            }
            responses.append(response)
        }
    }

    private static func dechunk(_ bytes: [UInt8], from start: Int, into body: inout [UInt8]) -> Int? {
        var offset = start
        while true {
            guard let lineEnd = find([13, 10], in: bytes, from: offset) else { return nil }
            let line = String(decoding: bytes[offset..<lineEnd], as: UTF8.self)
            guard let size = Int(line.split(separator: ";").first.map(String.init) ?? "", radix: 16) else { return nil }
            offset = lineEnd + 2
            if size == 0 {
                while true {  // trailers, then the empty line
                    guard let end = find([13, 10], in: bytes, from: offset) else { return nil }
                    defer { offset = end + 2 }
                    if end == offset { return end + 2 }
                }
            }
            guard offset + size + 2 <= bytes.count, bytes[offset + size] == 13, bytes[offset + size + 1] == 10 else { return nil }
            body += bytes[offset..<(offset + size)]
            offset += size + 2
        }
    }

    private static func find(_ pattern: [UInt8], in bytes: [UInt8], from: Int) -> Int? {
        guard bytes.count >= pattern.count, from <= bytes.count - pattern.count else { return nil }
        for index in from...(bytes.count - pattern.count) where bytes[index] == pattern[0] {
            if Array(bytes[index..<(index + pattern.count)]) == pattern { return index }
        }
        return nil
    }
}
