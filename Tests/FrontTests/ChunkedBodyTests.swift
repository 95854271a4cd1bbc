@testable import Front
import Testing

/// Chunked request bodies decoded as they arrive, split at every byte.
@Suite struct ChunkedBodyTests {
    static func decode(_ text: String, pieces: Int) throws -> (body: String, used: Int, done: Bool) {
        var decoder = ChunkedBody()
        var body = ByteArray(capacity: 16)
        defer { body.release() }
        let bytes = Array(text.utf8)
        var used = 0
        let step = max(1, bytes.count / pieces)
        var start = 0
        while start < bytes.count, !decoder.isDone {
            let end = min(bytes.count, start + step)
            used += try bytes[start..<end].withUnsafeBytes { try decoder.feed($0, into: &body) }
            start = end
        }
        return (String(decoding: body.bytes, as: UTF8.self), used, decoder.isDone)
    }

    @Test(arguments: [1, 3, 1000])
    func chunksAndTrailersAreDecodedWhateverTheSplit(pieces: Int) throws {
        let text = "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: y\r\n\r\nGET /next"
        let (body, used, done) = try Self.decode(text, pieces: pieces)
        #expect(body == "hello world" && done)
        #expect(used == text.utf8.count - "GET /next".utf8.count, "the next request is left alone")
    }

    @Test(arguments: ["zz\r\n", "5\r\nhelloXX", "\r\n", "1234567890abcdef0\r\n"])
    func malformedChunksAreRefused(text: String) {
        #expect(throws: ChunkedBody.Failure.self) { try Self.decode(text, pieces: 1) }
    }
}
