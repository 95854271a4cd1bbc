/// History: `stackbench history`. Owns reading a series of runs as series of measurements (one per scenario,
/// testbed, configuration, target and metric, in the order the runs measured commits), finding where each series
/// changed (ChangePoints), describing each change with its medians and intervals, and the gate over the newest run.
/// Must not: run anything or change a run folder; read result.json other than through `RunSet`.
import BenchSupport
import Compare
import Foundation
import LoadEngine
import Results

public struct History: Sendable {
    /// The runs read, in the order of the commits they measured (else of their start).
    public var runs: [Run]
    public var series: [Series]
    public var options: ChangePointOptions
    /// Runs whose windows of a series were all flagged: they have no point in it.
    public var flaggedOut: [FlaggedRun]

    public struct FlaggedRun: Sendable {
        /// The series' place (`scenario · configuration · target · metric`).
        public var series: String
        /// Index into `runs`.
        public var run: Int
        public var windows: Int
    }

    /// One run of the history.
    public struct Run: Sendable, Codable {
        /// The run folder's name, with its label after it (`20261201T190639Z-mysite [3f2a9c1d7e4b]`).
        public var name: String
        public var folder: String
        public var scenario: String
        /// The commit the run measured, when it recorded one (its label).
        public var commit: String?
        /// When: the commit's time where the run recorded it, else the run's start (RFC 3339).
        public var time: String
        public var timeIsCommit: Bool
        public var testbed: Testbed
    }

    /// The machine and the programs a run was measured with: a series never mixes two.
    public struct Testbed: Sendable, Codable, Hashable, Comparable {
        public var cpuModel: String
        public var cores: Int
        public var kernel: String
        /// Where the client and the servers were pinned (`client 0, servers 1`), empty when not pinned.
        public var pinning: String
        /// Versions of the programs that served besides stackbench (nginx, uWSGI, Python, Django), sorted.
        public var programs: String

        init(_ result: ScenarioResult) {
            cpuModel = result.machine.cpuModel
            cores = result.machine.cores
            kernel = result.machine.kernel
            pinning = [result.load.clientCPUs.map { "client \($0)" }, result.load.serverCPUs.map { "servers \($0)" }]
                .compactMap { $0 }.joined(separator: ", ")
            programs = (result.reproduction?.programs ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
                .joined(separator: ", ")
        }

        public var text: String {
            "\(cpuModel), \(cores) core(s), kernel \(kernel)" + (pinning.isEmpty ? "" : ", " + pinning)
                + (programs.isEmpty ? "" : "; " + programs)
        }

        public static func < (a: Testbed, b: Testbed) -> Bool { a.text < b.text }
    }

    /// One metric of one configuration's target, over the runs of one testbed that measured it.
    public struct Series: Sendable {
        public var scenario: String
        public var testbed: Testbed
        /// The configuration's label (`workers=2 threads=4`, `every cell`) and the target's name.
        public var configuration: String
        public var target: String
        public var metric: Metric
        public var points: [Point]
        public var changes: [Change]

        /// `static-vs-dynamic · workers=2 threads=4 · proxied-dynamic`: what was measured, without the metric.
        public var place: String { "\(scenario) · \(configuration) · \(target)" }
        public var title: String { "\(place) · \(metric.rawValue)" }
    }

    /// One run's valid windows of a series' metric.
    public struct Point: Sendable, Codable {
        /// Index into `History.runs`.
        public var run: Int
        public var values: [Double]
        public var median: Double
        /// Flagged windows left out (client-bound, under-delivered, disturbed, latency-bound), as compare leaves them.
        public var flagged: Int
    }

    /// A change point: the series' runs before it against the runs from it to the next one.
    public struct Change: Sendable, Codable {
        /// Index into the series' points: the first run after the change.
        public var point: Int
        public var before: Segment
        public var after: Segment
        /// after's median over before's.
        public var ratio: Double
        public var pValue: Double
        /// A change in the metric's bad direction (less req/s; more latency, errors, CPU, memory).
        public var regression: Bool
    }

    /// The runs between two change points: the median of all their repetitions and its interval.
    public struct Segment: Sendable, Codable {
        public var runs: Int
        public var median: Double
        public var low: Double
        public var high: Double
        /// The interval's coverage: 0.95 from 6 values on; fewer give their full range, covering less.
        public var coverage: Double
    }

    public static let defaultMetrics: [Metric] = [.rps, .p50, .p99, .errors, .cpuPerRequest, .pss]

    /// The history of `loaded` (as `RunSet.load` reads them) for `metrics`.
    public init(_ loaded: [LoadedRun], metrics: [Metric] = History.defaultMetrics, options: ChangePointOptions = .init()) {
        self.options = options
        // Runs of one commit (measured again, or with uncommitted changes) keep the order they were measured in.
        let runs = loaded.map { run -> (Run, ScenarioResult, Date, Date) in
            let commitTime = run.result.commitTime.flatMap(RunResult.parseTime)
            let started = RunResult.parseTime(run.result.startedAt) ?? .distantPast
            let time = commitTime ?? started
            let entry = Run(name: run.name, folder: run.folder, scenario: run.result.scenario.name, commit: run.result.label,
                            time: commitTime != nil ? run.result.commitTime! : run.result.startedAt, timeIsCommit: commitTime != nil,
                            testbed: Testbed(run.result))
            return (entry, run.result, time, started)
        }.enumerated().sorted { ($0.element.2, $0.element.3, $0.offset) < ($1.element.2, $1.element.3, $1.offset) }.map(\.element)
        self.runs = runs.map(\.0)

        struct Key: Hashable { var scenario: String, testbed: Testbed, configuration: String, target: String }
        var order: [Key] = []
        var measured: [Key: [(run: Int, target: ScenarioResult.Target)]] = [:]
        for (index, (run, result, _, _)) in runs.enumerated() {
            var seen = Set<Key>()
            for cell in result.cells where cell.status == .ok {
                for configuration in cell.configurations.compactMap(result.configuration(id:)) where !configuration.target.repetitions.isEmpty {
                    let key = Key(scenario: run.scenario, testbed: run.testbed, configuration: configuration.label, target: configuration.target.name)
                    guard seen.insert(key).inserted else { continue }
                    if measured[key] == nil { order.append(key) }
                    measured[key, default: []].append((index, configuration.target))
                }
            }
        }
        var flaggedOut: [FlaggedRun] = []
        series = order.flatMap { key in
            metrics.compactMap { metric -> Series? in
                let points = measured[key]!.compactMap { run, target -> Point? in
                    let all = target.values(metric)
                    guard all.count == target.repetitions.count else { return nil }  // PSS before it was measured
                    let values = zip(all, target.repetitions).filter { $0.1.isValid }.map(\.0)
                    guard !values.isEmpty else {
                        flaggedOut.append(FlaggedRun(series: "\(key.scenario) · \(key.configuration) · \(key.target) · \(metric.rawValue)",
                                                     run: run, windows: all.count))
                        return nil
                    }
                    return Point(run: run, values: values, median: Statistics.median(values), flagged: all.count - values.count)
                }
                guard !points.isEmpty else { return nil }
                let found = ChangePoints.find(in: points.map(\.values), options: options)
                let bounds = [0] + found.map(\.run) + [points.count]
                let changes = found.enumerated().map { index, change in
                    Self.change(at: change, before: Array(points[bounds[index]..<change.run]),
                                after: Array(points[change.run..<bounds[index + 2]]), metric: metric)
                }
                return Series(scenario: key.scenario, testbed: key.testbed, configuration: key.configuration, target: key.target,
                              metric: metric, points: points, changes: changes)
            }
        }
        self.flaggedOut = flaggedOut
    }

    static func change(at point: ChangePoint, before: [Point], after: [Point], metric: Metric) -> Change {
        let (left, right) = (segment(before), segment(after))
        let ratio = left.median != 0 ? right.median / left.median : (right.median == 0 ? 1 : .infinity)
        let worse = metric.higherIsBetter ? right.median < left.median : right.median > left.median
        return Change(point: point.run, before: left, after: right, ratio: ratio, pValue: point.pValue, regression: worse)
    }

    static func segment(_ points: [Point]) -> Segment {
        let values = points.flatMap(\.values)
        let median = Statistics.median(values)
        let interval = Noise.check(of: values, limit: .infinity)
        return Segment(runs: points.count, median: median, low: interval?.low ?? median, high: interval?.high ?? median,
                       coverage: interval?.coverage ?? 0)
    }
}
