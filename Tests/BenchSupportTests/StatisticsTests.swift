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
}
