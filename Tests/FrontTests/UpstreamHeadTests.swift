@testable import Front
import Testing

/// The upstream's response head as the front reads it: the front's own header validation is off, so this parse is
/// the only thing between an app's bytes and the client's header block.
@Suite struct UpstreamHeadTests {
    @Test func statusLinesAndHeadersAreRead() throws {
        let http = try #require(UpstreamHead.parse("HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nX-A:  b \r\n\r\n"))
        #expect(http.status == 201 && http.reason == "Created")
        #expect(http.headers.map { "\($0.0)=\($0.1)" } == ["Content-Type=text/plain", "X-A=b"])
        let cgi = try #require(UpstreamHead.parse("Status: 404 Not Found\r\nX-B: c\r\n\r\n"))
        #expect(cgi.status == 404 && cgi.reason == "Not Found" && cgi.headers.count == 1)
    }

    @Test(arguments: [
        "HTTP/1.1 200 OK\r\nX-A: b\rSet-Cookie: evil=1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX-A: b\nSet-Cookie: evil=1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX-A: b\0c\r\n\r\n",
        "HTTP/1.1 200 OK\nX\r\n\r\n",
        "HTTP/1.1 2000 OK\r\n\r\n",
        "X-A b\r\n\r\n",
        "Bad Name: x\r\n\r\n",
    ])
    func headsThatWouldSplitOrCorruptTheClientsHeadersAreRefused(head: String) {
        #expect(UpstreamHead.parse(head) == nil, "\(head.debugDescription)")
    }
}
