import BenchSupport
import Results

/// The chart of where the time went: one stacked bar per path and configuration, its median request split by tier
/// (`TimeAccount.tiers`), in report.html; in compare's page the same bars for each run one under the other, so a
/// regression shows in the tier that took it. Owns choosing and labelling the bars; the drawing is SVGChart's.
public enum TimeChart {
    struct Bar {
        var label: String
        var tiers: [(tier: TimeAccount.Tier, micros: Double)]
    }

    /// Each target's configurations as bars (labelled by the path, and by its settings when it has several), with
    /// the key that matches the same bar in another run.
    static func bars(of result: RunAnalysis) -> [(key: String, bar: Bar)] {
        result.targetNames.flatMap { name -> [(key: String, bar: Bar)] in
            let configurations = result.configurations(of: name)
            return configurations.compactMap { configuration in
                guard let account = TimeAccount(target: configuration.target, cores: result.serverCores,
                                                connections: result.load.connections) else { return nil }
                let label = configurations.count == 1 && configuration.label == "every cell" ? name : "\(name) · \(configuration.label)"
                return (label, Bar(label: label, tiers: account.tiers))
            }
        }
    }

    /// The chart for one run's report; nil when no bar has a split (no server gave figures).
    static func report(_ analysis: RunAnalysis) -> String? {
        draw(bars(of: analysis).map(\.bar))
    }

    /// The chart for runs compared (`letter` names each: A, B, ...): for each path and configuration, a bar per run
    /// that measured it; nil when no bar has a split.
    public static func comparison(_ runs: [(letter: String, result: ScenarioResult)]) -> String? {
        let perRun = runs.map { run in (letter: run.letter, bars: bars(of: RunAnalysis(run.result))) }
        var keys: [String] = []
        for run in perRun { for (key, _) in run.bars where !keys.contains(key) { keys.append(key) } }
        let paired = keys.flatMap { key in
            perRun.compactMap { run in
                run.bars.first { $0.key == key }.map { Bar(label: "\(run.letter) · \($0.bar.label)", tiers: $0.bar.tiers) }
            }
        }
        return draw(paired)
    }

    private static func draw(_ bars: [Bar]) -> String? {
        guard bars.contains(where: { $0.tiers.contains { $0.tier != .unsplit } }) else { return nil }
        let used = TimeAccount.Tier.allCases.filter { tier in bars.contains { $0.tiers.contains { $0.tier == tier } } }
        let rows = bars.map { bar in
            (label: bar.label, segments: used.map { tier in bar.tiers.first { $0.tier == tier }?.micros ?? 0 })
        }
        return SVGChart.stackedBars(rows: rows, segmentNames: used.map(\.rawValue),
                                    xAxis: .init(title: "median request, by where its time went", format: { $0 == 0 ? "0" : Units.formatMicroseconds($0) }))
    }
}
