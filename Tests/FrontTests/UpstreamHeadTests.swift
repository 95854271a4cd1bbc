@testable import Front
import Testing

/// The upstream's response head as the front reads it: the front's own header validation is off, so this parse is
/// the only thing between an app's bytes and the client's header block; it also settles the body's framing.
@Suite struct UpstreamHeadTests {
    static func parse(_ text: String) -> (head: UpstreamHead, reason: String, headers: [String])? {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { raw in
            UpstreamHead.parse(raw).map { head in
                (head, String(decoding: bytes[head.reason], as: UTF8.self),
                 head.headers.map { String(decoding: bytes[$0.name], as: UTF8.self) + "=" + String(decoding: bytes[$0.value], as: UTF8.self) })
            }
        }
    }

    @Test func statusLinesAndHeadersAreRead() throws {
        let http = try #require(Self.parse("HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nX-A:  b \r\n\r\n"))
        #expect(http.head.status == 201 && http.reason == "Created")
        #expect(http.headers == ["Content-Type=text/plain", "X-A=b"])
        let cgi = try #require(Self.parse("Status: 404 Not Found\r\nX-B: c\r\n\r\n"))
        #expect(cgi.head.status == 404 && cgi.reason == "Not Found" && cgi.headers.count == 1)
    }

    @Test func theBodysFramingIsSettled() throws {
        #expect(try #require(Self.parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n")).head.contentLength == 5)
        // Transfer-Encoding frames nothing (nginx 1.22's uwsgi module): the length still holds, and interim heads are told apart.
        #expect(try #require(Self.parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n")).head.contentLength == 5)
        #expect(try #require(Self.parse("HTTP/1.1 100 Continue\r\n\r\n")).head.isInterim)
        #expect(try #require(Self.parse("HTTP/1.1 103 Early Hints\r\n\r\n")).head.isInterim)
        #expect(try #require(Self.parse("HTTP/1.1 101 Switching Protocols\r\n\r\n")).head.isInterim)
        let noContent = try #require(Self.parse("HTTP/1.1 204 No Content\r\n\r\n")).head
        let ok = try #require(Self.parse("HTTP/1.1 200 OK\r\n\r\n")).head
        #expect(!noContent.allowsBody(isHead: false) && ok.allowsBody(isHead: false) && !ok.allowsBody(isHead: true))
    }

    @Test(arguments: [
        "HTTP/1.1 200 OK\r\nX-A: b\rSet-Cookie: evil=1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX-A: b\nSet-Cookie: evil=1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX-A: b\0c\r\n\r\n",
        "HTTP/1.1 200 OK\nX\r\n\r\n",
        "HTTP/1.1 2000 OK\r\n\r\n",
        "X-A b\r\n\r\n",
        "Bad Name: x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 8\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: -2\r\n\r\n",
    ])
    func headsThatWouldSplitCorruptOrMisframeTheClientsAnswerAreRefused(head: String) {
        #expect(Self.parse(head) == nil, "\(head.debugDescription)")
    }
}
