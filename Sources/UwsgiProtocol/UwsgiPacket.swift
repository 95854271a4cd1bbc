import BenchSupport

/// Reading and writing the vars block of a uwsgi request packet.
public enum UwsgiPacket {
    /// The most pairs uWSGI accepts (4 × max-vars, max-vars 64): the 129th is refused.
    public static let maximumPairs = 128

    /// Checks a header against uWSGI's rules before the vars are read: modifier1 must be 0, the block non-empty
    /// and at most `bufferSize` bytes.
    public static func check(_ header: UwsgiHeader, bufferSize: Int) throws {
        guard header.modifier1 == 0 else { throw UwsgiPacketError.unavailableModifier(header.modifier1) }
        guard header.datasize > 0 else { throw UwsgiPacketError.empty }
        guard header.datasize <= bufferSize else {
            throw UwsgiPacketError.blockTooLarge(size: header.datasize, maximum: bufferSize)
        }
    }

    /// The pairs of a vars block, in packet order, duplicates kept. Text is UTF-8 when valid, else Latin-1.
    public static func parseVars(_ block: UnsafeRawBufferPointer) throws -> [(name: String, value: String)] {
        var pairs: [(name: String, value: String)] = []
        _ = try parseVars(block) { pairs.append(($0, $1)) }
        return pairs
    }

    /// Calls `each` with every pair of a vars block, in packet order, and returns how many there were; checks
    /// the whole block before the first call, so a refused block delivers nothing.
    public static func parseVars(_ block: UnsafeRawBufferPointer, each: (String, String) -> Void) throws -> Int {
        try parseVars(block) { name, value in
            each(ReceivedText.decode(UnsafeRawBufferPointer(rebasing: block[name])),
                 ReceivedText.decode(UnsafeRawBufferPointer(rebasing: block[value])))
        }
    }

    /// Calls `each` with where every pair's name and value are in the block, in packet order, and returns how
    /// many there were; checks the whole block before the first call, so a refused block delivers nothing.
    public static func parseVars(_ block: UnsafeRawBufferPointer, ranges each: (Range<Int>, Range<Int>) -> Void) throws
        -> Int {
        var offset = 0
        var count = 0
        while offset < block.count {
            let key = try string(in: block, at: &offset)
            guard !key.isEmpty else { throw UwsgiPacketError.nullKey }
            _ = try string(in: block, at: &offset)
            count += 1
            guard count <= maximumPairs else { throw UwsgiPacketError.tooManyVariables }
        }
        offset = 0
        while offset < block.count {
            let key = try string(in: block, at: &offset)
            let value = try string(in: block, at: &offset)
            each(key, value)
        }
        return count
    }

    /// A whole request packet: header and vars block (the body follows separately).
    public static func encode(_ pairs: [(name: String, value: String)], modifier1: UInt8 = 0,
                              modifier2: UInt8 = 0) -> [UInt8] {
        var block: [UInt8] = []
        for (name, value) in pairs {
            for part in [Array(name.utf8), Array(value.utf8)] {
                block.append(UInt8(truncatingIfNeeded: part.count))
                block.append(UInt8(truncatingIfNeeded: part.count >> 8))
                block += part
            }
        }
        return [modifier1, UInt8(truncatingIfNeeded: block.count), UInt8(truncatingIfNeeded: block.count >> 8),
                modifier2] + block
    }

    private static func string(in block: UnsafeRawBufferPointer, at offset: inout Int) throws -> Range<Int> {
        guard offset + 2 <= block.count else { throw UwsgiPacketError.overrun(stringSize: block.count - offset) }
        let length = Int(block[offset]) | Int(block[offset + 1]) << 8
        offset += 2
        guard offset + length <= block.count else { throw UwsgiPacketError.overrun(stringSize: length) }
        defer { offset += length }
        return offset..<offset + length
    }
}
