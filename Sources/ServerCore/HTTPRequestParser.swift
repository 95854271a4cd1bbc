import Glibc
import WSGI

/// A parsed HTTP/1.x request head.
public struct HTTPRequestHead: Equatable, Sendable {
    /// The method, e.g. `GET`.
    public var method: String
    /// The request target as sent, e.g. `/api/teachers?limit=5`.
    public var target: String
    /// `HTTP/1.1` or `HTTP/1.0`.
    public var version: String
    /// The header fields in order, names as sent.
    public var headers: [(name: String, value: String)]

    /// The target's path, before any `?` (still percent-encoded).
    public var rawPath: Substring { target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0] }

    /// The target's query, after the first `?` (empty when none).
    public var query: Substring {
        guard let mark = target.firstIndex(of: "?") else { return "" }
        return target[target.index(after: mark)...]
    }

    /// The first value of header `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.equalsIgnoringASCIICase(name) }?.value
    }

    /// The request line, as logs quote it: `GET /hello HTTP/1.1`.
    public var requestLine: String { "\(method) \(target) \(version)" }

    public static func == (lhs: HTTPRequestHead, rhs: HTTPRequestHead) -> Bool {
        lhs.method == rhs.method && lhs.target == rhs.target && lhs.version == rhs.version
            && lhs.headers.map { [$0.name, $0.value] } == rhs.headers.map { [$0.name, $0.value] }
    }
}

/// A request the server answers with an error status and then closes.
public struct HTTPParseError: Error, Equatable, CustomStringConvertible {
    /// The status to answer with (400, 411, 414, 431, 505).
    public let status: Int
    /// Why, for the log and the answer's body.
    public let message: String

    public var description: String { "\(status) \(message)" }
}

/// Parses HTTP/1.x request heads from bytes, as Python's http.server accepts them: CRLF or bare LF line ends,
/// leading empty lines skipped, obsolete line folding joined, request lines up to 65536 bytes (else 414), at most
/// 100 header fields of up to 65536 bytes each (else 431).
public enum HTTPRequestParser {
    /// The result of looking at the bytes received so far.
    public enum Outcome: Equatable {
        /// No complete head yet; read more.
        case incomplete
        /// A head, and how many bytes it spanned (the body or the next request starts after them).
        case complete(HTTPRequestHead, consumed: Int)
        /// The bytes cannot be a valid request.
        case failure(HTTPParseError)
    }

    /// The longest request line or header line accepted.
    public static let maximumLineLength = 65_536
    /// The most header fields accepted.
    public static let maximumHeaderCount = 100

    /// How far a head has been read: the lines found so far and where scanning stopped, as offsets from the head's
    /// first byte, so that a head arriving in pieces is scanned once, not again from its start at every read.
    public struct Progress {
        var lines: [Range<Int>] = []
        var lineStart = 0
        var scanned = 0

        public init() {}
    }

    /// Parses the head at the start of `bytes`.
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> Outcome {
        var progress = Progress()
        return parse(bytes, resuming: &progress)
    }

    /// Parses the head at the start of `bytes`, of which the bytes before `progress.scanned` were scanned by an
    /// earlier call (the same head, fewer bytes); `progress` is kept for the next call while `.incomplete`.
    public static func parse(_ bytes: UnsafeRawBufferPointer, resuming progress: inout Progress) -> Outcome {
        var index = progress.scanned
        while index < bytes.count {
            guard let found = memchr(bytes.baseAddress! + index, 0x0A, bytes.count - index) else { index = bytes.count; break }
            index = bytes.baseAddress!.distance(to: UnsafeRawPointer(found))
            let start = progress.lineStart
            var end = index
            if end > start && bytes[end - 1] == 0x0D { end -= 1 }
            if progress.lines.isEmpty && end == start {
                // an empty line before the request line
            } else if end == start {
                return finish(bytes, progress.lines, consumed: index + 1)
            } else {
                if let error = check(lineLength: end - start, isRequestLine: progress.lines.isEmpty) { return .failure(error) }
                progress.lines.append(start..<end)
                if progress.lines.count > maximumHeaderCount + 1 {
                    return .failure(HTTPParseError(status: 431, message: "Too many headers"))
                }
            }
            progress.lineStart = index + 1
            index += 1
        }
        progress.scanned = index
        if let error = check(lineLength: bytes.count - progress.lineStart, isRequestLine: progress.lines.isEmpty) { return .failure(error) }
        return .incomplete
    }

    private static func check(lineLength: Int, isRequestLine: Bool) -> HTTPParseError? {
        guard lineLength > maximumLineLength else { return nil }
        return isRequestLine ? HTTPParseError(status: 414, message: "Request-URI Too Long")
            : HTTPParseError(status: 431, message: "Line too long")
    }

    private static func finish(_ bytes: UnsafeRawBufferPointer, _ lines: [Range<Int>], consumed: Int) -> Outcome {
        let requestLine = UnsafeRawBufferPointer(rebasing: bytes[lines[0]])
        let words = requestLine.split(separator: 0x20, omittingEmptySubsequences: true)
        guard words.count == 3, words[0].allSatisfy(isTokenByte), !requestLine.contains(0) else {
            let text = String(decoding: requestLine.prefix(100), as: UTF8.self)
            return .failure(HTTPParseError(status: 400, message: "Bad request syntax (\(text))"))
        }
        let version = String(decoding: words[2], as: UTF8.self)
        guard version.hasPrefix("HTTP/"), let (major, minor) = versionNumbers(version.dropFirst(5)) else {
            return .failure(HTTPParseError(status: 400, message: "Bad request version (\(version.prefix(20)))"))
        }
        guard major == 1 else {
            return .failure(HTTPParseError(status: 505, message: "Invalid HTTP version (\(version))"))
        }
        var headers: [(name: String, value: String)] = []
        headers.reserveCapacity(lines.count - 1)
        for range in lines.dropFirst() {
            let line = UnsafeRawBufferPointer(rebasing: bytes[range])
            if line[0] == 0x20 || line[0] == 0x09 {
                guard !headers.isEmpty else {
                    return .failure(HTTPParseError(status: 400, message: "Bad header continuation"))
                }
                headers[headers.count - 1].value += " " + trimmedText(line[...])
                continue
            }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
                return .failure(HTTPParseError(status: 400, message: "Bad header line"))
            }
            let name = line[..<colon]
            guard !name.isEmpty, name.allSatisfy(isTokenByte) else {
                return .failure(HTTPParseError(status: 400, message: "Bad header name"))
            }
            headers.append((String(decoding: name, as: UTF8.self), trimmedText(line[(colon + 1)...])))
        }
        let head = HTTPRequestHead(method: String(decoding: words[0], as: UTF8.self),
                                   target: String(decoding: words[1], as: UTF8.self),
                                   version: major == 1 && minor == 1 ? "HTTP/1.1" : "HTTP/\(major).\(minor)",
                                   headers: headers)
        return .complete(head, consumed: consumed)
    }

    /// The text of `bytes` without leading and trailing spaces and tabs.
    private static func trimmedText(_ bytes: Slice<UnsafeRawBufferPointer>) -> String {
        var slice = bytes[...]
        while let first = slice.first, first == 0x20 || first == 0x09 { slice = slice.dropFirst() }
        while let last = slice.last, last == 0x20 || last == 0x09 { slice = slice.dropLast() }
        return String(decoding: slice, as: UTF8.self)
    }

    /// RFC 9110 `tchar`, by table.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        byte < 128 && tokenTable[Int(byte)]
    }

    private static let tokenTable: [Bool] = (0..<128).map { byte in
        byte > 0x20 && byte < 0x7F && !Array("\"(),/:;<=>?@[\\]{}".utf8).contains(UInt8(byte))
    }

    private static func versionNumbers(_ text: Substring) -> (Int, Int)? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isASCIIDigit) }),
              let major = Int(parts[0]), let minor = Int(parts[1]) else { return nil }
        return (major, minor)
    }
}
