import BenchSupport
import Testing

/// The Mann-Whitney U test against SciPy 1.17's `mannwhitneyu(a, b, alternative="two-sided")` on the same data:
/// exact without ties, the normal approximation with tie and continuity corrections otherwise.
@Suite struct StatisticsTests {
    typealias Case = (a: [Double], b: [Double], expected: Double)
    static let cases: [Case] = [
        ([1, 2, 3, 4, 5], [6, 7, 8, 9, 10], 0.007936507936507936),
        ([1, 2, 3], [4, 5, 6], 0.1),
        ([1.1, 2.3, 3.2, 4.8], [1.5, 2.1, 3.9, 4.1], 1.0),
        ([1, 2, 2, 3, 4], [2, 3, 3, 5, 6], 0.19882894401644247),
        ((0..<30).map { Double($0) }, (0..<30).map { Double($0) + 5.5 }, 0.027086318388295935),
        ([0, 0, 0, 0], [0, 0, 0, 0], 1.0),
        ([100, 101, 99, 102, 98], [80, 81, 79, 82, 78], 0.007936507936507936),
    ]

    @Test(arguments: 0..<cases.count)
    func mannWhitneyMatchesSciPy(index: Int) {
        let (a, b, expected) = Self.cases[index]
        #expect(abs(Statistics.mannWhitneyP(a, b) - expected) < 1e-9)
        #expect(abs(Statistics.mannWhitneyP(b, a) - expected) < 1e-9, "symmetric")
    }

    @Test func theSmallestReachablePValueLimitsWhatCanBeSignificant() {
        #expect(abs(Statistics.smallestMannWhitneyP(3, 3) - 0.1) < 1e-12)
        #expect(abs(Statistics.smallestMannWhitneyP(4, 4) - 2.0 / 70) < 1e-12)
        #expect(Statistics.smallestMannWhitneyP(1, 1) == 1)
        #expect(Statistics.smallestMannWhitneyP(0, 5) == 1)
    }

    @Test func medianAndSpread() {
        #expect(Statistics.median([3, 1, 2]) == 2)
        #expect(Statistics.median([4, 1, 3, 2]) == 2.5)
        #expect(Statistics.median([]) == 0)
        #expect(Statistics.spread([100, 97, 103]) == 0.03)
        #expect(Statistics.spread([5, 5]) == 0)
        #expect(Statistics.spread([0, 0, 1]) == nil)
    }

    /// Quantiles against the printed tables (scipy.stats.t.ppf to three decimals).
    @Test func quantilesOfStudentsT() {
        for (p, df, expected) in [(0.975, 1, 12.706), (0.975, 2, 4.303), (0.975, 3, 3.182), (0.975, 4, 2.776), (0.975, 8, 2.306),
                                  (0.975, 30, 2.042), (0.975, 200, 1.972), (0.975, 1998, 1.961), (0.8, 1, 1.376), (0.8, 2, 1.061), (0.8, 6, 0.906), (0.8, 8, 0.889), (0.995, 5, 4.032), (0.995, 3, 5.841),
                                  (0.95, 10, 1.812)] {
            #expect(abs(Statistics.studentTQuantile(p, degreesOfFreedom: df) - expected) < 0.0006,
                    "t(\(p), \(df)) = \(Statistics.studentTQuantile(p, degreesOfFreedom: df)), expected \(expected)")
        }
    }

    /// The textbook case: σ = 1, n = 16 each, α = 0.05, 80% power: (2.042 + 0.854) × √(2/16) ≈ 1.02; and the
    /// repetitions to detect a difference are the fewest that do.
    @Test func detectableDifferenceAndTheRepetitionsItNeeds() {
        let d = Statistics.detectableDifference(varianceA: 1, countA: 16, varianceB: 1, countB: 16, alpha: 0.05)
        #expect(abs(d - 1.024) < 0.01, "\(d)")
        #expect(Statistics.detectableDifference(varianceA: 1, countA: 1, varianceB: 1, countB: 5, alpha: 0.05) == .infinity)
        #expect(Statistics.detectableDifference(varianceA: 0, countA: 4, varianceB: 0, countB: 4, alpha: 0.05) == 0)
        let n = Statistics.repetitionsToDetect(0.5, varianceA: 1, varianceB: 1, alpha: 0.05)!
        #expect((60...66).contains(n), "about 63 per group for d = 0.5: \(n)")
        #expect(Statistics.detectableDifference(varianceA: 1, countA: n, varianceB: 1, countB: n, alpha: 0.05) <= 0.5)
        #expect(Statistics.detectableDifference(varianceA: 1, countA: n - 1, varianceB: 1, countB: n - 1, alpha: 0.05) > 0.5)
        #expect(Statistics.repetitionsToDetect(0.001, varianceA: 1, varianceB: 1, alpha: 0.05) == nil, "beyond 1000")
    }
}
