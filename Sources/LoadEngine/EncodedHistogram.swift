import Histogram

/// An HdrHistogram in result.json: its settings and the sparse list of non-empty buckets as [value, count]
/// pairs. Decoding and re-recording the pairs rebuilds the same buckets, so histograms from several runs or
/// machines merge exactly (`merged(with:)`). The first pair carries the exact minimum and the last the exact
/// maximum recorded (each lies in its bucket), which HdrHistogram clamps percentiles to.
public struct EncodedHistogram: Codable, Sendable, Equatable {
    /// Smallest value told apart from 0, µs.
    public var lowest: UInt64
    /// Largest value tracked, µs; larger values were clamped to it.
    public var highest: UInt64
    /// Significant decimal digits kept (1 to 5).
    public var significantDigits: Int
    /// Non-empty buckets, ascending: a value in the bucket (µs) and the bucket's count.
    public var counts: [[UInt64]]

    /// Encodes `histogram`.
    public init(_ histogram: Histogram<UInt64>) {
        lowest = histogram.lowestDiscernibleValue
        highest = histogram.highestTrackableValue
        significantDigits = Int(histogram.numberOfSignificantValueDigits.rawValue)
        var pairs = histogram.recordedValues().map { [histogram.lowestEquivalentForValue($0.value), UInt64($0.count)] }
        if !pairs.isEmpty {
            pairs[0][0] = histogram.min
            pairs[pairs.count - 1][0] = histogram.maxRecorded
        }
        counts = pairs
    }

    /// Rebuilds the histogram; nil when the settings are not ones HdrHistogram accepts.
    public func decoded() -> Histogram<UInt64>? {
        guard let digits = SignificantDigits(rawValue: Int8(clamping: significantDigits)), lowest >= 1,
              highest >= 2 * lowest
        else { return nil }
        var histogram = Histogram<UInt64>(lowestDiscernibleValue: lowest, highestTrackableValue: highest,
                                          numberOfSignificantValueDigits: digits)
        for pair in counts {
            guard pair.count == 2, histogram.record(min(pair[0], highest), count: pair[1]) else { return nil }
        }
        return histogram
    }

    /// The values (µs) at the given percentiles (0...100), in order; empty when the histogram is empty or invalid.
    public func values(atPercentiles percentiles: [Double]) -> [Double] {
        guard let histogram = decoded(), histogram.totalCount > 0 else { return [] }
        return percentiles.map { Double(histogram.valueAtPercentile($0)) }
    }

    /// Whether `other`'s buckets are these ones (the same range and significant digits), so the two add exactly.
    public func hasSameLayout(as other: EncodedHistogram) -> Bool {
        lowest == other.lowest && highest == other.highest && significantDigits == other.significantDigits
    }

    /// The exact merge of two encoded histograms with the same settings; nil when they differ or are invalid.
    public func merged(with other: EncodedHistogram) -> EncodedHistogram? {
        guard hasSameLayout(as: other), var mine = decoded(), let theirs = other.decoded()
        else { return nil }
        mine.add(theirs)
        return EncodedHistogram(mine)
    }
}
