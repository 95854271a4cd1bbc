import Foundation

/// The raw HTTP head a uwsgi app answers with (`HTTP/1.1 200 OK` or CGI-style `Status: 200 OK`), read as nginx's
/// uwsgi module reads it, in place: fields are byte ranges into the bytes received. The front's own header
/// validation is off, so this parse is the only thing between an app's bytes and the client's header block. It
/// also settles the body's framing: one Content-Length (two that differ, or a bad one, is an invalid head, 502),
/// none for 1xx/204/304. `Transfer-Encoding` frames nothing: as nginx 1.22's uwsgi module, the front drops the
/// header and takes the body as bytes up to the Content-Length or the upstream's close, framed anew for the client,
/// so an upstream's chunked coding (cut, invalid, or followed by another response) stays inside one answer.
struct UpstreamHead {
    struct Header {
        var name: Range<Int>
        var value: Range<Int>
    }

    var status: Int
    var reason: Range<Int>
    var headers: [Header]
    /// The body's length when the upstream declared one.
    var contentLength: Int?

    /// The largest head accepted (nginx's uwsgi_buffer_size, 4 KiB by default on x86-64).
    static let maximumLength = 4096

    /// An interim answer (1xx): the final head follows it on the same connection. 101 too: a uwsgi upstream
    /// cannot switch the client's protocol, so its 101 never reaches the client as an answer.
    var isInterim: Bool { status < 200 }

    /// The body the client may receive: none for HEAD, 1xx, 204 and 304 (nginx drops what an upstream sends).
    func allowsBody(isHead: Bool) -> Bool {
        !(isHead || status < 200 || status == 204 || status == 304)
    }

    /// Parses the head in `bytes` (through its blank line); nil when it is not one nginx would pass on.
    static func parse(_ bytes: UnsafeRawBufferPointer) -> UpstreamHead? {
        // A CR, LF or NUL left inside a line would split or end the client's header block: refused, as nginx does.
        var head = UpstreamHead(status: 0, reason: 0..<0, headers: [], contentLength: nil)
        var statusSeen = false
        var start = 0
        var first = true
        while start < bytes.count {
            guard let lineEnd = crlf(bytes, from: start) else { return nil }
            defer { start = lineEnd + 2 }
            if lineEnd == start { break }  // the blank line
            let line = start..<lineEnd
            for index in line where bytes[index] == 0 || bytes[index] == 13 || bytes[index] == 10 { return nil }
            if first, UnsafeRawBufferPointer(rebasing: bytes[line]).starts(with: "HTTP/".utf8) {
                first = false
                guard let (status, reason) = statusAndReason(bytes, after: line.firstIndex { bytes[$0] == 0x20 }, end: lineEnd) else { return nil }
                (head.status, head.reason, statusSeen) = (status, reason, true)
                continue
            }
            first = false
            guard let colon = line.first(where: { bytes[$0] == 0x3A }), colon > line.lowerBound else { return nil }
            for index in line.lowerBound..<colon where bytes[index] == 0x20 || bytes[index] == 0x09 { return nil }
            var valueStart = colon + 1, valueEnd = lineEnd
            while valueStart < valueEnd, bytes[valueStart] == 0x20 || bytes[valueStart] == 0x09 { valueStart += 1 }
            while valueEnd > valueStart, bytes[valueEnd - 1] == 0x20 || bytes[valueEnd - 1] == 0x09 { valueEnd -= 1 }
            let name = UnsafeRawBufferPointer(rebasing: bytes[line.lowerBound..<colon])
            let value = UnsafeRawBufferPointer(rebasing: bytes[valueStart..<valueEnd])
            if name.equalsIgnoringCase("status"), !statusSeen {
                guard let (status, reason) = statusAndReason(bytes, after: valueStart - 1, end: valueEnd) else { return nil }
                (head.status, head.reason, statusSeen) = (status, reason, true)
                continue
            }
            if name.equalsIgnoringCase("content-length") {
                guard let declared = value.decimalValue, head.contentLength == nil || head.contentLength == declared else { return nil }
                if head.contentLength != nil { continue }  // the same length twice: passed on once
                head.contentLength = declared
            }
            head.headers.append(Header(name: line.lowerBound..<colon, value: valueStart..<valueEnd))
        }
        guard statusSeen else { return nil }
        return head
    }

    /// `CODE[ REASON]` after the space at `space`: a three-digit code, then the rest of the line.
    private static func statusAndReason(_ bytes: UnsafeRawBufferPointer, after space: Int?, end: Int) -> (Int, Range<Int>)? {
        guard var index = space else { return nil }
        while index < end, bytes[index] == 0x20 { index += 1 }
        var codeEnd = index
        while codeEnd < end, bytes[codeEnd] != 0x20 { codeEnd += 1 }
        guard let code = UnsafeRawBufferPointer(rebasing: bytes[index..<codeEnd]).decimalValue, (100...999).contains(code) else { return nil }
        let reasonStart = min(end, codeEnd + 1)
        return (code, reasonStart..<end)
    }

    private static func crlf(_ bytes: UnsafeRawBufferPointer, from: Int) -> Int? {
        var index = from
        while index + 1 < bytes.count {
            if bytes[index] == 13, bytes[index + 1] == 10 { return index }
            if bytes[index] == 10 { return nil }  // a bare LF inside the head
            index += 1
        }
        return nil
    }
}
