import BenchSupport
import Glibc

/// Finds where one HTTP/1.1 response ends in the bytes of a connection, as wrk's http-parser does: status line,
/// header lines, then a body by Content-Length, chunked transfer coding, or until the connection closes.
///
/// Owns: the position in one response and what the load records of it (status, header and body bytes, whether
/// the connection must close after it). Must not: copy or keep a body, allocate per response, or know sockets.
/// Informational responses (1xx other than 101) are skipped and their header bytes counted, as libcurl does;
/// a HEAD request's response and 204/304 have no body whatever their headers say (RFC 9112 §6.3). Bounded as
/// libcurl 7.88 bounds a response: a header line over 100 KiB, or over 300 KiB of head lines in all (interim
/// responses and trailers included), ends it, so an endless 1xx stream or header section cannot hold a connection.
struct HTTP1ResponseFramer {
    enum Outcome: Equatable {
        /// The response is not complete yet: more bytes are needed.
        case needMore
        /// The response ended with the last byte consumed.
        case complete
        /// Not HTTP/1.x, or a header or chunk that cannot be framed.
        case malformed
        /// A head line longer than `lineLimit` (libcurl: CURLE_OUT_OF_MEMORY).
        case lineTooLong
        /// More than `headLimit` bytes of head lines (libcurl: CURLE_RECV_ERROR, "Too large response headers").
        case headTooLarge
    }

    /// libcurl 7.88's CURL_MAX_HTTP_HEADER and MAX_HTTP_RESP_HEADER_SIZE.
    static let lineLimit = 100 * 1024
    static let headLimit = 300 * 1024

    private enum Phase {
        case statusLine, headerLine, fixedBody, chunkSize, chunkDataEnd, chunkData, trailer
        case untilClose, done
    }

    /// The longest header line kept for parsing; longer ones are counted and skipped (none of the three headers
    /// read here is that long in practice).
    static let lineCapacity = 256

    private var phase = Phase.statusLine
    private let line: UnsafeMutablePointer<UInt8>
    private var lineLength = 0
    private var lineOverflowed = false
    /// The whole length of the line being read, and of every head line so far (status, headers, trailers).
    private var lineTotal = 0
    private var headLineBytes = 0
    private var head = false
    private var contentLength = -1
    private var chunked = false
    private var keepAliveHeader = false
    private var minorVersion = 1
    /// Body bytes still expected: the rest of a Content-Length or of the current chunk.
    private var remaining = 0
    /// The final status code, once its line was read.
    private(set) var status = 0
    private(set) var headerBytes = 0
    private(set) var bodyBytes = 0
    /// The server said "Connection: close", spoke HTTP/1.0 without keep-alive, or ends the body by closing.
    private(set) var closeAfter = false
    /// Whether any byte of this response arrived.
    private(set) var started = false

    init() {
        line = .allocate(capacity: Self.lineCapacity)
    }

    /// Frees the line buffer; the framer must not be used afterwards.
    func deallocate() { line.deallocate() }

    /// Prepares for the response to a new request (`head`: the request was HEAD).
    mutating func reset(head: Bool) {
        phase = .statusLine
        lineLength = 0
        lineOverflowed = false
        lineTotal = 0
        headLineBytes = 0
        self.head = head
        contentLength = -1
        chunked = false
        keepAliveHeader = false
        minorVersion = 1
        remaining = 0
        status = 0
        headerBytes = 0
        bodyBytes = 0
        closeAfter = false
        started = false
    }

    /// Consumes bytes from `start` up to `count`; `used` is how many belong to this response (the rest, if any,
    /// arrived after it ended).
    mutating func consume(_ start: UnsafePointer<UInt8>, count: Int) -> (outcome: Outcome, used: Int) {
        if count > 0 { started = true }
        var index = 0
        while index < count {
            switch phase {
            case .fixedBody, .chunkData:
                let take = min(remaining, count - index)
                remaining -= take
                bodyBytes += take
                index += take
                if remaining == 0 { phase = phase == .fixedBody ? .done : .chunkDataEnd }
            case .untilClose:
                bodyBytes += count - index
                index = count
            case .done:
                return (.complete, index)
            default:
                // A line, or its part in these bytes: up to its LF (memchr), kept in `line` up to its capacity.
                let newline = memchr(start + index, Int32(UInt8(ascii: "\n")), count - index)
                let end = newline.map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) - start } ?? count
                let taken = end - index + (newline == nil ? 0 : 1)
                if phase == .statusLine || phase == .headerLine { headerBytes += taken }
                if phase == .statusLine || phase == .headerLine || phase == .trailer {
                    lineTotal += taken
                    headLineBytes += taken
                    if lineTotal > Self.lineLimit { return (.lineTooLong, index) }
                    if headLineBytes > Self.headLimit { return (.headTooLarge, index) }
                }
                if phase != .chunkDataEnd {
                    let kept = min(end - index, Self.lineCapacity - lineLength)
                    memcpy(line + lineLength, start + index, kept)
                    lineLength += kept
                    if kept < end - index { lineOverflowed = true }
                }
                index = end
                if newline != nil {
                    index += 1
                    guard endOfLine() else { return (.malformed, index) }
                }
            }
        }
        return (phase == .done ? .complete : .needMore, index)
    }

    /// The connection closed: a body delimited by the close ends here; anything else is cut short.
    mutating func endOfStream() -> Outcome {
        if phase == .untilClose || phase == .done {
            phase = .done
            return .complete
        }
        return .needMore
    }

    /// A line ended (its LF consumed): acts on it by phase. False when it cannot be framed.
    private mutating func endOfLine() -> Bool {
        defer {
            lineLength = 0
            lineOverflowed = false
            lineTotal = 0
        }
        if lineLength > 0 && line[lineLength - 1] == UInt8(ascii: "\r") { lineLength -= 1 }
        switch phase {
        case .statusLine:
            return readStatusLine()
        case .headerLine:
            if lineLength == 0 && !lineOverflowed { return endOfHeaders() }
            return readHeaderLine()
        case .chunkSize:
            guard readChunkSize() else { return false }
            phase = remaining == 0 ? .trailer : .chunkData
            return true
        case .chunkDataEnd:
            phase = .chunkSize
            return true
        case .trailer:
            if lineLength == 0 && !lineOverflowed { phase = .done }
            return true
        default:
            return false
        }
    }

    /// "HTTP/1.x NNN reason".
    private mutating func readStatusLine() -> Bool {
        guard lineLength >= 12, matches("http/1.", at: 0), line[8] == UInt8(ascii: " ") else { return false }
        let minor = Int(line[7]) - 48
        var code = 0
        for offset in 9..<12 {
            let digit = Int(line[offset]) - 48
            guard (0...9).contains(digit) else { return false }
            code = code * 10 + digit
        }
        guard (0...9).contains(minor), code >= 100, lineLength == 12 || line[12] == UInt8(ascii: " ") else {
            return false
        }
        minorVersion = minor
        status = code
        phase = .headerLine
        return true
    }

    private mutating func readHeaderLine() -> Bool {
        if let value = valueStart(of: "content-length:") {
            guard !lineOverflowed, let length = decimal(from: value), contentLength == -1 || contentLength == length
            else { return false }
            contentLength = length
        } else if let value = valueStart(of: "transfer-encoding:") {
            chunked = valueEnds(with: "chunked", from: value)
        } else if let value = valueStart(of: "connection:") {
            if valueContains("close", from: value) { closeAfter = true }
            if valueContains("keep-alive", from: value) { keepAliveHeader = true }
        }
        return true
    }

    /// The empty line after the headers: what frames the body.
    private mutating func endOfHeaders() -> Bool {
        if status < 200 && status != 101 {
            // An informational response: the final one follows on the same connection.
            contentLength = -1
            chunked = false
            phase = .statusLine
            return true
        }
        if minorVersion == 0 && !keepAliveHeader { closeAfter = true }
        if head || status == 204 || status == 304 || status < 200 {
            phase = .done
        } else if chunked {
            phase = .chunkSize
        } else if contentLength >= 0 {
            remaining = contentLength
            phase = remaining == 0 ? .done : .fixedBody
        } else {
            closeAfter = true
            phase = .untilClose
        }
        return true
    }

    /// A chunk-size line's hex digits, up to ";" (extensions) or its end.
    private mutating func readChunkSize() -> Bool {
        var size = 0
        var digits = 0
        for offset in 0..<lineLength {
            let byte = line[offset]
            guard let digit = Hex.value(byte) else {
                guard byte == UInt8(ascii: ";") || byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") else { return false }
                remaining = size
                return digits > 0
            }
            guard size < 1 << 56 else { return false }
            size = size * 16 + Int(digit)
            digits += 1
        }
        remaining = size
        return digits > 0 && !lineOverflowed
    }

    /// Where the value begins when the line's name (with its colon, lower case) is `name`.
    private func valueStart(of name: StaticString) -> Int? {
        matches(name, at: 0) ? name.utf8CodeUnitCount : nil
    }

    private func matches(_ text: StaticString, at offset: Int) -> Bool {
        let count = text.utf8CodeUnitCount
        guard offset + count <= lineLength else { return false }
        let expected = text.utf8Start
        for i in 0..<count where line[offset + i] | 0x20 != expected[i] | 0x20 { return false }
        return true
    }

    private func decimal(from offset: Int) -> Int? {
        var value = 0
        var digits = 0
        for i in offset..<lineLength {
            let byte = line[i]
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                if digits > 0 { break } else { continue }
            }
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte), value < 1 << 56 else { return nil }
            value = value * 10 + Int(byte) - 48
            digits += 1
        }
        return digits > 0 ? value : nil
    }

    /// Whether the value from `offset` holds `token` (lower case) anywhere, ignoring case.
    private func valueContains(_ token: StaticString, from offset: Int) -> Bool {
        let count = token.utf8CodeUnitCount
        guard lineLength - offset >= count else { return false }
        for start in offset...(lineLength - count) where matches(token, at: start) { return true }
        return false
    }

    /// Whether the value from `offset`, trailing blanks left out, ends with `token` (lower case), ignoring case.
    private func valueEnds(with token: StaticString, from offset: Int) -> Bool {
        var end = lineLength
        while end > offset && (line[end - 1] == UInt8(ascii: " ") || line[end - 1] == UInt8(ascii: "\t")) { end -= 1 }
        let start = end - token.utf8CodeUnitCount
        return start >= offset && matches(token, at: start)
    }
}
