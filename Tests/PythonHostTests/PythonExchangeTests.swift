@testable import PythonHost
import Testing
import WSGI

/// `wsgi.input`'s buffering, without an interpreter: line reads keep their lookahead for the next read, and a
/// CONTENT_LENGTH up to Int.max (the request's own number) never traps: the lookahead was taken from the unread
/// bytes, so their sum stays within it.
struct BufferedBodyTests {
    @Test func lineReadsKeepTheirLookaheadForTheNextRead() throws {
        let body = BufferedBody(BytesInput(Array("line1\nline2\nrest".utf8)), length: 16)
        #expect(try body.readLine(limit: -1) == Array("line1\n".utf8))
        #expect(body.count(forRead: -1) == 10)
        var buffer = [UInt8](repeating: 0, count: 3)
        #expect(try buffer.withUnsafeMutableBytes { try body.read(into: $0) } == 3 && buffer == Array("lin".utf8))
        #expect(try body.readLine(limit: 2) == Array("e2".utf8))
        #expect(try body.read(size: -1) == Array("\nrest".utf8))
    }

    @Test func aContentLengthOfIntMaxNeverTraps() throws {
        let body = BufferedBody(BytesInput(Array("a\nb".utf8)), length: Int.max)
        #expect(try body.readLine(limit: -1) == Array("a\n".utf8))
        #expect(body.count(forRead: -1) == Int.max - 2, "the 1 byte of lookahead plus Int.max - 3 unread")
        #expect(body.count(forRead: 5) == 5)
        var buffer = [UInt8](repeating: 0, count: 5)
        #expect(try buffer.withUnsafeMutableBytes { try body.read(into: $0) } == 1, "the body ended early: what there was")
    }
}
