@testable import Front
import Testing

/// The front's request head parser against nginx's answers (shared/spec/nginx-subset.md §6).
@Suite struct RequestHeadTests {
    static let limits = RequestHead.Limits(line: 64, head: 256)

    static func parse(_ text: String) -> (RequestHead, RequestHead.Outcome) {
        var head = RequestHead()
        let outcome = Array(text.utf8).withUnsafeBytes { head.parse($0, limits: limits) }
        return (head, outcome)
    }

    @Test func aHeadIsReadInPlace() throws {
        let text = "\r\nGET /a?b=1 HTTP/1.1\r\nHost: x\r\nUser-Agent:  curl/8 \r\nContent-Length: 3\r\n\r\nabc"
        let (head, outcome) = Self.parse(text)
        #expect(outcome == .complete(length: text.utf8.count - 3))
        let bytes = Array(text.utf8)
        #expect(String(decoding: bytes[head.method], as: UTF8.self) == "GET")
        #expect(String(decoding: bytes[head.target], as: UTF8.self) == "/a?b=1")
        #expect(String(decoding: bytes[head.line], as: UTF8.self) == "GET /a?b=1 HTTP/1.1")
        #expect(head.declaredLength == 3 && head.isHTTP11 && head.headers.count == 3)
        let agent = bytes.withUnsafeBytes { head.first("user_agent", in: $0).map(\.string) }
        #expect(agent == "curl/8", "trimmed, found by its $http_ name")
    }

    @Test func bareLineFeedsAndHTTP10WithoutHostAreAccepted() {
        #expect(Self.parse("GET / HTTP/1.0\n\n").1 == .complete(length: 16))
    }

    static let refusals: [(String, RequestHead.Outcome)] = [
        ("GET / HTTP/1.1\r\nHost: x\r\n", RequestHead.Outcome.incomplete),
        ("GET / HTTP/1.1\r\n\r\n", .refused(400)),  // HTTP/1.1 without Host
        ("get / HTTP/1.1\r\nHost: x\r\n\r\n", .refused(400)),
        ("GARBAGE\r\n\r\n", .refused(400)),
        ("GET / HTTP/2.0\r\nHost: x\r\n\r\n", .refused(505)),
        ("GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", .refused(400)),
        ("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", .refused(400)),
        ("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 9223372036854775808\r\n\r\n", .refused(400)),
        ("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", .refused(400)),
        ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", .refused(400)),
        ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", .refused(501)),
        ("GET / HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n", .refused(400)),
        ("GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n", .refused(400)),
        ("GET / HTTP/1.1\r\nHost: x\r\nX: a\0b\r\n\r\n", .refused(400)),
        ("GET /" + String(repeating: "a", count: 80) + " HTTP/1.1\r\n\r\n", .refused(414)),
        ("GET /" + String(repeating: "a", count: 80), .refused(414)),  // refused before the line ends
        ("GET / HTTP/1.1\r\nHost: x\r\n" + String(repeating: "X-A: b\r\n", count: 40) + "\r\n", .refused(494)),
        // The second round of hostile inputs (issue 29), each as Debian's nginx 1.22.1 answers it.
        ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n", .refused(400)),
        ("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", .refused(400)),
        ("GET / HTTP/1.1\r\nHost: evil.example/x?\r\n\r\n", .refused(400)),
        ("GET / HTTP/1.1\r\nHost: a..b\r\n\r\n", .refused(400)),
        ("GET / HTTP/1.1\r\nHost: .\r\n\r\n", .refused(400)),
        ("GET / HTTP/1.1\r\nHost:\r\n\r\n", .refused(400)),
        ("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", .refused(400)),
        ("GET / HTTP/1.1\r\nHost: a\u{01}b\r\n\r\n", .refused(400)),
        ("GET / HTTP/01.1\r\nHost: x\r\n\r\n", .refused(400)),
        ("GET / HTTP/1.1\r\nHost: x\r\nX\u{01}A: y\r\n\r\n", .refused(400)),
        ("GET / HTTP/1.1\r\nHost: x\r\nX-Long: " + String(repeating: "a", count: 60) + "\r\n\r\n", .refused(494)),  // a line past the large buffer
        ("GET / HTTP/1.1\r\nHost: x\r\nX-Long: " + String(repeating: "a", count: 60), .refused(494)),  // refused before it ends
        ("GET / HTTP/1.1\r\nHost: x\r\n", RequestHead.Outcome.incomplete),
    ]

    @Test(arguments: [
        ("GET / HTTP/1.1\r\nHost: x.\r\n\r\n", 1),
        ("GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n", 1),
        ("GET / HTTP/1.1\r\nHost: a\\b\r\n\r\n", 1),
        ("GET / HTTP/1.100\r\nHost: x\r\n\r\n", 1),
        ("GET / HTTP/1.1\r\nHost: x\r\nX.Auth: 1\r\nX(Auth: 2\r\nX-Good: 3\r\n\r\n", 2),  // the two invalid names ignored
    ])
    func headsNginxAcceptsAreRead(text: String, headers: Int) {
        let (head, outcome) = Self.parse(text)
        #expect(outcome == .complete(length: text.utf8.count) && head.headers.count == headers, "\(text.debugDescription): \(outcome)")
    }

    @Test func moreThanAThousandHeaderLinesAre400() {
        let limits = RequestHead.Limits(line: 8192, head: 1 << 20)
        func outcome(_ lines: Int) -> RequestHead.Outcome {
            var head = RequestHead()
            let text = "GET / HTTP/1.1\r\nHost: x\r\n" + String(repeating: "X-A: b\r\n", count: lines - 1) + "\r\n"
            return Array(text.utf8).withUnsafeBytes { head.parse($0, limits: limits) }
        }
        #expect(outcome(1000) != .refused(494) && outcome(1001) == .refused(494))
    }

    @Test(arguments: refusals)
    func nginxsRefusals(text: String, outcome: RequestHead.Outcome) {
        #expect(Self.parse(text).1 == outcome, "\(text.debugDescription)")
    }

    @Test(arguments: [
        ("GET / HTTP/1.1\r\nHost: x\r\n\r\n", true),
        ("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", false),
        ("GET / HTTP/1.1\r\nHost: x\r\nConnection: TE, Close\r\n\r\n", false),
        ("GET / HTTP/1.0\r\n\r\n", false),
        ("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true),
    ])
    func keepAliveFollowsTheVersionAndConnectionHeader(text: String, keep: Bool) {
        let (head, _) = Self.parse(text)
        #expect(Array(text.utf8).withUnsafeBytes { head.wantsKeepAlive($0) } == keep)
    }

    @Test func conditionalHeadersAreNoticed() {
        #expect(Self.parse("GET / HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"a\"\r\n\r\n").0.conditional)
        #expect(Self.parse("GET / HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1\r\n\r\n").0.conditional)
        #expect(Self.parse("GET / HTTP/1.1\r\nHost: x\r\nIf-Unmodified-Since: x\r\n\r\n").0.conditional)
        #expect(!Self.parse("GET / HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n").0.conditional)
    }
}

/// nginx's URI normalisation, done in place into a reused buffer.
@Suite struct RequestPathTests {
    static func normalise(_ target: String) -> String? {
        var path = ByteArray(capacity: 16)
        defer { path.release() }
        let result = Array(target.utf8).withUnsafeBytes { RequestPath.normalise($0, into: &path) }
        guard case .success = result else { return nil }
        return String(decoding: path.bytes, as: UTF8.self)
    }

    @Test(arguments: [
        ("/", "/"), ("/a/b", "/a/b"), ("/a//b/", "/a/b/"), ("/a/./b", "/a/b"), ("/a/b/..", "/a/"), ("/a/b/../c", "/a/c"),
        ("/a/.", "/a/"), ("/%61%2Fb", "/a/b"), ("/static/%2e%2e/x", "/x"), ("/a?b=/../..", "/a"),
        ("http://host/x/../y", "/y"), ("http://host", "/"), ("/stat../secret.txt", "/stat../secret.txt"),
        ("/a.txt#frag", "/a.txt"), ("/a#/../../etc", "/a"), ("/a?b#c", "/a"),
    ])
    func pathsAreNormalisedAsNginxDoes(target: String, expected: String) {
        #expect(Self.normalise(target) == expected, "\(target)")
    }

    @Test(arguments: ["/..", "/a/../..", "/%00", "/a%0", "/a%zz", "a/b", "/%2e%2e", "*"])
    func badTargetsAre400(target: String) {
        #expect(Self.normalise(target) == nil, "\(target)")
    }
}
