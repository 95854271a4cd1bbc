import WSGI

/// Serialises a response's status line and headers: the server's own headers first (Date, Server, as wsgiref
/// sends them), then the app's in order, then the framing headers the server owns.
public enum HTTPResponseHead {
    /// The head bytes, ending with the blank line.
    public static func serialize(version: String, response: Response,
                                 serverHeaders: [(name: String, value: String)],
                                 framingHeaders: [(name: String, value: String)]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        bytes += version.utf8
        bytes.append(UInt8(ascii: " "))
        bytes += String(response.status).utf8
        bytes.append(UInt8(ascii: " "))
        bytes += response.reason.utf8
        bytes += [13, 10]
        for list in [serverHeaders, response.headers, framingHeaders] {
            for header in list {
                bytes += header.name.utf8
                bytes += [UInt8(ascii: ":"), UInt8(ascii: " ")]
                bytes += header.value.utf8
                bytes += [13, 10]
            }
        }
        bytes += [13, 10]
        return bytes
    }

    /// Whether a header name or value could split the head (CR, LF or NUL): such a response is not sent.
    public static func isSafe(_ response: Response) -> Bool {
        func clean(_ text: String) -> Bool { !text.utf8.contains { $0 == 13 || $0 == 10 || $0 == 0 } }
        return clean(response.reason) && response.headers.allSatisfy { clean($0.name) && clean($0.value) && !$0.name.isEmpty }
    }
}
