@testable import ServerCore
import Testing

@Suite struct HTTPRequestParserTests {
    static func parse(_ text: String) -> HTTPRequestParser.Outcome {
        Array(text.utf8).withUnsafeBytes { HTTPRequestParser.parse($0) }
    }

    @Test func aCompleteHeadIsParsedAndItsLengthReported() {
        let text = "GET /api/teachers?limit=5 HTTP/1.1\r\nHost: localhost\r\nX-A:  b \r\n\r\nBODY"
        guard case .complete(let head, let consumed) = Self.parse(text) else {
            Issue.record("not parsed")
            return
        }
        #expect(head.method == "GET")
        #expect(head.target == "/api/teachers?limit=5")
        #expect(head.rawPath == "/api/teachers")
        #expect(head.query == "limit=5")
        #expect(head.version == "HTTP/1.1")
        #expect(head.header("host") == "localhost")
        #expect(head.header("X-A") == "b")
        #expect(consumed == text.utf8.count - 4)
    }

    @Test(arguments: [
        "GET / HTTP/1.1\r\nHost: x\r\n",
        "GET / HTTP/1.1\r\nHo",
        "GET / HTT",
        "",
        "\r\n",
    ])
    func partialHeadsAskForMore(text: String) {
        #expect(Self.parse(text) == .incomplete)
    }

    /// A head arriving in pieces is scanned once (issue 29: runserver re-parsed an 892 KB head from its start at each
    /// of its 100-byte reads); resumed at every cut it reads the same as whole, refusals included.
    @Test(arguments: ["\r\nGET /a?b HTTP/1.1\r\nHost: x\r\nA: one\r\n two\r\n\r\nBODY", "GET / HTTP/1.0\nA: b\n\n",
                      "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", "GET /" + String(repeating: "a", count: 70_000) + " HTTP/1.1\r\n\r\n"])
    func aHeadResumedAtEveryCutReadsAsWhole(text: String) {
        let bytes = Array(text.utf8)
        let whole = Self.parse(text)
        for cut in stride(from: 0, through: bytes.count, by: max(1, bytes.count / 200)) {
            var progress = HTTPRequestParser.Progress()
            var outcome = bytes.withUnsafeBytes { HTTPRequestParser.parse(UnsafeRawBufferPointer(rebasing: $0[0..<cut]), resuming: &progress) }
            if outcome == .incomplete {
                outcome = bytes.withUnsafeBytes { HTTPRequestParser.parse($0, resuming: &progress) }
            }
            #expect(outcome == whole, "cut at \(cut)")
        }
    }

    @Test func bareLineFeedsLeadingBlankLinesAndFoldingAreAccepted() {
        guard case .complete(let head, _) = Self.parse("\r\n\nGET / HTTP/1.0\nA: one\n two\n\n") else {
            Issue.record("not parsed")
            return
        }
        #expect(head.version == "HTTP/1.0")
        #expect(head.header("A") == "one two")
    }

    @Test(arguments: [
        ("GET /\r\n\r\n", 400),
        ("GET / HTTP/1.1 extra\r\n\r\n", 400),
        ("G(T / HTTP/1.1\r\n\r\n", 400),
        ("GET / FTP/1.1\r\n\r\n", 400),
        ("GET / HTTP/x.1\r\n\r\n", 400),
        ("GET / HTTP/2.0\r\n\r\n", 505),
        ("GET / HTTP/1.1\r\nNo colon here\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\n: empty\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\n continued\r\n\r\n", 400),
        ("GET /\0 HTTP/1.1\r\n\r\n", 400),
    ])
    func malformedHeadsAreRefused(text: String, status: Int) {
        guard case .failure(let error) = Self.parse(text) else {
            Issue.record("accepted \(text.debugDescription)")
            return
        }
        #expect(error.status == status)
    }

    @Test func oversizedLinesAndTooManyHeadersAreRefused() {
        let longTarget = "GET /" + String(repeating: "a", count: 70_000)
        guard case .failure(let uri) = Self.parse(longTarget) else { Issue.record("long target accepted"); return }
        #expect(uri.status == 414, "refused before the line even ends")
        let longHeader = "GET / HTTP/1.1\r\nX: " + String(repeating: "b", count: 70_000) + "\r\n\r\n"
        guard case .failure(let header) = Self.parse(longHeader) else { Issue.record("long header accepted"); return }
        #expect(header.status == 431)
        let many = "GET / HTTP/1.1\r\n" + (0..<101).map { "H\($0): v\r\n" }.joined() + "\r\n"
        guard case .failure(let count) = Self.parse(many) else { Issue.record("101 headers accepted"); return }
        #expect(count.status == 431)
    }
}

@Suite struct ListenAddressTests {
    @Test(arguments: [
        ("8000", ListenAddress.tcp(host: "127.0.0.1", port: 8000)),
        ("0.0.0.0:80", .tcp(host: "0.0.0.0", port: 80)),
        ("localhost:8000", .tcp(host: "localhost", port: 8000)),
        ("[::1]:8000", .tcp(host: "::1", port: 8000)),
        (":3031", .tcp(host: "0.0.0.0", port: 3031)),
        ("/tmp/app.sock", .unix(path: "/tmp/app.sock")),
    ])
    func accepted(text: String, address: ListenAddress) {
        #expect(ListenAddress.parse(text) == address)
    }

    @Test(arguments: ["", "abc", "65536", "127.0.0.1:", "::1:80", "[::1]", "[::1]80", "1.2.3.4:x", "-1", "host:123456"])
    func refused(text: String) {
        #expect(ListenAddress.parse(text) == nil)
    }
}

@Suite struct HTTPDateTests {
    @Test func formatsIMFFixdate() {
        #expect(HTTPDate.format(0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HTTPDate.format(1795569051) == "Wed, 25 Nov 2026 01:10:51 GMT")
    }

    @Test(arguments: ["Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"])
    func readsAllThreeForms(text: String) {
        #expect(HTTPDate.parse(text) == 784_111_777)
    }

    @Test func readsTheLeapDay() {
        #expect(HTTPDate.parse("Thu, 29 Feb 1996 00:00:00 GMT") == 825_552_000)
        #expect(HTTPDate.parse("Tue, 29 Feb 2000 00:00:00 GMT") == 951_782_400)
    }

    /// The second round of hostile inputs (issue 29): a year past Int32 trapped in `Int32(year - 1900)` and took the
    /// front and runserver down with one If-Modified-Since; nginx and Django read no more than four digits.
    @Test(arguments: ["", "yesterday", "Sun, 32 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT",
                      "Mon, 01 Jan 99999999999 00:00:00 GMT", "Mon, 01 Jan 9223372036854775807 00:00:00 GMT", "Mon, 01 Jan 19940 00:00:00 GMT",
                      "Mon, 01 Jan +994 00:00:00 GMT", "Mon, 01 Jan -994 00:00:00 GMT", "Sun Nov  6 08:49:37 99999999999",
                      "Sunday, 06-Nov-994 08:49:37 GMT", "Sun, 006 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 8:49:37 GMT",
                      "Sun, 06 Nov 1994 08:49:99999999999999999999 GMT", "Sun, 30 Feb 1996 08:49:37 GMT", "Sun, 29 Feb 1900 08:49:37 GMT"])
    func refusesOthers(text: String) {
        #expect(HTTPDate.parse(text) == nil)
    }
}
