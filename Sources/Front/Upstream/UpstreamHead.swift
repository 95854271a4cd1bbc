import Foundation

/// The raw HTTP head a uwsgi app answers with (`HTTP/1.1 200 OK` or CGI-style `Status: 200 OK`), read as nginx's
/// uwsgi module reads it: the front's own header validation is off, so this parse is the only thing between an
/// app's bytes and the client's header block. It also settles the body's framing: one Content-Length (two that
/// differ, or a bad one, is an invalid head, 502), none for 1xx/204/304.
struct UpstreamHead {
    var status: Int
    var reason: String
    var headers: [(String, String)]
    /// The body's length when the upstream declared one.
    var contentLength: Int?
    var isChunked: Bool

    /// The largest head accepted (nginx's uwsgi_buffer_size, 4 KiB by default on x86-64).
    static let maximumLength = 4096

    /// The body the client may receive: none for HEAD, 1xx, 204 and 304 (nginx drops what an upstream sends).
    func allowsBody(isHead: Bool) -> Bool {
        !(isHead || status < 200 || status == 204 || status == 304)
    }

    static func parse(_ text: String) -> UpstreamHead? {
        // A CR, LF or NUL left inside a line would split or end the client's header block: refused, as nginx does.
        guard !text.utf8.contains(0) else { return nil }
        var lines = text.split(separator: "\r\n", omittingEmptySubsequences: true)[...]
        guard !lines.contains(where: { $0.utf8.contains(13) || $0.utf8.contains(10) }) else { return nil }
        guard let first = lines.popFirst() else { return nil }
        var status: Int?
        var reason = ""
        var headers: [(String, String)] = []
        var length: Int?
        var chunked = false
        if first.hasPrefix("HTTP/") {
            let parts = first.split(separator: " ", maxSplits: 2)
            guard parts.count >= 2, let code = Int(parts[1]), (100...999).contains(code) else { return nil }
            status = code
            reason = parts.count > 2 ? String(parts[2]) : ""
        } else {
            lines.insert(first, at: lines.startIndex)
        }
        for line in lines {
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex,
                  !line[..<colon].contains(where: { $0 == " " || $0 == "\t" }) else { return nil }
            let name = String(line[..<colon])
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch name.lowercased() {
            case "status" where status == nil:
                let parts = value.split(separator: " ", maxSplits: 1)
                guard let code = parts.first.flatMap({ Int($0) }), (100...999).contains(code) else { return nil }
                status = code
                reason = parts.count > 1 ? String(parts[1]) : ""
                continue
            case "content-length":
                guard let declared = Int(value), declared >= 0, value.allSatisfy(\.isASCIIDigit), length == nil || length == declared else { return nil }
                if length != nil { continue }  // the same length twice: passed on once
                length = declared
            case "transfer-encoding":
                chunked = value.lowercased() == "chunked"
            default: break
            }
            headers.append((name, value))
        }
        guard let status else { return nil }
        if chunked { length = nil }
        return UpstreamHead(status: status, reason: reason, headers: headers, contentLength: length, isChunked: chunked)
    }
}

private extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
