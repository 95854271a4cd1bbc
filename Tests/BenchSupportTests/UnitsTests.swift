import BenchSupport
import Testing

@Suite struct UnitsTests {
    @Test(arguments: [
        ("10s", UInt64(10_000_000_000)), ("500ms", 500_000_000), ("250us", 250_000), ("2m", 120_000_000_000),
        ("1h", 3_600_000_000_000), ("1.5", 1_500_000_000), ("0", 0), ("20ns", 20),
    ])
    func parsesDurations(text: String, nanoseconds: UInt64) {
        #expect(Units.parseDuration(text) == nanoseconds)
    }

    @Test(arguments: ["", "abc", "-1s", "10x", "s", "nan", "inf", "1e300h"])
    func rejectsBadDurations(text: String) {
        #expect(Units.parseDuration(text) == nil)
    }

    @Test(arguments: [("1000", 1000.0), ("10k", 10_000), ("1.5M", 1_500_000), ("2G", 2e9), ("-5", -5)])
    func parsesCounts(text: String, value: Double) {
        #expect(Units.parseCount(text) == value)
    }

    @Test(arguments: [(850.0, "850.00us"), (12_345, "12.35ms"), (1_200_000, "1.20s"), (120_000_000, "2.00m")])
    func formatsMicroseconds(micros: Double, text: String) {
        #expect(Units.formatMicroseconds(micros) == text)
    }

    @Test(arguments: [(512.0, "512B"), (1536, "1.50KiB"), (3_407_872, "3.25MiB")])
    func formatsBytes(bytes: Double, text: String) {
        #expect(Units.formatBytes(bytes) == text)
    }

    @Test func formatsFixedDigitsAsPrintfRoundsThem() {
        #expect(Units.fixed(2.345, 2) == String(format: "%.2f", 2.345))
        #expect(Units.fixed(-0.2, 0) == "-0")
        #expect(Units.fixed(3.14159, 1, width: 5) == "  3.1")
        #expect(Units.fixed(1.5, 1, signed: true) == "+1.5")
        #expect(Units.fixed(-1.5, 1, signed: true) == "-1.5")
        #expect(Units.fixed(0, 0, signed: true) == "+0")
    }

    @Test func formatsSharesSignificantDigitsPValuesAndPadding() {
        #expect(Units.percent(0.123) == "12%")
        #expect(Units.percent(0.12345, 1) == "12.3%")
        #expect(Units.significant(0.012345, 2) == "0.012")
        #expect(Units.significant(1234.4, 4) == "1234")
        #expect(Units.pValue(0.0123) == "p=0.012")
        #expect(Units.pValue(0.5, 2) == "p=0.50")
        #expect(Units.zeroPadded(7, 2) == "07")
        #expect(Units.zeroPadded(2026, 4) == "2026")
        #expect(Units.zeroPadded(123, 2) == "123")
    }

    @Test func formatsRatiosNeverAsZero() {
        #expect(Units.formatRatio(2.555) == "2.56x")
        #expect(Units.formatRatio(0.0052) == "0.0052x")
        #expect(Units.formatRatio(0.0052, plusMinus: 0.0011) == "0.0052x ± 0.0011")
    }

    @Test func writesHexDigitsZeroPadded() {
        #expect(Hex.digits(0x1f, width: 4) == "001f")
        #expect(Hex.digits(0xabcde, width: 4) == "abcde")
        #expect(Hex.digits(0, width: 2) == "00")
    }
}
