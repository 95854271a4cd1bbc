import Foundation

/// Power: what a set of repetitions could have seen. A gate that finds no significant regression has only said
/// something when a regression of the limit's size would have been found; with a ±30% spread over four
/// repetitions, a 5% drop would not. The smallest detectable difference is the one a two-sided test at `alpha`
/// finds with probability `power` (80% by convention), from the two samples' variances and sizes, as in any
/// two-sample power analysis: (t₁₋α/₂ + t_power) × √(s₁²/n₁ + s₂²/n₂). It is the t-test's; the Mann-Whitney
/// test the comparison runs needs about 5% more repetitions for normal data, and is no worse than 0.864 of the
/// t-test's efficiency for any distribution, so the figure is a close, slightly optimistic, guide.
extension Statistics {
    /// The p-quantile of Student's t distribution, by bisection on its exact CDF (to 1e-9).
    public static func studentTQuantile(_ p: Double, degreesOfFreedom df: Int) -> Double {
        guard df >= 1, p > 0, p < 1 else { return p <= 0 ? -.infinity : .infinity }
        var (low, high) = (-1e7, 1e7)
        for _ in 0..<200 where high - low > 1e-9 {
            let middle = (low + high) / 2
            if studentTCDF(middle, degreesOfFreedom: df) < p { low = middle } else { high = middle }
        }
        return (low + high) / 2
    }

    /// P(T ≤ t) for Student's t with a whole number of degrees of freedom, from the finite sums of Abramowitz and
    /// Stegun 26.7.3 (odd) and 26.7.4 (even) in θ = atan(t/√df).
    public static func studentTCDF(_ t: Double, degreesOfFreedom df: Int) -> Double {
        let theta = atan(abs(t) / Double(df).squareRoot())
        let (sine, cosine) = (sin(theta), cos(theta))
        let squared = cosine * cosine
        var within: Double  // P(|T| ≤ |t|)
        if df % 2 == 1 {
            var term = cosine, sum = df > 1 ? cosine : 0
            var k = 3
            while k <= df - 2 {
                term *= squared * Double(k - 1) / Double(k)
                sum += term
                k += 2
            }
            within = 2 / Double.pi * (theta + sine * sum)
        } else {
            var term = 1.0, sum = 1.0
            var k = 2
            while k <= df - 2 {
                term *= squared * Double(k - 1) / Double(k)
                sum += term
                k += 2
            }
            within = sine * sum
        }
        within = min(max(within, 0), 1)
        return t >= 0 ? 0.5 + within / 2 : 0.5 - within / 2
    }

    /// The smallest difference of means a two-sided test at `alpha` finds with probability `power`, for two
    /// samples with these variances and sizes (degrees of freedom n₁ + n₂ − 2); infinite below 2 + 2.
    public static func detectableDifference(varianceA: Double, countA: Int, varianceB: Double, countB: Int,
                                            alpha: Double, power: Double = 0.8) -> Double {
        guard countA >= 2, countB >= 2 else { return .infinity }
        let df = countA + countB - 2
        let factor = studentTQuantile(1 - alpha / 2, degreesOfFreedom: df) + studentTQuantile(power, degreesOfFreedom: df)
        return factor * (varianceA / Double(countA) + varianceB / Double(countB)).squareRoot()
    }

    /// Repetitions of each sample for `difference` to become detectable with these variances; nil when more than
    /// `limit` would be needed (or the difference is 0 while the variances are not).
    public static func repetitionsToDetect(_ difference: Double, varianceA: Double, varianceB: Double, alpha: Double,
                                           power: Double = 0.8, limit: Int = 1000) -> Int? {
        var low = 2, high = limit
        func enough(_ n: Int) -> Bool {
            detectableDifference(varianceA: varianceA, countA: n, varianceB: varianceB, countB: n, alpha: alpha,
                                 power: power) <= difference
        }
        guard enough(high) else { return nil }
        while low < high {
            let middle = (low + high) / 2
            if enough(middle) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
