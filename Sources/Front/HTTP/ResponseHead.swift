/// The front's response heads, written into the connection's output buffer in nginx's header order
/// (shared/spec/nginx-subset.md §6; checked against nginx 1.22): status line, Server, Date, the entity headers,
/// Connection, then the rest. Status lines are prebuilt.
enum ResponseHead {
    private static let statusLines: [Int: [UInt8]] = {
        var lines: [Int: [UInt8]] = [:]
        for status in [100, 200, 206, 301, 302, 304, 400, 403, 404, 405, 408, 412, 413, 414, 416, 494, 500, 501, 502, 503, 504, 505] {
            lines[status] = Array("HTTP/1.1 \(status) \(ErrorPage.reason(status))\r\n".utf8)
        }
        return lines
    }()

    /// `HTTP/1.1 STATUS REASON`, then `Server` and `Date`.
    static func begin(_ status: Int, signature: [UInt8], clock: LogClock, into out: inout ByteArray) {
        if let line = statusLines[status] {
            out.append(line)
        } else {
            out.append("HTTP/1.1 ")
            out.append(decimal: status)
            out.append(" ")
            out.append(ErrorPage.reason(status))
            out.append("\r\n")
        }
        out.append("Server: ")
        out.append(signature)
        out.append("\r\nDate: ")
        out.append(clock.httpDate)
        out.append("\r\n")
    }

    /// An upstream's status line, its reason as the upstream gave it.
    static func beginRaw(_ status: Int, reason: UnsafeRawBufferPointer, signature: [UInt8], clock: LogClock, into out: inout ByteArray) {
        out.append("HTTP/1.1 ")
        out.append(decimal: status)
        out.append(" ")
        out.append(reason)
        out.append("\r\nServer: ")
        out.append(signature)
        out.append("\r\nDate: ")
        out.append(clock.httpDate)
        out.append("\r\n")
    }

    static func header(_ name: StaticString, _ value: [UInt8], into out: inout ByteArray) {
        out.append(name)
        out.append(": ")
        out.append(value)
        out.append("\r\n")
    }

    static func header(_ name: StaticString, decimal value: Int, into out: inout ByteArray) {
        out.append(name)
        out.append(": ")
        out.append(decimal: value)
        out.append("\r\n")
    }

    static func connection(keepAlive: Bool, into out: inout ByteArray) {
        out.append(keepAlive ? "Connection: keep-alive\r\n" : "Connection: close\r\n")
    }

    /// `ETag: "MTIME-SIZE"` in lower-case hex, as nginx writes it.
    static func etag(modified: Int, size: Int, into out: inout ByteArray) {
        out.append("ETag: \"")
        out.append(hex: modified)
        out.append("-")
        out.append(hex: size)
        out.append("\"\r\n")
    }
}
