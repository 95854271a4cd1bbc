import BenchSupport
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

    /// The largest settings read back from a file: HdrHistogram traps beyond its own bounds, and a highest value
    /// of 2^62 µs (146,000 years) already takes 48 MB of buckets.
    static let largestLowest: UInt64 = 1 << 40
    static let largestHighest: UInt64 = 1 << 62

    /// Rebuilds the histogram; nil when the settings are not ones HdrHistogram accepts, or the counts add up past
    /// Int.max (a result file is input: nothing in it may trap).
    public func decoded() -> Histogram<UInt64>? {
        guard let digits = SignificantDigits(rawValue: Int8(clamping: significantDigits)), lowest >= 1,
              lowest <= Self.largestLowest, highest <= Self.largestHighest, highest / 2 >= lowest,
              totalCount != nil, valuesSumWithinBounds
        else { return nil }
        var histogram = Histogram<UInt64>(lowestDiscernibleValue: lowest, highestTrackableValue: highest,
                                          numberOfSignificantValueDigits: digits)
        for pair in counts {
            guard pair.count == 2, histogram.record(min(pair[0], highest), count: pair[1]) else { return nil }
        }
        return histogram
    }

    /// Whether every value times its count, summed, fits a UInt64 (HdrHistogram sums them so as it iterates, and
    /// traps past it): each value taken at twice its size, the most its bucket's highest equivalent can be.
    private var valuesSumWithinBounds: Bool { Self.valuesSum(of: [self]) != nil }

    private static func valuesSum(of histograms: [EncodedHistogram]) -> UInt64? {
        var sum: UInt64 = 0
        for histogram in histograms {
            for pair in histogram.counts where pair.count == 2 {
                let (doubled, big) = min(pair[0], histogram.highest).multipliedReportingOverflow(by: 2)
                let (product, over) = pair[1].multipliedReportingOverflow(by: max(doubled, 1))
                let (next, past) = sum.addingReportingOverflow(product)
                guard !big, !over, !past else { return nil }
                sum = next
            }
        }
        return sum
    }

    /// Whether `histograms` add up into one HdrHistogram holds: the counts within Int.max, the values' sum within
    /// a UInt64.
    public static func canAdd(_ histograms: [EncodedHistogram]) -> Bool {
        var total = 0
        for histogram in histograms {
            guard let count = histogram.totalCount, let next = CheckedArithmetic.sum(total, count) else { return false }
            total = next
        }
        return valuesSum(of: histograms) != nil
    }

    /// The number of values recorded; nil when a pair is malformed or the sum passes Int.max.
    public var totalCount: Int? {
        var total = 0
        for pair in counts {
            guard pair.count == 2, pair[1] <= UInt64(Int.max), let sum = CheckedArithmetic.sum(total, Int(pair[1])) else { return nil }
            total = sum
        }
        return total
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
        guard hasSameLayout(as: other), Self.canAdd([self, other]), var mine = decoded(), let theirs = other.decoded()
        else { return nil }
        mine.add(theirs)
        return EncodedHistogram(mine)
    }
}
