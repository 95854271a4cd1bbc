import Foundation

/// The small statistics a benchmark comparison needs: the median, the mean and variance, the spread of a few
/// repetitions around the median, Student's t quantile for an interval of a mean, and the two-sided Mann-Whitney U test, which asks whether two sets of repetitions come from the same distribution
/// without assuming that distribution is normal (benchstat's test). Exact for small samples without ties, the
/// normal approximation with tie and continuity corrections otherwise (as SciPy's `mannwhitneyu`).
public enum Statistics {
    /// The median; 0 for an empty list.
    public static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// The arithmetic mean; 0 for an empty list.
    public static func mean(_ values: [Double]) -> Double {
        values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
    }

    /// The sample variance (divided by n − 1); 0 for fewer than two values.
    public static func variance(_ values: [Double]) -> Double {
        guard values.count > 1 else { return 0 }
        let center = mean(values)
        return values.reduce(0) { $0 + ($1 - center) * ($1 - center) } / Double(values.count - 1)
    }

    /// The largest distance of a value from the median, as a share of the median (0.03: every value within 3%);
    /// nil when the median is 0 and some value is not.
    public static func spread(_ values: [Double]) -> Double? {
        let center = median(values)
        let distance = values.map { abs($0 - center) }.max() ?? 0
        if distance == 0 { return 0 }
        return center == 0 ? nil : distance / abs(center)
    }

    /// The two-sided p-value of the Mann-Whitney U test of `a` against `b`; 1 when either is empty.
    public static func mannWhitneyP(_ a: [Double], _ b: [Double]) -> Double {
        let (n1, n2) = (a.count, b.count)
        guard n1 > 0, n2 > 0 else { return 1 }
        let ranked = ranks(a + b)
        let rankSumA = ranked.prefix(n1).reduce(0, +)
        let u1 = rankSumA - Double(n1 * (n1 + 1)) / 2
        let u = min(u1, Double(n1 * n2) - u1)
        let hasTies = Set(a + b).count < n1 + n2
        if !hasTies && n1 <= 25 && n2 <= 25 {
            return min(1, 2 * exactLowerTail(Int(u.rounded()), n1, n2))
        }
        // Normal approximation: mean n1·n2/2, variance with the tie correction, 0.5 continuity correction.
        let n = Double(n1 + n2)
        let tieTerm = tieGroups(a + b).reduce(0.0) { $0 + (pow(Double($1), 3) - Double($1)) }
        let variance = Double(n1 * n2) / 12 * ((n + 1) - tieTerm / (n * (n - 1)))
        guard variance > 0 else { return 1 }  // every value the same
        let z = (abs(u1 - Double(n1 * n2) / 2) - 0.5) / variance.squareRoot()
        return min(1, max(0, 2 * (1 - normalCDF(max(z, 0)))))
    }

    /// The smallest two-sided p-value the exact test can give for samples of these sizes: 2 / C(n1+n2, n1).
    /// When it is not below the significance level, no difference can ever be called significant.
    public static func smallestMannWhitneyP(_ n1: Int, _ n2: Int) -> Double {
        guard n1 > 0, n2 > 0 else { return 1 }
        var combinations = 1.0
        for i in 0..<min(n1, n2) { combinations = combinations * Double(n1 + n2 - i) / Double(i + 1) }
        return min(1, 2 / combinations)
    }

    /// The 97.5th percentile of Student's t distribution: the half-width, in standard errors, of a two-sided 95%
    /// interval with this many degrees of freedom (exact to three decimals up to 30, then 1.96 + 2.5/df, within
    /// 0.002 of the true value).
    public static func studentT975(degreesOfFreedom df: Int) -> Double {
        let table = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
                     2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]
        guard df >= 1 else { return .infinity }
        return df <= table.count ? table[df - 1] : 1.96 + 2.5 / Double(df)
    }

    // MARK: pieces

    /// Ranks from 1, ties sharing the mean of their ranks.
    static func ranks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && values[order[end + 1]] == values[order[start]] { end += 1 }
            let shared = Double(start + end + 2) / 2
            for position in start...end { ranks[order[position]] = shared }
            start = end + 1
        }
        return ranks
    }

    private static func tieGroups(_ values: [Double]) -> [Int] {
        Dictionary(grouping: values, by: { $0 }).values.map(\.count).filter { $0 > 1 }
    }

    /// P(U ≤ u) under the null hypothesis, counting the arrangements of n1 + n2 distinct values:
    /// f(m, n, u) = f(m-1, n, u-n) + f(m, n-1, u), over C(n1+n2, n1).
    private static func exactLowerTail(_ u: Int, _ n1: Int, _ n2: Int) -> Double {
        guard u >= 0 else { return 0 }
        // counts[m][n] is the distribution of U for sizes (m, n), as an array over u = 0...m·n.
        var counts = [[[Double]]](repeating: [[Double]](repeating: [], count: n2 + 1), count: n1 + 1)
        for m in 0...n1 {
            for n in 0...n2 {
                if m == 0 || n == 0 { counts[m][n] = [1]; continue }
                var distribution = [Double](repeating: 0, count: m * n + 1)
                for (value, count) in counts[m - 1][n].enumerated() { distribution[value + n] += count }
                for (value, count) in counts[m][n - 1].enumerated() { distribution[value] += count }
                counts[m][n] = distribution
            }
        }
        let distribution = counts[n1][n2]
        let total = distribution.reduce(0, +)
        return distribution.prefix(min(u, distribution.count - 1) + 1).reduce(0, +) / total
    }

    private static func normalCDF(_ z: Double) -> Double { 0.5 * erfc(-z / 2.squareRoot()) }
}
