import BenchSupport
import Foundation

/// Change points in a series of runs, found as Apache Otava (ex Hunter: Fleming et al., ICPE 2023) finds them:
/// E-divisive means (Matteson and James 2014) proposes where the series splits best, a two-sided Student's t test
/// instead of a permutation test says whether the split is significant, so the answer is deterministic. Two passes:
/// sliding windows of `window` runs (half a window apart) collect "weak" change points at a relaxed p-value (10x
/// the limit under 0.05), then the weakest are merged away, each removal recomputing its neighbours, until every
/// change left is under `maxPValue` and moves the mean by more than `minMagnitude`.
///
/// The series holds every repetition of every run, in run order; a change point is a run, never a place between
/// two repetitions of one run (the candidates are the runs' first repetitions; a segment is whole runs). E-divisive
/// weighs every repetition; the t test compares the runs' means (each over all its repetitions), because the
/// repetitions of one run share that run's machine and moment: counted as independent points they would call the
/// ordinary difference between two runs a change. With one value per run, as Otava's points are, the two agree.
@PublicInit
public struct ChangePointOptions: Sendable, Equatable {
    /// Runs per sliding window (Otava's window is 50 points; here it counts runs, each of several repetitions).
    public var window = 30
    public var maxPValue = 0.001
    /// The smallest relative change of the mean kept: max(|after/before - 1|, |before/after - 1|).
    public var minMagnitude = 0.05

    /// The p-value of the first pass, as Otava relaxes it.
    var firstPassPValue: Double {
        maxPValue < 0.05 ? maxPValue * 10 : maxPValue < 0.5 ? maxPValue * 2 : maxPValue
    }
}

/// A split of the series: the runs before `run` against the runs from it to the next change point.
public struct ChangePoint: Sendable, Equatable {
    /// The first run after the change (index into the series' runs).
    public var run: Int
    public var pValue: Double
    public var meanBefore: Double
    public var meanAfter: Double

    /// How far the mean moved, either way round: max(|after/before - 1|, |before/after - 1|).
    public var magnitude: Double {
        let forward = meanBefore == 0 ? 0 : meanAfter / meanBefore - 1
        let backward = meanAfter == 0 ? 0 : meanBefore / meanAfter - 1
        return max(abs(forward), abs(backward))
    }
}

public enum ChangePoints {
    /// The change points of `runs` (each run's repetitions), in run order.
    public static func find(in runs: [[Double]], options: ChangePointOptions = .init()) -> [ChangePoint] {
        let series = RunSeries(runs)
        guard series.runCount >= 2 else { return [] }
        let weak = split(series, options: options)
        return merge(weak, series, options: options)
    }

    /// The first pass: hierarchical E-divisive in each window, the union of what the windows find.
    static func split(_ series: RunSeries, options: ChangePointOptions) -> [ChangePoint] {
        let window = max(2, options.window)
        let step = max(1, window / 2)
        var found = Set<Int>()
        var start = 0
        while start < series.runCount {
            let end = min(start + window, series.runCount)
            let points = divide(series, runs: start..<end, maxPValue: options.firstPassPValue)
            points.forEach { found.insert($0) }
            start = max(points.last ?? 0, start + step)
        }
        let runs = found.sorted()
        return runs.indices.map { series.changePoint(at: runs[$0], from: $0 > 0 ? runs[$0 - 1] : 0, to: $0 + 1 < runs.count ? runs[$0 + 1] : series.runCount) }
    }

    /// E-divisive over `runs`: the best split of any segment, while it is significant; the change points found.
    static func divide(_ series: RunSeries, runs: Range<Int>, maxPValue: Double) -> [Int] {
        let distances = PairDistances(series, runs: runs)
        var points: [Int] = []
        while true {
            let bounds = [runs.lowerBound] + points + [runs.upperBound]
            var best: (run: Int, q: Double, segment: Range<Int>)?
            for (low, high) in zip(bounds, bounds.dropFirst()) where high - low >= 2 {
                if let candidate = distances.bestSplit(runs: low..<high), candidate.q > (best?.q ?? -.infinity) {
                    best = (candidate.run, candidate.q, low..<high)
                }
            }
            guard let best else { return points }
            let point = series.changePoint(at: best.run, from: best.segment.lowerBound, to: best.segment.upperBound)
            guard point.pValue <= maxPValue else { return points }
            points.append(best.run)
            points.sort()
        }
    }

    /// The second pass: the weakest change (the highest p-value over the limit, else the smallest move under the
    /// magnitude) goes, its neighbours are measured again without it, until all left hold both limits.
    static func merge(_ points: [ChangePoint], _ series: RunSeries, options: ChangePointOptions) -> [ChangePoint] {
        var points = points
        while !points.isEmpty {
            var weakest = points.indices.max { points[$0].pValue < points[$1].pValue }!
            if points[weakest].pValue < options.maxPValue {
                weakest = points.indices.min { points[$0].magnitude < points[$1].magnitude }!
                if points[weakest].magnitude > options.minMagnitude { return points }
            }
            points.remove(at: weakest)
            // Otava recomputes the change that took the removed one's place and the one after it (not the one
            // before, whose stretch also grew); done the same so that the answers are Otava's.
            for index in [weakest, weakest + 1] where points.indices.contains(index) {
                points[index] = series.changePoint(at: points[index].run, from: index > 0 ? points[index - 1].run : 0,
                                                   to: index + 1 < points.count ? points[index + 1].run : series.runCount)
            }
        }
        return points
    }
}

/// Every repetition of every run, flat, with where each run starts, and each run's mean.
struct RunSeries {
    let values: [Double]
    let runMeans: [Double]
    /// starts[r] is the index of run r's first value; starts[runCount] is values.count.
    let starts: [Int]
    var runCount: Int { starts.count - 1 }

    init(_ runs: [[Double]]) {
        values = runs.flatMap { $0 }
        runMeans = runs.map { Statistics.mean($0) }
        var starts = [0]
        for run in runs { starts.append(starts.last! + run.count) }
        self.starts = starts
    }

    func points(_ runs: Range<Int>) -> ArraySlice<Double> { values[starts[runs.lowerBound]..<starts[runs.upperBound]] }

    /// The t test of runs `from..<run` against `run..<to`, over their means.
    func changePoint(at run: Int, from: Int, to: Int) -> ChangePoint {
        let (before, after) = (runMeans[from..<run], runMeans[run..<to])
        return ChangePoint(run: run, pValue: StudentT.twoSidedP(before, after), meanBefore: Statistics.mean(Array(before)),
                           meanAfter: Statistics.mean(Array(after)))
    }
}

/// |x_i - x_j| summed over rectangles of the window's points in O(1), from a 2-D prefix sum: what E-divisive's
/// Q statistic needs for every split (τ) and end (κ) of a segment.
struct PairDistances {
    let series: RunSeries
    let first: Int
    let count: Int
    /// prefix[(i) * (count + 1) + j]: the sum of |x_a - x_b| over a < i, b < j (window-relative indices).
    let prefix: [Double]

    init(_ series: RunSeries, runs: Range<Int>) {
        self.series = series
        first = series.starts[runs.lowerBound]
        let points = Array(series.points(runs))
        count = points.count
        var prefix = [Double](repeating: 0, count: (count + 1) * (count + 1))
        let width = count + 1
        for i in 0..<count {
            var row = 0.0
            for j in 0..<count {
                row += abs(points[i] - points[j])
                prefix[(i + 1) * width + j + 1] = prefix[i * width + j + 1] + row
            }
        }
        self.prefix = prefix
    }

    /// Σ |x_a - x_b| for a in rows, b in columns (series indices).
    func sum(_ rows: Range<Int>, _ columns: Range<Int>) -> Double {
        let width = count + 1
        let (r0, r1, c0, c1) = (rows.lowerBound - first, rows.upperBound - first, columns.lowerBound - first, columns.upperBound - first)
        return prefix[r1 * width + c1] - prefix[r0 * width + c1] - prefix[r1 * width + c0] + prefix[r0 * width + c0]
    }

    /// Q(X, Y) = n·m/(n+m) · Ê(X, Y), with Ê the energy distance of Matteson and James (α = 1): twice the mean
    /// distance between X and Y less the mean distance within each.
    func q(_ x: Range<Int>, _ y: Range<Int>) -> Double {
        let (n, m) = (Double(x.count), Double(y.count))
        var q = 2 / (n + m) * sum(x, y)
        if n > 1 { q -= 2 * m / ((n + m) * (n - 1)) * sum(x, x) / 2 }
        if m > 1 { q -= 2 * n / ((n + m) * (m - 1)) * sum(y, y) / 2 }
        return q
    }

    /// The run of `runs` (not its first) that starts the most different stretch after it, over every end of that
    /// stretch (κ): E-divisive's candidate.
    func bestSplit(runs: Range<Int>) -> (run: Int, q: Double)? {
        var best: (run: Int, q: Double)?
        let starts = series.starts
        for split in (runs.lowerBound + 1)..<runs.upperBound {
            for end in (split + 1)...runs.upperBound {
                let value = q(starts[runs.lowerBound]..<starts[split], starts[split]..<starts[end])
                if value > (best?.q ?? -.infinity) { best = (split, value) }
            }
        }
        return best
    }
}

/// Student's two-sample t test (pooled variance, two-sided), as Otava's significance test computes it: each side's
/// standard deviation is numpy's default (divided by n, not n - 1) handed to scipy's `ttest_ind_from_stats`, which
/// takes it for the sample's. The p-value comes from the regularised incomplete beta function, so that a clear step
/// gets its tiny p (1e-17) rather than 1 - 1 = 0.
enum StudentT {
    static func twoSidedP(_ a: ArraySlice<Double>, _ b: ArraySlice<Double>) -> Double {
        let (n1, n2) = (a.count, b.count)
        guard n1 >= 1, n2 >= 1, n1 + n2 > 2 else { return 1 }
        let (m1, m2) = (Statistics.mean(Array(a)), Statistics.mean(Array(b)))
        let squares1 = a.reduce(0) { $0 + ($1 - m1) * ($1 - m1) }, squares2 = b.reduce(0) { $0 + ($1 - m2) * ($1 - m2) }
        let degrees = n1 + n2 - 2
        let pooled = (squares1 * Double(n1 - 1) / Double(n1) + squares2 * Double(n2 - 1) / Double(n2)) / Double(degrees)
        let standardError = (pooled * (1 / Double(n1) + 1 / Double(n2))).squareRoot()
        guard standardError > 0 else { return m1 == m2 ? 1 : 0 }
        let t = (m1 - m2) / standardError
        let df = Double(degrees)
        return min(1, IncompleteBeta.regularized(x: df / (df + t * t), a: df / 2, b: 0.5))
    }
}

/// I_x(a, b), by the continued fraction of Numerical Recipes (betacf), with the symmetry I_x(a, b) = 1 - I_1-x(b, a)
/// where it converges faster.
enum IncompleteBeta {
    static func regularized(x: Double, a: Double, b: Double) -> Double {
        guard x > 0 else { return 0 }
        guard x < 1 else { return 1 }
        let logGammas: Double = lgamma(a + b) - lgamma(a) - lgamma(b)
        let logPowers: Double = a * log(x) + b * log(1 - x)
        let front = exp(logGammas + logPowers)
        if x < (a + 1) / (a + b + 2) { return front * fraction(x: x, a: a, b: b) / a }
        return 1 - front * fraction(x: 1 - x, a: b, b: a) / b
    }

    private static func fraction(x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0, d = 1 - (a + b) * x / (a + 1)
        d = 1 / (abs(d) < tiny ? tiny : d)
        var h = d
        for m in 1...300 {
            let m = Double(m)
            let even: Double = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            let odd: Double = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
            for numerator in [even, odd] {
                d = 1 + numerator * d
                d = 1 / (abs(d) < tiny ? tiny : d)
                c = 1 + numerator / c
                if abs(c) < tiny { c = tiny }
                h *= d * c
            }
            if abs(d * c - 1) < 1e-15 { break }
        }
        return h
    }
}
