import Foundation

/// A client's request head, parsed in place: every field is a byte range into the connection's input buffer, so
/// parsing allocates nothing (the header list keeps its capacity from request to request). The rules are nginx
/// 1.22's (shared/spec/nginx-subset.md §4, §6): leading empty lines skipped, CRLF or bare LF, upper-case methods,
/// HTTP/1.x (a higher major version is 505, a major with a leading zero 400) or an HTTP/0.9 `GET /path` line, no NUL
/// or bare CR. A header name with a blank or control byte is a 400; one with other bytes than letters, digits, `-`
/// and `_` is ignored (nginx's ignore_invalid_headers); a header line longer than the large buffer, or more than
/// 1000 of them, is a 400. A duplicate Host, Content-Length or Transfer-Encoding, a bad Content-Length,
/// Content-Length with Transfer-Encoding, Transfer-Encoding on HTTP/1.0, or a Host nginx calls invalid (empty, only
/// dots, `..`, `/`, a blank or control byte) is a 400.
struct RequestHead {
    struct Header {
        var name: Range<Int>
        var value: Range<Int>
    }

    enum Outcome: Equatable {
        /// No complete head in the buffer yet.
        case incomplete
        /// A head of this many bytes (the body or the next request follows).
        case complete(length: Int)
        /// Answer with this status and close (400, 414, 494 shown as 400, 505).
        case refused(Int)
    }

    var line = 0..<0
    var method = 0..<0
    var target = 0..<0
    var minorVersion = 1
    /// An HTTP/0.9 simple request (`GET /path` and nothing more): no headers, and the answer is its body alone.
    var simple = false
    var headers: [Header] = []
    /// Indexes into `headers` of the ones the front acts on.
    var host: Int?
    var contentLength: Int?
    var transferEncoding: Int?
    var connection: Int?
    var expect: Int?
    /// Whether any of If-None-Match, If-Modified-Since, If-Unmodified-Since, If-Match, Range, If-Range came (the static module then
    /// looks them up; a plain request never does).
    var conditional = false
    /// The declared body length (0 without one), and whether the body is chunked.
    var declaredLength = 0
    var chunked = false

    /// nginx 1.22 answers 400 ("client sent too many header lines") past this many.
    static let headerLineLimit = 1000

    init() { headers.reserveCapacity(32) }

    var isHTTP11: Bool { minorVersion >= 1 }

    /// The request line's limit (414 beyond it) and the whole head's (400 beyond it, nginx's 494).
    struct Limits {
        var line: Int
        var head: Int
    }

    /// Parses the head at the start of `bytes`.
    mutating func parse(_ bytes: UnsafeRawBufferPointer, limits: Limits) -> Outcome {
        line = 0..<0; method = 0..<0; target = 0..<0; simple = false
        headers.removeAll(keepingCapacity: true)
        host = nil; contentLength = nil; transferEncoding = nil; connection = nil; expect = nil; conditional = false
        declaredLength = 0; chunked = false
        var start = 0
        while start < bytes.count, bytes[start] == 0x0D || bytes[start] == 0x0A { start += 1 }
        guard let lineEnd = Self.lineEnd(bytes, from: start) else {
            return bytes.count - start > limits.line ? .refused(414) : .incomplete
        }
        guard lineEnd.content - start <= limits.line else { return .refused(414) }
        if let status = parseRequestLine(bytes, start..<lineEnd.content) { return .refused(status) }
        if simple { return .complete(length: lineEnd.next) }
        var position = lineEnd.next
        var lines = 0
        while true {
            guard let end = Self.lineEnd(bytes, from: position) else {
                return bytes.count > limits.head || bytes.count - position > limits.line ? .refused(494) : .incomplete
            }
            if end.content == position {
                return end.next > limits.head ? .refused(494) : finish(bytes, length: end.next)
            }
            lines += 1
            guard end.next - position <= limits.line, lines <= Self.headerLineLimit else { return .refused(494) }
            if let status = parseHeader(bytes, position..<end.content) { return .refused(status) }
            position = end.next
        }
    }

    /// The end of the line starting at `from`: where its content ends (before CR LF or LF) and the next begins.
    private static func lineEnd(_ bytes: UnsafeRawBufferPointer, from: Int) -> (content: Int, next: Int)? {
        guard from < bytes.count,
              let found = memchr(bytes.baseAddress! + from, 0x0A, bytes.count - from) else { return nil }
        let newline = bytes.baseAddress!.distance(to: UnsafeRawPointer(found))
        let content = newline > from && bytes[newline - 1] == 0x0D ? newline - 1 : newline
        return (content, newline + 1)
    }

    private mutating func parseRequestLine(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int? {
        line = range
        var index = range.lowerBound
        while index < range.upperBound, bytes[index] != 0x20 { index += 1 }
        method = range.lowerBound..<index
        guard !method.isEmpty, method.allSatisfy({ (bytes[$0] >= 0x41 && bytes[$0] <= 0x5A) || bytes[$0] == 0x5F || bytes[$0] == 0x2D }) else { return 400 }
        while index < range.upperBound, bytes[index] == 0x20 { index += 1 }
        let targetStart = index
        while index < range.upperBound, bytes[index] != 0x20 { index += 1 }
        target = targetStart..<index
        guard !target.isEmpty else { return 400 }
        for position in target where bytes[position] < 0x21 || bytes[position] == 0x7F { return 400 }
        while index < range.upperBound, bytes[index] == 0x20 { index += 1 }
        if index == range.upperBound {  // no version: HTTP/0.9, which nginx still serves, GET only
            guard UnsafeRawBufferPointer(rebasing: bytes[method]).equals("GET") else { return 400 }
            simple = true
            minorVersion = 0
            return nil
        }
        let version = UnsafeRawBufferPointer(rebasing: bytes[index..<range.upperBound])
        // HTTP/MAJOR.MINOR, each up to three digits, the major's first not a zero.
        guard version.count >= 8, version.count <= 12, version.starts(with: "HTTP/".utf8), version[5] != UInt8(ascii: "0") else { return 400 }
        let numbers = version.dropFirst(5)
        guard let dot = numbers.firstIndex(of: 0x2E),
              let major = UnsafeRawBufferPointer(rebasing: numbers[..<dot]).decimalValue,
              let minor = UnsafeRawBufferPointer(rebasing: numbers[(dot + 1)...]).decimalValue,
              dot - numbers.startIndex <= 3, numbers.endIndex - dot - 1 <= 3 else { return 400 }
        guard major == 1 else { return major == 0 ? 400 : 505 }
        minorVersion = minor
        return nil
    }

    private mutating func parseHeader(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int? {
        guard let colon = range.first(where: { bytes[$0] == 0x3A }), colon > range.lowerBound else { return 400 }
        var ignored = false
        for position in range.lowerBound..<colon {
            let byte = bytes[position]
            if byte <= 0x20 || byte == 0x7F { return 400 }
            if !Self.isHeaderNameByte(byte) { ignored = true }
        }
        var valueStart = colon + 1, valueEnd = range.upperBound
        for position in valueStart..<valueEnd where bytes[position] == 0 || bytes[position] == 0x0D { return 400 }
        if ignored { return nil }  // passed nowhere, acted on by nothing, as nginx ignores it
        while valueStart < valueEnd, bytes[valueStart] == 0x20 || bytes[valueStart] == 0x09 { valueStart += 1 }
        while valueEnd > valueStart, bytes[valueEnd - 1] == 0x20 || bytes[valueEnd - 1] == 0x09 { valueEnd -= 1 }
        let index = headers.count
        headers.append(Header(name: range.lowerBound..<colon, value: valueStart..<valueEnd))
        let name = UnsafeRawBufferPointer(rebasing: bytes[range.lowerBound..<colon])
        switch name.count {
        case 4 where name.equalsIgnoringCase("host"):
            guard host == nil else { return 400 }
            host = index
        case 6 where name.equalsIgnoringCase("expect"): expect = index
        case 10 where name.equalsIgnoringCase("connection"): connection = index
        case 14 where name.equalsIgnoringCase("content-length"):
            guard contentLength == nil else { return 400 }
            contentLength = index
        case 17 where name.equalsIgnoringCase("transfer-encoding"):
            guard transferEncoding == nil else { return 400 }
            transferEncoding = index
        case 5, 8, 13, 17, 19:
            if name.equalsIgnoringCase("range") || name.equalsIgnoringCase("if-range") || name.equalsIgnoringCase("if-match")
                || name.equalsIgnoringCase("if-none-match") || name.equalsIgnoringCase("if-modified-since")
                || name.equalsIgnoringCase("if-unmodified-since") {
                conditional = true
            }
        default: break
        }
        return nil
    }

    private mutating func finish(_ bytes: UnsafeRawBufferPointer, length: Int) -> Outcome {
        if isHTTP11, host == nil { return .refused(400) }
        if let host, !Self.isValidHost(value(host, in: bytes)) { return .refused(400) }
        if let transferEncoding {
            guard contentLength == nil, isHTTP11 else { return .refused(400) }
            guard value(transferEncoding, in: bytes).equalsIgnoringCase("chunked") else { return .refused(501) }
            chunked = true
        } else if let contentLength {
            guard let declared = value(contentLength, in: bytes).decimalValue else { return .refused(400) }
            declaredLength = declared
        }
        return .complete(length: length)
    }

    func value(_ index: Int, in bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[headers[index].value])
    }

    /// The first header called `name` (lower case, `-` or `_` matching either, as nginx's `$http_` variables).
    func first(_ name: UnsafeRawBufferPointer, in bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        for header in headers where header.name.count == name.count {
            var same = true
            for offset in 0..<name.count {
                var byte = bytes[header.name.lowerBound + offset]
                if byte >= 0x41, byte <= 0x5A { byte |= 0x20 } else if byte == 0x2D { byte = 0x5F }
                var wanted = name[offset]
                if wanted == 0x2D { wanted = 0x5F }
                if byte != wanted { same = false; break }
            }
            if same { return UnsafeRawBufferPointer(rebasing: bytes[header.value]) }
        }
        return nil
    }

    func first(_ name: StaticString, in bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        first(UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount), in: bytes)
    }

    /// Whether the client asked to keep the connection: HTTP/1.1 unless `Connection: close`, HTTP/1.0 only with
    /// `Connection: keep-alive`.
    func wantsKeepAlive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let connection else { return isHTTP11 }
        let value = self.value(connection, in: bytes)
        if Self.contains(value, token: "close") { return false }
        return isHTTP11 || Self.contains(value, token: "keep-alive")
    }

    private static func contains(_ list: UnsafeRawBufferPointer, token: StaticString) -> Bool {
        var start = 0
        while start <= list.count {
            var end = start
            while end < list.count, list[end] != 0x2C { end += 1 }
            if UnsafeRawBufferPointer(rebasing: list[start..<end]).trimmed.equalsIgnoringCase(token) { return true }
            start = end + 1
        }
        return false
    }

    /// The bytes nginx takes in a header name: letters, digits, `-`, and `_` (which the uwsgi packet then drops,
    /// as underscores_in_headers off does).
    static func isHeaderNameByte(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D || byte == 0x5F
    }

    /// nginx's ngx_http_validate_host: not empty (nor only a trailing dot), no `..`, no `/`, NUL, blank or control
    /// byte.
    static func isValidHost(_ host: UnsafeRawBufferPointer) -> Bool {
        var previousDot = false
        var nameLength = host.count
        var inLiteral = false
        for (index, byte) in host.enumerated() {
            switch byte {
            case UInt8(ascii: "."):
                if previousDot { return false }
            case UInt8(ascii: "/"): return false
            case UInt8(ascii: "["): if index == 0 { inLiteral = true }
            case UInt8(ascii: "]"): if inLiteral, nameLength == host.count { nameLength = index + 1; inLiteral = false }
            case UInt8(ascii: ":"): if !inLiteral, nameLength == host.count { nameLength = index }
            default: if byte <= 0x20 || byte == 0x7F { return false }
            }
            previousDot = byte == UInt8(ascii: ".")
        }
        if nameLength > 0, host[nameLength - 1] == UInt8(ascii: ".") { nameLength -= 1 }
        return nameLength > 0
    }
}
