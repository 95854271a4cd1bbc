import Foundation

/// A byte buffer allocated once and reused request after request (a connection's input and output, a loop's
/// access-log buffer): appends grow it rarely and never shrink it, so a keep-alive request costs no allocation.
/// The owner calls `release()` once; it is not copied (copies would share the storage).
struct ByteArray {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int
    var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    func release() { base.deallocate() }

    var isEmpty: Bool { count == 0 }
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }
    /// The free space after the bytes.
    var tail: UnsafeMutableRawPointer { UnsafeMutableRawPointer(base + count) }
    var room: Int { capacity - count }

    subscript(_ index: Int) -> UInt8 { base[index] }

    func slice(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count)
    }

    /// Makes room for `extra` more bytes, doubling as needed.
    mutating func reserve(_ extra: Int) {
        guard count + extra > capacity else { return }
        var grown = capacity * 2
        while grown < count + extra { grown *= 2 }
        let fresh = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
        fresh.update(from: base, count: count)
        base.deallocate()
        base = fresh
        capacity = grown
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        reserve(bytes.count)
        UnsafeMutableRawPointer(base + count).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        count += bytes.count
    }

    mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    mutating func append(_ byte: UInt8) {
        reserve(1)
        base[count] = byte
        count += 1
    }

    /// A static string's bytes (literals are stored as UTF-8, so this copies without transcoding).
    mutating func append(_ text: StaticString) {
        append(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    /// A non-negative integer in decimal, or in lower-case hexadecimal.
    mutating func append(decimal value: Int) { append(value, radix: 10) }
    mutating func append(hex value: Int) { append(value, radix: 16) }

    private mutating func append(_ value: Int, radix: Int) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of stack, enough for any Int in base 10
        var length = 0
        withUnsafeMutableBytes(of: &digits) { scratch in
            var rest = UInt(max(0, value))
            repeat {
                let digit = UInt8(rest % UInt(radix))
                scratch[23 - length] = digit < 10 ? 48 + digit : 87 + digit
                length += 1
                rest /= UInt(radix)
            } while rest > 0
            append(UnsafeRawBufferPointer(rebasing: scratch[(24 - length)...]))
        }
    }

    /// Drops the first `n` bytes, moving the rest to the front (a pipelined request after the one just read).
    mutating func removeFirst(_ n: Int) {
        guard n > 0 else { return }
        if n < count { UnsafeMutableRawPointer(base).copyMemory(from: base + n, byteCount: count - n) }
        count = max(0, count - n)
    }

    mutating func removeAll() { count = 0 }

    /// Drops `range`, moving what follows it down.
    mutating func remove(_ range: Range<Int>) {
        guard !range.isEmpty else { return }
        if range.upperBound < count { UnsafeMutableRawPointer(base + range.lowerBound).copyMemory(from: base + range.upperBound, byteCount: count - range.upperBound) }
        count -= range.count
    }
}

extension UnsafeRawBufferPointer {
    /// Byte-for-byte equality with ASCII letters compared case-insensitively (header names).
    func equalsIgnoringCase(_ other: UnsafeRawBufferPointer) -> Bool {
        guard count == other.count else { return false }
        for index in 0..<count {
            let (a, b) = (self[index], other[index])
            if a != b, !(a.isLetter && a | 0x20 == b | 0x20) { return false }
        }
        return true
    }

    func equals(_ text: StaticString) -> Bool {
        count == text.utf8CodeUnitCount && (count == 0 || memcmp(baseAddress!, text.utf8Start, count) == 0)
    }

    func equalsIgnoringCase(_ text: StaticString) -> Bool {
        equalsIgnoringCase(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// The bytes without leading and trailing spaces and tabs.
    var trimmed: UnsafeRawBufferPointer {
        var start = 0, end = count
        while start < end, self[start] == 0x20 || self[start] == 0x09 { start += 1 }
        while end > start, self[end - 1] == 0x20 || self[end - 1] == 0x09 { end -= 1 }
        return UnsafeRawBufferPointer(rebasing: self[start..<end])
    }

    /// A decimal number of at most 18 digits, nothing else; nil otherwise.
    var decimalValue: Int? {
        guard !isEmpty, count <= 18 else { return nil }
        var value = 0
        for byte in self {
            guard byte >= 48, byte <= 57 else { return nil }
            value = value * 10 + Int(byte - 48)
        }
        return value
    }

    var string: String { String(decoding: self, as: UTF8.self) }
}

extension UInt8 {
    var isLetter: Bool { (self | 0x20) >= 0x61 && (self | 0x20) <= 0x7A }
}
