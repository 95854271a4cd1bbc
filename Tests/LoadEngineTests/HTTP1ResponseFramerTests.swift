@testable import LoadEngine
import Testing

/// The framer against responses as servers write them, fed whole, split in two at every byte, and byte by
/// byte: where a response ends must not depend on how the kernel cut it.
@Suite struct HTTP1ResponseFramerTests {
    struct Framed: Equatable {
        var outcome: HTTP1ResponseFramer.Outcome
        var used: Int
        var status = 0
        var headerBytes = 0
        var bodyBytes = 0
        var closeAfter = false
    }

    /// Feeds `parts` in order (stopping at the first outcome other than .needMore), then an end of stream when
    /// `closed`.
    static func frame(_ parts: [[UInt8]], head: Bool = false, closed: Bool = false) -> Framed {
        var framer = HTTP1ResponseFramer()
        defer { framer.deallocate() }
        framer.reset(head: head)
        var used = 0
        var outcome = HTTP1ResponseFramer.Outcome.needMore
        for part in parts where outcome == .needMore {
            let result = part.withUnsafeBufferPointer { framer.consume($0.baseAddress!, count: $0.count) }
            outcome = result.outcome
            used += result.used
        }
        if outcome == .needMore && closed { outcome = framer.endOfStream() }
        return Framed(outcome: outcome, used: used, status: framer.status, headerBytes: framer.headerBytes,
                      bodyBytes: framer.bodyBytes, closeAfter: framer.closeAfter)
    }

    /// Every way of cutting `text` in two, and byte by byte, frames as it does whole.
    static func expectSameWhateverTheCuts(_ text: String, head: Bool = false, closed: Bool = false) -> Framed {
        let bytes = Array(text.utf8)
        let whole = frame([bytes], head: head, closed: closed)
        for cut in 1..<bytes.count {
            let split = frame([Array(bytes[..<cut]), Array(bytes[cut...])], head: head, closed: closed)
            #expect(split == whole, "cut at \(cut)")
        }
        #expect(frame(bytes.map { [$0] }, head: head, closed: closed) == whole, "byte by byte")
        return whole
    }

    static let contentLength = "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 5\r\n\r\nhello"

    @Test func contentLengthEndsTheResponse() {
        let framed = Self.expectSameWhateverTheCuts(Self.contentLength)
        #expect(framed == Framed(outcome: .complete, used: Self.contentLength.utf8.count, status: 200,
                                 headerBytes: Self.contentLength.utf8.count - 5, bodyBytes: 5))
    }

    @Test func bytesAfterTheResponseAreLeftOver() {
        let framed = Self.frame([Array((Self.contentLength + "HTTP/1.1 200 OK\r\n").utf8)])
        #expect(framed.outcome == .complete)
        #expect(framed.used == Self.contentLength.utf8.count)
    }

    @Test func chunkedBodiesAreDecodedWithExtensionsAndTrailers() {
        let text = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked \r\n\r\n"
            + "5;name=value\r\nhello\r\nA\r\n0123456789\r\n0\r\nTrailer: yes\r\n\r\n"
        let framed = Self.expectSameWhateverTheCuts(text)
        #expect(framed.outcome == .complete)
        #expect(framed.used == text.utf8.count)
        #expect(framed.bodyBytes == 15)
        #expect(!framed.closeAfter)
    }

    @Test func aBodyWithoutLengthEndsWhenTheConnectionCloses() {
        let text = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end"
        let open = Self.frame([Array(text.utf8)])
        #expect(open.outcome == .needMore)
        let framed = Self.expectSameWhateverTheCuts(text, closed: true)
        #expect(framed.outcome == .complete)
        #expect(framed.bodyBytes == 13)
        #expect(framed.closeAfter)
    }

    @Test func aCutBodyIsNotComplete() {
        #expect(Self.frame([Array(Self.contentLength.utf8.dropLast())], closed: true).outcome == .needMore)
    }

    @Test(arguments: [
        ("HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n", false),
        ("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", false),
        ("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", true),
    ])
    func responsesWithoutABodyEndAfterTheirHeaders(text: String, head: Bool) {
        let framed = Self.expectSameWhateverTheCuts(text, head: head)
        #expect(framed.outcome == .complete)
        #expect(framed.used == text.utf8.count)
        #expect(framed.bodyBytes == 0)
    }

    @Test func informationalResponsesAreSkippedAndCounted() {
        let text = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n" + Self.contentLength
        let framed = Self.expectSameWhateverTheCuts(text)
        #expect(framed.outcome == .complete)
        #expect(framed.status == 200)
        #expect(framed.headerBytes == text.utf8.count - 5)
    }

    @Test(arguments: [
        ("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", true),
        ("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", true),
        ("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n", false),
        ("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", false),
        ("HTTP/1.1 200\nContent-Length: 0\n\n", false),
    ])
    func whetherTheConnectionStaysOpen(text: String, closes: Bool) {
        let framed = Self.expectSameWhateverTheCuts(text)
        #expect(framed.outcome == .complete)
        #expect(framed.closeAfter == closes)
    }

    @Test(arguments: [
        "SSH-2.0-OpenSSH_9.2\r\n",
        "HTTP/2 200\r\n\r\n",
        "HTTP/1.1 2x0 OK\r\n\r\n",
        "HTTP/1.1 099 Low\r\n\r\n",
        "HTTP/1.1 200OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFF\r\n",
    ])
    func whatCannotBeFramedIsMalformed(text: String) {
        #expect(Self.expectSameWhateverTheCuts(text).outcome == .malformed)
    }

    @Test func aHeaderLineLongerThanTheBufferIsSkipped() {
        let long = String(repeating: "x", count: 10_000)
        let text = "HTTP/1.1 200 OK\r\nX-Long: \(long)\r\nContent-Length: 2\r\n\r\nok"
        let framed = Self.frame([Array(text.utf8)])
        #expect(framed.outcome == .complete)
        #expect(framed.bodyBytes == 2)
        #expect(framed.headerBytes == text.utf8.count - 2)
    }

    @Test func theFramerStartsOverForEachResponse() {
        var framer = HTTP1ResponseFramer()
        defer { framer.deallocate() }
        let bytes = Array((Self.contentLength + Self.contentLength).utf8)
        var offset = 0
        for _ in 0..<2 {
            framer.reset(head: false)
            let result = bytes[offset...].withUnsafeBufferPointer { framer.consume($0.baseAddress!, count: $0.count) }
            #expect(result.outcome == .complete)
            #expect(framer.bodyBytes == 5)
            offset += result.used
        }
        #expect(offset == bytes.count)
    }

    /// libcurl 7.88's bounds (issue 29: an endless 1xx stream or header section held a connection, and a 100 MB
    /// header line counted as a 200): over 100 KiB in a line, or 300 KiB of head lines in all, ends the response.
    @Test func headsPastLibcurlsBoundsEndTheResponse() {
        let interim = String(repeating: "HTTP/1.1 100 Continue\r\n\r\n", count: 13_000)
        #expect(Self.frame([Array(interim.utf8)]).outcome == .headTooLarge)
        let lines = "HTTP/1.1 200 OK\r\n" + String(repeating: "X-A: b\r\n", count: 40_000)
        #expect(Self.frame([Array(lines.utf8)]).outcome == .headTooLarge)
        let longLine = "HTTP/1.1 200 OK\r\nX-Big: " + String(repeating: "a", count: 100 * 1024) + "\r\n"
        #expect(Self.frame([Array(longLine.utf8)]).outcome == .lineTooLong)
        let trailers = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n" + String(repeating: "T: 1\r\n", count: 60_000)
        #expect(Self.frame([Array(trailers.utf8)]).outcome == .headTooLarge)
        let fits = "HTTP/1.1 200 OK\r\n" + String(repeating: "X-A: b\r\n", count: 30_000) + "Content-Length: 2\r\n\r\nok"
        #expect(Self.frame([Array(fits.utf8)]).outcome == .complete, "290 KB of headers are still a response")
    }
}
