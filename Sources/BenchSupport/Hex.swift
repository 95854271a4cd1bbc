/// Hexadecimal digits, for percent-decoding (the front's request paths, the app interface's query strings) and
/// anything else that reads `%XX`.
public enum Hex {
    /// The value of one hex digit (either case), nil for any other byte.
    @inlinable
    public static func value(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// `value` in lower-case hex digits, zero-padded to `width`: `digits(0x1f, width: 4)` is `001f` (JSON's `\u001f`).
    public static func digits(_ value: UInt32, width: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
