import BenchSupport
import Foundation
import Front
import StackbenchTesting
import Testing

/// Requests that used to freeze, hold or mislead the front, each answered at once as nginx 1.22 answers it, and
/// the front serving the next client after each: a FIFO under the root, HTTP/0.9, `Expect: 100-continue` on a
/// static file, a request after `Upgrade: h2c`, a stale `If-Range`, bad chunk sizes, a Content-Length past 2^63,
/// a file truncated while sendfile sends it.
@Suite(.serialized) struct HostileRequestTests {
    typealias RunningFront = FrontLimitsTests.RunningFront

    static func servesTheNextClient(_ front: RunningFront) throws -> Bool {
        let client = try front.connect()
        client.send("GET /static/small.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        _ = client.secondsUntilClosed(timeout: 3)
        return client.text.hasPrefix("HTTP/1.1 200 OK") && client.text.hasSuffix("\r\n\r\nsmall\n")
    }

    @Test func aFIFOUnderTheRootIs404AtOnceAndFreezesNothing() throws {
        let front = try RunningFront(http: FrontLimitsTests.timeouts)
        #expect(mkfifo(front.folder.file("site/fifo"), 0o644) == 0)
        let client = try front.connect()
        let started = Date()
        client.send("GET /static/fifo HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(client.read(until: "\r\n\r\n", timeout: 3) && client.text.hasPrefix("HTTP/1.1 404 Not Found"), "\(client.text)")
        #expect(Date().timeIntervalSince(started) < 1, "open() must not wait for a writer")
        #expect(try Self.servesTheNextClient(front))
    }

    @Test func anHTTP09RequestGetsTheBodyAloneAsNginxSendsIt() throws {
        let front = try RunningFront(http: FrontLimitsTests.timeouts)
        let client = try front.connect()
        client.send("GET /static/small.txt\r\n")
        #expect(client.secondsUntilClosed(timeout: 3) != nil && client.text == "small\n", "\(client.text.debugDescription)")
        let missing = try front.connect()
        missing.send("GET /static/none.txt\r\n")
        #expect(missing.secondsUntilClosed(timeout: 3) != nil && missing.text.hasPrefix("<html>") && missing.text.contains("404 Not Found"),
                "the error page without a head: \(missing.text.debugDescription)")
        let post = try front.connect()
        post.send("POST /static/small.txt\r\n")
        #expect(post.read(until: "\r\n\r\n", timeout: 3) && post.text.hasPrefix("HTTP/1.1 400 Bad Request"), "HTTP/0.9 knows GET only")
        #expect(try Self.servesTheNextClient(front))
    }

    @Test func anHTTP09RequestPassedUpstreamGetsTheUpstreamsBodyAlone() throws {
        let front = try RunningFront(http: FrontLimitsTests.timeouts)
        let upstream = try ScriptedUwsgiApp(path: front.upstreamSocket, reply: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        let client = try front.connect()
        client.send("GET /up/x\r\n")
        #expect(client.secondsUntilClosed(timeout: 3) != nil && client.text == "ok", "\(client.text.debugDescription)")
        withExtendedLifetime(upstream) {}
    }

    @Test func expectContinueOnAStaticFileGets100ThenTheFile() throws {
        let front = try RunningFront(http: FrontLimitsTests.timeouts)
        let client = try front.connect()
        let started = Date()
        client.send("GET /static/small.txt HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
        #expect(client.read(until: "small\n", timeout: 3), "\(client.text)")
        #expect(client.text.hasPrefix("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n") && Date().timeIntervalSince(started) < 1)
        let old = try front.connect()
        old.send("GET /static/small.txt HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
        #expect(old.read(until: "small\n", timeout: 3) && old.text.hasPrefix("HTTP/1.1 200 OK"), "no 100 to an HTTP/1.0 client, as nginx")
    }

    @Test func aRequestAfterUpgradeH2cOnTheSameConnectionIsAnswered() throws {
        let front = try RunningFront(http: FrontLimitsTests.timeouts)
        let client = try front.connect()
        client.send("GET /static/small.txt HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n"
                    + "GET /static/small.txt HTTP/1.1\r\nHost: x\r\n\r\n")
        _ = client.read(until: "small\nHTTP/1.1 200 OK", timeout: 3)
        #expect(client.text.components(separatedBy: "HTTP/1.1 200 OK").count == 3, "the upgrade is ignored and both are answered: \(client.text)")
    }

    @Test func aStaleIfRangeGetsTheWholeFileAndAFreshOneTheRange() throws {
        let front = try RunningFront(http: FrontLimitsTests.timeouts)
        let first = try front.connect()
        first.send("GET /static/small.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        _ = first.secondsUntilClosed(timeout: 3)
        let etag = try #require(first.text.split(separator: "\r\n").first { $0.hasPrefix("ETag: ") }).dropFirst(6)
        for (ifRange, status, body) in [("\"stale-etag\"", "200 OK", "small\n"), (String(etag), "206 Partial Content", "sm")] {
            let client = try front.connect()
            client.send("GET /static/small.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1\r\nIf-Range: \(ifRange)\r\nConnection: close\r\n\r\n")
            _ = client.secondsUntilClosed(timeout: 3)
            #expect(client.text.hasPrefix("HTTP/1.1 \(status)") && client.text.hasSuffix("\r\n\r\n" + body), "If-Range \(ifRange): \(client.text)")
        }
    }

    @Test(arguments: ["zz\r\n", "5\r\nabcdeXX\r\n", "ffffffffffffffffff\r\n", "-1\r\n"])
    func aBadChunkSizeIs400AtOnce(body: String) throws {
        let front = try RunningFront(http: FrontLimitsTests.timeouts)
        let client = try front.connect()
        client.send("POST /up/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + body)
        #expect(client.read(until: "\r\n\r\n", timeout: 0.8) && client.text.hasPrefix("HTTP/1.1 400 Bad Request"), "\(body.debugDescription): \(client.text)")
    }

    @Test func aContentLengthPastWhatFitsIs400AtOnce() throws {
        let front = try RunningFront(http: FrontLimitsTests.timeouts)
        let client = try front.connect()
        client.send("POST /up/x HTTP/1.1\r\nHost: x\r\nContent-Length: 9223372036854775808\r\n\r\n")
        #expect(client.read(until: "\r\n\r\n", timeout: 0.8) && client.text.hasPrefix("HTTP/1.1 400 Bad Request"), "\(client.text)")
    }

    @Test func aFileTruncatedWhileSentClosesTheClientAtOnceWithNginxsAlert() throws {
        let front = try RunningFront(http: FrontLimitsTests.timeouts)
        let client = try front.connect(receiveBuffer: 65_536)
        client.send("GET /static/big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(client.read(until: "\r\n\r\n", timeout: 3))
        usleep(300_000)  // the front fills the socket's buffers and waits for the client
        #expect(truncate(front.folder.file("site/big.bin"), 1000) == 0)
        let closed = client.secondsUntilClosed(timeout: 5)
        #expect(closed != nil, "closed once sendfile finds the file shorter, not after send_timeout")
        #expect(front.log("error.log", contains: "sendfile() reported that the file was truncated"), "\(front.log("error.log"))")
        #expect(try Self.servesTheNextClient(front))
    }

    /// Issue 29: values `front -t` accepts (nginx takes them too) trapped or aborted at the first request:
    /// large_client_header_buffers of Int.max (its head limit, 4 × size, overflowed) and client_header_buffer_size
    /// of 8 GiB (allocated for every connection). Now the buffer grows as heads need it.
    @Test func headerBufferSizesAtTheirLargestServeRequests() throws {
        let front = try RunningFront(http: FrontLimitsTests.timeouts + "large_client_header_buffers 4 9223372036854775807; client_header_buffer_size 8589934592;")
        for _ in 0..<20 { #expect(try Self.servesTheNextClient(front)) }
        let client = try front.connect()
        client.send("GET /static/small.txt HTTP/1.1\r\nHost: x\r\nX-Long: " + String(repeating: "a", count: 200_000) + "\r\nConnection: close\r\n\r\n")
        #expect(client.read(until: "small\n", timeout: 5) && client.text.hasPrefix("HTTP/1.1 200 OK"), "a 200 KB header fits the configured buffers")
    }
}
