import Foundation
import Histogram
@testable import LoadEngine
import Testing

@Suite struct EncodedHistogramTests {
    static func histogram(_ values: [UInt64]) -> Histogram<UInt64> {
        var h = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: ThreadRecorder.highestLatencyMicros,
                                  numberOfSignificantValueDigits: .three)
        for v in values { _ = h.record(v) }
        return h
    }

    @Test func roundTripsThroughJSON() throws {
        let original = Self.histogram((1...5000).map { UInt64($0 * 37 % 100_000 + 1) })
        let data = try JSONEncoder().encode(EncodedHistogram(original))
        let decoded = try #require(try JSONDecoder().decode(EncodedHistogram.self, from: data).decoded())
        #expect(decoded.totalCount == original.totalCount)
        for p in [50.0, 90, 99, 99.9, 100] {
            #expect(decoded.valueAtPercentile(p) == original.valueAtPercentile(p))
        }
    }

    @Test func mergesExactly() throws {
        let a = Self.histogram((1...3000).map { UInt64($0) })
        let b = Self.histogram((1...2000).map { UInt64($0 * 50) })
        var direct = a
        direct.add(b)
        let merged = try #require(EncodedHistogram(a).merged(with: EncodedHistogram(b))?.decoded())
        #expect(merged.totalCount == 5000)
        #expect(EncodedHistogram(merged) == EncodedHistogram(direct))
    }

    @Test func refusesToMergeDifferentSettings() {
        var other = EncodedHistogram(Self.histogram([5]))
        other.significantDigits = 2
        #expect(EncodedHistogram(Self.histogram([5])).merged(with: other) == nil)
    }
}
