@testable import History
import Testing

/// The change point search against Apache Otava's own answers on fixed data: the expected indices and p-values
/// below are what `otava.analysis.compute_change_points` (apache-otava from PyPI) returns for the same series,
/// one value per run as Otava's points are.
@Suite struct ChangePointsTests {
    static func find(_ values: [Double], window: Int = 50, pValue: Double = 0.001, magnitude: Double = 0.05) -> [ChangePoint] {
        ChangePoints.find(in: values.map { [$0] }, options: ChangePointOptions(window: window, maxPValue: pValue, minMagnitude: magnitude))
    }

    /// Otava's tests/analysis_test.py test_single_series: a step down by half at index 10, an outlier (1.12) before.
    static let step = [1.02, 0.95, 0.99, 1.00, 1.12, 1.00, 1.01, 0.98, 1.01, 0.96, 0.50, 0.51, 0.48, 0.48, 0.55, 0.50, 0.49, 0.51, 0.50, 0.49]

    @Test func aStepIsOneChangeWhereOtavaFindsIt() {
        for (window, pValue) in [(10, 0.0001), (50, 0.001)] {
            let points = Self.find(Self.step, window: window, pValue: pValue)
            #expect(points.map(\.run) == [10], "window \(window)")
            #expect(abs(points[0].pValue / 1.43e-17 - 1) < 0.05, "Otava: 1.43e-17, got \(points[0].pValue)")
            #expect(abs(points[0].meanBefore - 1.004) < 1e-9 && abs(points[0].meanAfter - 0.501) < 1e-9)
        }
    }

    /// A drift of +1% a run over 30 runs with ±1.3% of noise (Python's random, seed 7): Otava cuts it in three, at 7 and
    /// 16, with any window. (A drift of exactly equal steps is a poor test: its many splits of equal merit are
    /// told apart by rounding, differently in numpy's sums and these.)
    static let drift = [0.9954, 1.0009, 1.0239, 1.0189, 1.0409, 1.0465, 1.0485, 1.0702, 1.068, 1.0883, 1.0888, 1.0994, 1.118, 1.1385,
                        1.1302, 1.1428, 1.1633, 1.1816, 1.182, 1.1873, 1.2124, 1.1982, 1.2293, 1.2245, 1.2308, 1.2401, 1.255, 1.2782,
                        1.2717, 1.2921]

    @Test func aDriftIsCutWhereOtavaCutsIt() {
        for window in [50, 10] {
            let points = Self.find(Self.drift, window: window)
            #expect(points.map(\.run) == [7, 16], "window \(window): \(points)")
            #expect(points.count == 2 && abs(points[0].pValue / 1.808e-4 - 1) < 0.01 && abs(points[1].pValue / 6.057e-8 - 1) < 0.01, "\(points)")
        }
    }

    @Test func oneOutlierIsNoChange() {
        #expect(Self.find([1.00, 1.01, 0.99, 1.02, 0.98, 1.00, 1.60, 1.01, 0.99, 1.00, 1.02, 0.98, 1.01, 0.99, 1.00]).isEmpty)
    }

    /// Otava's tests/change_point_divisive_test.py: two steps, found with the t test at p < 0.01.
    @Test func twoStepsAsOtavasDivisiveTest() {
        let points = Self.find([0.3, 2.4, 1.5, -0.9, -0.5, 99.7, 98.3, 99.1, 149.0, 149.7, 149.5, 149.1, 148.8, 150.0], pValue: 0.01, magnitude: 0)
        #expect(points.map(\.run) == [5, 8], "\(points)")
    }

    /// Otava's test_significance_tester: no difference (p about 1), then a 20% drop (p < 0.001).
    @Test func theTTestIsOtavas() {
        let same = StudentT.twoSidedP([1.00, 1.02, 1.05, 0.95, 0.98], [1.00, 1.02, 1.05, 0.95, 0.98])
        #expect(same > 0.99 && same <= 1)
        let drop = StudentT.twoSidedP([1.00, 1.02, 1.05, 0.95, 0.98], [0.80, 0.82, 0.85, 0.79, 0.77])
        #expect(drop > 0 && drop < 0.001)
    }

    /// Runs of several repetitions: the split is at a run, never inside one; runs that differ from each other by
    /// more than their repetitions do (an ordinary run-to-run difference) are no change, however tight each run is.
    @Test func repetitionsOfARunStayTogetherAndRunToRunNoiseIsNoChange() {
        let stepped = (0..<12).map { run in (0..<3).map { 1000.0 * (run < 7 ? 1 : 0.5) + Double($0) } }
        #expect(ChangePoints.find(in: stepped).map(\.run) == [7])
        let wobbly = [1000.0, 1080, 960, 1050, 990, 1070, 940, 1030, 1000, 1060].map { mean in [mean - 1, mean, mean + 1] }
        #expect(ChangePoints.find(in: wobbly).isEmpty, "runs 6% apart, each within ±0.1%")
    }

    @Test func tooFewRunsHaveNoChange() {
        #expect(ChangePoints.find(in: []).isEmpty && ChangePoints.find(in: [[1, 2, 3]]).isEmpty)
        #expect(ChangePoints.find(in: [[1000, 1001], [500, 501]]).isEmpty, "1 run against 1: no run-to-run noise to test against")
    }
}
