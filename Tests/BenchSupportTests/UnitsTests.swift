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
}
