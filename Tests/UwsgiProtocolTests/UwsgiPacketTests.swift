import Testing
import UwsgiProtocol

@Suite struct UwsgiPacketTests {
    /// The spec's example packet (shared/spec/uwsgi-protocol.md §2.2), which real uWSGI answered with 200.
    static let example: [UInt8] = [
        0x00, 0x56, 0x00, 0x00, 0x0e, 0x00] + Array("REQUEST_METHOD".utf8) + [0x04, 0x00] + Array("POST".utf8)
        + [0x09, 0x00] + Array("PATH_INFO".utf8) + [0x05, 0x00] + Array("/post".utf8)
        + [0x0f, 0x00] + Array("SERVER_PROTOCOL".utf8) + [0x08, 0x00] + Array("HTTP/1.1".utf8)
        + [0x0e, 0x00] + Array("CONTENT_LENGTH".utf8) + [0x01, 0x00] + Array("5".utf8)

    static func vars(_ packet: [UInt8]) throws -> [(name: String, value: String)] {
        try packet.withUnsafeBytes { try UwsgiPacket.parseVars(UnsafeRawBufferPointer(rebasing: $0[4...])) }
    }

    @Test func theSpecExampleDecodesAndReencodesByteForByte() throws {
        let header = Self.example.withUnsafeBytes { UwsgiHeader($0) }
        #expect(header == UwsgiHeader(modifier1: 0, datasize: 86, modifier2: 0))
        #expect(Self.example.count == 4 + 86)
        let pairs = try Self.vars(Self.example)
        #expect(pairs.map(\.name) == ["REQUEST_METHOD", "PATH_INFO", "SERVER_PROTOCOL", "CONTENT_LENGTH"])
        #expect(pairs.map(\.value) == ["POST", "/post", "HTTP/1.1", "5"])
        #expect(UwsgiPacket.encode(pairs) == Self.example)
    }

    @Test func emptyValuesDuplicatesAndLatin1Survive() throws {
        let packet = UwsgiPacket.encode([("CONTENT_TYPE", ""), ("HTTP_X_DUP", "1"), ("HTTP_X_DUP", "2"), ("PATH_INFO", "/café")])
        let pairs = try Self.vars(packet)
        #expect(pairs.map(\.value) == ["", "1", "2", "/café"])
        var latin1 = UwsgiPacket.encode([("K", "x")])
        latin1[latin1.count - 1] = 0xE9
        #expect(try Self.vars(latin1)[0].value == "é", "bytes that are not UTF-8 read as Latin-1")
    }

    @Test(arguments: [
        (UwsgiHeader(modifier1: 0, datasize: 5054), UwsgiPacketError.blockTooLarge(size: 5054, maximum: 4096),
         "invalid request block size: 5054 (max 4096)...skip"),
        (UwsgiHeader(modifier1: 0, datasize: 0), .empty, "Empty python request. skip."),
        (UwsgiHeader(modifier1: 5, datasize: 10), .unavailableModifier(5), "-- unavailable modifier requested: 5 --"),
    ])
    func headersAreCheckedAsUwsgiChecksThem(header: UwsgiHeader, error: UwsgiPacketError, log: String) {
        #expect(throws: error) { try UwsgiPacket.check(header, bufferSize: 4096) }
        #expect(error.description == log)
    }

    @Test func aBlockAtTheLimitIsAccepted() throws {
        try UwsgiPacket.check(UwsgiHeader(datasize: 4096), bufferSize: 4096)
        try UwsgiPacket.check(UwsgiHeader(datasize: 65535), bufferSize: 65535)
    }

    @Test(arguments: [
        ([0x00, 0x00, 0x01, 0x00, 0x41], UwsgiPacketError.nullKey),
        ([0x01, 0x00, 0x41, 0x05, 0x00, 0x61], .overrun(stringSize: 5)),
        ([0x05, 0x00, 0x41], .overrun(stringSize: 5)),
        ([0x01, 0x00, 0x41], .overrun(stringSize: 0)),
        ([0x01], .overrun(stringSize: 1)),
    ] as [([UInt8], UwsgiPacketError)])
    func malformedBlocksAreRefused(block: [UInt8], error: UwsgiPacketError) {
        #expect(throws: error) { try block.withUnsafeBytes { try UwsgiPacket.parseVars($0) } }
    }

    @Test func theHundredAndTwentyNinthPairIsOneTooMany() throws {
        let allowed = (0..<128).map { (name: "K\($0)", value: "v") }
        #expect(try Self.vars(UwsgiPacket.encode(allowed)).count == 128)
        #expect(throws: UwsgiPacketError.tooManyVariables) { try Self.vars(UwsgiPacket.encode(allowed + [("X", "y")])) }
    }

    @Test func randomBytesNeverCrash() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let block = (0..<Int.random(in: 0..<64, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = try? block.withUnsafeBytes { try UwsgiPacket.parseVars($0) }
        }
    }
}
