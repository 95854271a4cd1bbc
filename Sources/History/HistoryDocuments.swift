import BenchSupport
import Compare
import Foundation
import Reports
import Results

/// The history for people (text in the terminal, `--format md` for a CI step summary, `--format html`: a chart per
/// series with the runs on the x axis and the change points marked), for programs (`--format json`, schema
/// `stackbench.history/1`) and for Apache Otava (`--export otava-csv`: one row per run, one column per series,
/// the run's median).
extension History {
    /// The series that changed, then one line for each that did not.
    public var text: String {
        var lines = header.map { $0 + "\n" }.joined()
        for testbed in testbeds {
            lines += "\ntestbed: \(testbed.text)\n"
            for series in series where series.testbed == testbed {
                lines += "  \(series.title): \(series.points.count) run(s), " + changeCount(series) + "\n"
                for change in series.changes { lines += "    " + describe(change, in: series) + "\n" }
            }
        }
        return lines
    }

    public var markdown: String {
        var lines = ["## stackbench history", ""] + header.map { "- " + $0 }
        for testbed in testbeds {
            lines += ["", "### \(testbed.text)", "", "| series | runs | change | before | after | ratio | p |", "|---|---|---|---|---|---|---|"]
            for series in series where series.testbed == testbed {
                if series.changes.isEmpty {
                    lines.append("| \(series.title) | \(series.points.count) | none | \(format(Statistics.median(series.points.flatMap(\.values)), series.metric)) | | | |")
                }
                for change in series.changes {
                    lines.append("| \(series.title) | \(series.points.count) | \(runText(series, change.point))"
                                 + (change.regression ? " **regression**" : "") + " | \(segmentText(change.before, series.metric)) | "
                                 + "\(segmentText(change.after, series.metric)) | \(Units.formatRatio(change.ratio)) | \(pText(change.pValue)) |")
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public struct Document: Codable {
        public var schema = "stackbench.history/1"
        public var options: Options
        public var runs: [Run]
        public var series: [SeriesDocument]

        public struct Options: Codable {
            public var window: Int
            public var maxPValue: Double
            public var minMagnitude: Double
        }

        public struct SeriesDocument: Codable {
            public var scenario: String
            public var testbed: Testbed
            public var configuration: String
            public var target: String
            public var metric: String
            public var points: [Point]
            public var changes: [Change]
        }
    }

    public func json() throws -> Data {
        let document = Document(options: .init(window: options.window, maxPValue: options.maxPValue, minMagnitude: options.minMagnitude),
                                runs: runs, series: series.map {
            .init(scenario: $0.scenario, testbed: $0.testbed, configuration: $0.configuration, target: $0.target,
                  metric: $0.metric.rawValue, points: $0.points, changes: $0.changes)
        })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(document)
    }

    /// Otava's CSV input: `time,commit,<series>...`, a row per run (its median of each series, empty where it has
    /// none), one file for all testbeds with the testbed in each series' name.
    public var otavaCSV: String {
        let several = testbeds.count > 1
        let columns = series.map { (several ? "\($0.testbed.text) · " : "") + $0.title }
        var lines = [(["time", "commit"] + columns).map(Self.csvField).joined(separator: ",")]
        for (index, run) in runs.enumerated() {
            let medians = series.map { series in
                series.points.first { $0.run == index }.map { String($0.median) } ?? ""
            }
            lines.append(([run.time, run.commit ?? run.name] .map(Self.csvField) + medians).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public var html: String {
        var page = HTMLDocument(title: "stackbench history", heading: "stackbench history", meta: header, metaList: true)
        for testbed in testbeds {
            page.sections.append(HTMLDocument.Section("Testbed: \(testbed.text)"))
            for series in series where series.testbed == testbed {
                let marks = series.changes.map { (x: Double($0.point) + 1, label: "\(Units.formatRatio($0.ratio))" + ($0.regression ? " regression" : "")) }
                let runsOnX = series.points.indices.map { Double($0) + 1 }
                let chart = SVGChart.lines(series: [
                    SVGChart.Series(name: "median", color: SVGChart.color(0).color, points: Array(zip(runsOnX, series.points.map(\.median)))),
                    SVGChart.Series(name: "lowest window", color: SVGChart.color(1).color, dashed: true,
                                    points: Array(zip(runsOnX, series.points.map { $0.values.min() ?? 0 }))),
                    SVGChart.Series(name: "highest window", color: SVGChart.color(2).color, dashed: true,
                                    points: Array(zip(runsOnX, series.points.map { $0.values.max() ?? 0 }))),
                ], xAxis: SVGChart.Axis(title: "run (oldest first)", format: { "run \(Int($0))" }),
                   yAxis: SVGChart.Axis(title: series.metric.rawValue, format: { format($0, series.metric) }), markers: marks)
                let captions = ["\(series.points.count) run(s): " + series.points.map { runs[$0.run].name }.first.map { "from \($0)" }!
                                + " to \(runs[series.points.last!.run].name); " + changeCount(series)]
                    + series.changes.map { describe($0, in: series) }
                page.sections.append(HTMLDocument.Section(series.title, mark: series.changes.contains(where: \.regression)
                    ? HTMLDocument.Styled("regression", style: "bad") : nil, captions: captions, blocks: [.chart(chart)]))
            }
        }
        return page.html
    }

    // MARK: pieces

    var testbeds: [Testbed] { Array(Set(series.map(\.testbed))).sorted() }

    var header: [String] {
        ["\(runs.count) run(s), \(runs.first.map { "from \($0.name)" } ?? "") to \(runs.last?.name ?? ""); "
            + "ordered by commit time where a run recorded it, else by start",
         "change points: E-divisive means with a t test (Otava's), window \(options.window) runs, p < \(options.maxPValue), "
            + "magnitude over \(Units.percent(options.minMagnitude, 1)); every valid repetition counted, flagged windows left out"]
    }

    func changeCount(_ series: Series) -> String {
        series.changes.isEmpty ? "no change (median \(format(Statistics.median(series.points.flatMap(\.values)), series.metric)))"
            : "\(series.changes.count) change(s)"
    }

    /// `at run 7 (20261204T… [3f2a9c1d7e4b], 2026-12-04T…): 1234 req/s [1200, 1250] → 617 req/s [600, 630], 0.50x, p=1e-09, regression`
    func describe(_ change: Change, in series: Series) -> String {
        "at \(runText(series, change.point)): \(segmentText(change.before, series.metric)) → \(segmentText(change.after, series.metric)), "
            + "\(Units.formatRatio(change.ratio)), \(pText(change.pValue))" + (change.regression ? ", regression" : ", improvement")
    }

    func runText(_ series: Series, _ point: Int) -> String {
        let run = runs[series.points[point].run]
        return "run \(point + 1) (\(run.name), \(run.time))"
    }

    func segmentText(_ segment: Segment, _ metric: Metric) -> String {
        "\(format(segment.median, metric)) [\(format(segment.low, metric)), \(format(segment.high, metric))] over \(segment.runs) run(s)"
    }

    func pText(_ p: Double) -> String { p < 0.001 ? "p=" + Units.significant(p, 2) : Units.pValue(p, 3) }

    func format(_ value: Double, _ metric: Metric) -> String { Comparison.format(value, metric) }

    static func csvField(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }
}

extension History {
    /// Why no series has two runs: which scenarios and testbeds the runs are of.
    public var noSeriesProblem: String {
        var groups: [String: Int] = [:]
        for run in runs { groups["\(run.scenario) on \(run.testbed.text)", default: 0] += 1 }
        let listed = groups.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value) run(s)" }.joined(separator: "; ")
        return "no series has two runs with valid windows: a history follows one scenario on one testbed, and these "
            + "\(runs.count) runs are \(listed)"
    }
}
