import Foundation

/// Parsing and printing of the numbers people type and read: durations, byte sizes, rates, ratios, shares. The one
/// home of number formatting: the rest of stackbench builds its sentences by interpolation and asks Units for the
/// digits, so a number reads the same in the terminal, the reports and the logs.
public enum Units {
    /// Parses a duration: `10s`, `500ms`, `250us`, `2m`, `1h`, or a bare number of seconds (`1.5`).
    /// Returns nanoseconds, or nil when the text is not a duration.
    public static func parseDuration(_ text: String) -> UInt64? {
        let suffixes: [(String, Double)] = [("ms", 1e6), ("us", 1e3), ("µs", 1e3), ("ns", 1), ("s", 1e9),
                                             ("m", 60e9), ("h", 3600e9)]
        var number = Substring(text.trimmingCharacters(in: .whitespaces))
        var scale = 1e9
        for (suffix, factor) in suffixes where number.hasSuffix(suffix) {
            number = number.dropLast(suffix.count)
            scale = factor
            break
        }
        guard let value = Double(number), value.isFinite, value >= 0 else { return nil }
        let nanos = value * scale
        guard nanos < Double(UInt64.max / 2) else { return nil }
        return UInt64(nanos.rounded())
    }

    /// Parses a count with an optional k/M/G suffix (powers of 1000): `1000`, `10k`, `1.5M`.
    public static func parseCount(_ text: String) -> Double? {
        var number = Substring(text.trimmingCharacters(in: .whitespaces))
        var scale = 1.0
        if let last = number.last, let factor = ["k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9][last] {
            number = number.dropLast()
            scale = factor
        }
        guard let value = Double(number), value.isFinite else { return nil }
        return value * scale
    }

    /// A whole number of something (req/s, requests), rounded: `1234`.
    public static func formatWhole(_ value: Double) -> String { fixed(value, 0) }

    /// One decimal: `1.4`.
    public static func formatTenths(_ value: Double) -> String { fixed(value, 1) }

    /// `value` with `digits` decimals, as printf's `%.Nf` rounds it (`fixed(2.345, 2)` is `2.35`, `fixed(-0.2, 0)`
    /// is `-0`); `width` pads it on the left with spaces, `signed` writes a `+` before a positive number.
    public static func fixed(_ value: Double, _ digits: Int, width: Int = 0, signed: Bool = false) -> String {
        String(format: "%\(signed ? "+" : "")\(width > 0 ? String(width) : "").\(digits)f", value)
    }

    /// A share of 1 as a percentage: `percent(0.123)` is `12%`.
    public static func percent(_ share: Double, _ digits: Int = 0) -> String { fixed(share * 100, digits) + "%" }

    /// `value` to `digits` significant digits, as printf's `%.Ng` writes it: `significant(0.012345, 2)` is `0.012`.
    public static func significant(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)g", value) }

    /// A p-value as the tables quote it: `p=0.012`.
    public static func pValue(_ p: Double, _ digits: Int = 3) -> String { "p=" + fixed(p, digits) }

    /// A whole number padded with zeros to `width` digits: `zeroPadded(7, 2)` is `07`, `zeroPadded(-7, 3)` is `-07`.
    public static func zeroPadded(_ value: Int, _ width: Int) -> String { String(format: "%0\(width)d", value) }

    /// A ratio of two rates: `2.56x`; under 0.1, two significant digits (`0.0052x`), never `0.00x`.
    public static func formatRatio(_ ratio: Double) -> String {
        ratio > 0 && ratio < 0.1 ? significant(ratio, 2).replacingOccurrences(of: "e-0", with: "e-") + "x" : fixed(ratio, 2) + "x"
    }

    /// A ratio with its uncertainty: `2.56x ± 0.12`, the ± in the ratio's own digits.
    public static func formatRatio(_ ratio: Double, plusMinus: Double?) -> String {
        guard let plusMinus else { return formatRatio(ratio) }
        let digits = ratio > 0 && ratio < 0.1 ? max(2, Int((-log10(ratio)).rounded(.up)) + 1) : 2
        return formatRatio(ratio) + " ± " + fixed(plusMinus, digits)
    }

    /// Formats microseconds for a person: `850.00us`, `12.35ms`, `1.20s`, `2.00m`.
    public static func formatMicroseconds(_ micros: Double) -> String {
        switch micros {
        case ..<1_000: return fixed(micros, 2) + "us"
        case ..<1_000_000: return fixed(micros / 1e3, 2) + "ms"
        case ..<60_000_000: return fixed(micros / 1e6, 2) + "s"
        default: return fixed(micros / 60e6, 2) + "m"
        }
    }

    /// Formats a byte count with binary prefixes: `512B`, `1.50KiB`, `3.25MiB`, `1.00GiB`.
    public static func formatBytes(_ bytes: Double) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = bytes
        var index = 0
        while value >= 1024 && index < units.count - 1 {
            value /= 1024
            index += 1
        }
        return index == 0 ? formatWhole(value) + units[0] : fixed(value, 2) + units[index]
    }

    /// Formats a count with a k/M suffix: `950`, `12.35k`, `1.20M`.
    public static func formatCount(_ count: Double) -> String {
        switch count {
        case ..<10_000: return formatWhole(count)
        case ..<10_000_000: return fixed(count / 1e3, 2) + "k"
        default: return fixed(count / 1e6, 2) + "M"
        }
    }
}
