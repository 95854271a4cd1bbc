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
        headers.first { $0.name.caseInsensitiveEquals(name) }?.value
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

    /// Parses the head at the start of `bytes`.
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> Outcome {
        var lines: [Range<Int>] = []
        var start = 0
        var index = 0
        while index < bytes.count {
            guard bytes[index] == 0x0A else { index += 1; continue }
            var end = index
            if end > start && bytes[end - 1] == 0x0D { end -= 1 }
            if lines.isEmpty && end == start {
                start = index + 1  // an empty line before the request line
            } else if end == start {
                return finish(bytes, lines, consumed: index + 1)
            } else {
                if let error = check(lineLength: end - start, isRequestLine: lines.isEmpty) { return .failure(error) }
                lines.append(start..<end)
                if lines.count > maximumHeaderCount + 1 {
                    return .failure(HTTPParseError(status: 431, message: "Too many headers"))
                }
            }
            start = index + 1
            index += 1
        }
        if let error = check(lineLength: bytes.count - start, isRequestLine: lines.isEmpty) { return .failure(error) }
        return .incomplete
    }

    private static func check(lineLength: Int, isRequestLine: Bool) -> HTTPParseError? {
        guard lineLength > maximumLineLength else { return nil }
        return isRequestLine ? HTTPParseError(status: 414, message: "Request-URI Too Long")
            : HTTPParseError(status: 431, message: "Line too long")
    }

    private static func finish(_ bytes: UnsafeRawBufferPointer, _ lines: [Range<Int>], consumed: Int) -> Outcome {
        let text = lines.map { String(decoding: UnsafeRawBufferPointer(rebasing: bytes[$0]), as: UTF8.self) }
        let words = text[0].split(separator: " ", omittingEmptySubsequences: true)
        guard words.count == 3, words[0].allSatisfy(\.isTokenCharacter), !text[0].contains("\0")
        else { return .failure(HTTPParseError(status: 400, message: "Bad request syntax (\(text[0].prefix(100)))")) }
        let version = String(words[2])
        guard version.hasPrefix("HTTP/"), let (major, minor) = versionNumbers(version.dropFirst(5)) else {
            return .failure(HTTPParseError(status: 400, message: "Bad request version (\(version.prefix(20)))"))
        }
        guard major == 1 else {
            return .failure(HTTPParseError(status: 505, message: "Invalid HTTP version (\(version))"))
        }
        var headers: [(name: String, value: String)] = []
        for line in text.dropFirst() {
            if line.first == " " || line.first == "\t" {
                guard !headers.isEmpty else { return .failure(HTTPParseError(status: 400, message: "Bad header continuation")) }
                headers[headers.count - 1].value += " " + line.trimmingOWS
                continue
            }
            guard let colon = line.firstIndex(of: ":") else {
                return .failure(HTTPParseError(status: 400, message: "Bad header line"))
            }
            let name = line[..<colon]
            guard !name.isEmpty, name.allSatisfy(\.isTokenCharacter) else {
                return .failure(HTTPParseError(status: 400, message: "Bad header name"))
            }
            headers.append((String(name), String(line[line.index(after: colon)...]).trimmingOWS))
        }
        let head = HTTPRequestHead(method: String(words[0]), target: String(words[1]),
                                   version: "HTTP/\(major).\(minor)", headers: headers)
        return .complete(head, consumed: consumed)
    }

    private static func versionNumbers(_ text: Substring) -> (Int, Int)? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isASCIIDigit) }),
              let major = Int(parts[0]), let minor = Int(parts[1]) else { return nil }
        return (major, minor)
    }
}

extension Character {
    /// RFC 9110 `tchar`.
    var isTokenCharacter: Bool {
        guard let ascii = asciiValue, ascii > 0x20, ascii < 0x7F else { return false }
        return !"\"(),/:;<=>?@[\\]{}".contains(self)
    }
}

extension String {
    var trimmingOWS: String {
        var text = Substring(self)
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return String(text)
    }

    func caseInsensitiveEquals(_ other: String) -> Bool {
        utf8.count == other.utf8.count && lowercased() == other.lowercased()
    }
}
