/// JSON text written the way Python's `json.dumps` writes it by default (`", "` and `": "` separators,
/// non-ASCII escaped as `\uXXXX`), so the Swift app and the reference Django app answer byte for byte alike.
struct JSONText {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func number(_ value: Int64) {
        bytes.append(contentsOf: String(value).utf8)
    }

    mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        for unit in value.utf16 {
            switch unit {
            case 0x22: raw("\\\"")
            case 0x5C: raw("\\\\")
            case 0x0A: raw("\\n")
            case 0x0D: raw("\\r")
            case 0x09: raw("\\t")
            case 0x08: raw("\\b")
            case 0x0C: raw("\\f")
            case 0x20..<0x7F: bytes.append(UInt8(unit))
            default:
                raw("\\u")
                let digits: [UInt8] = Array("0123456789abcdef".utf8)
                for shift in stride(from: 12, through: 0, by: -4) { bytes.append(digits[Int(unit >> UInt16(shift) & 0xF)]) }
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Writes `{"k1": v1, "k2": v2}` with keys in the given order; `value` writes each value.
    mutating func object<Key: StringProtocol>(_ keys: [Key], value: (inout JSONText, Key) -> Void) {
        bytes.append(UInt8(ascii: "{"))
        for (index, key) in keys.enumerated() {
            if index > 0 { raw(", ") }
            string(String(key))
            raw(": ")
            value(&self, key)
        }
        bytes.append(UInt8(ascii: "}"))
    }
}
