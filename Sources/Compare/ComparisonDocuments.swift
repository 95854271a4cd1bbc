import BenchSupport
import Foundation
import Results
import Reports

/// The comparison for programs (`--format json`, schema `stackbench.compare/1`) and for people in a browser
/// (`--format html`: one self-contained page, the tables with improvements green and regressions red, and per
/// target a chart of median req/s by cell, one bar per run).
extension Comparison {
    public struct Document: Codable {
        public var schema = "stackbench.compare/1"
        public var alpha: Double
        public var runs: [RunInfo]
        public var rows: [Row]
        public var unmatched: [Unmatched]
        public var allFlagged: [AllFlagged]
        public var gate: GateInfo?

        public struct RunInfo: Codable {
            public var letter: String
            public var name: String
            public var folder: String
            public var scenario: String
            public var startedAt: String
            public var gitSha: String?
        }

        public struct GateInfo: Codable {
            public var limits: [String]
            public var failures: [String]
            public var problems: [String]
            /// Comparisons too noisy for their limit, passed as warnings (`--unresolved warn`).
            public var unresolved: [String]
            /// Per limit, the smallest change the repetitions could detect.
            public var sensitivity: [String]
            public var passed: Bool
        }
    }

    public func json(gate: (limits: [GateLimit], verdict: GateVerdict)? = nil) throws -> Data {
        let document = Document(alpha: alpha, runs: runs.enumerated().map { index, run in
            .init(letter: Self.letter(index), name: run.name, folder: run.folder, scenario: run.result.scenario.name,
                  startedAt: run.result.startedAt, gitSha: run.result.stackbench.gitSha)
        }, rows: rows, unmatched: unmatched, allFlagged: allFlagged, gate: gate.map {
            .init(limits: $0.limits.map(\.text), failures: $0.verdict.failures, problems: $0.verdict.problems, unresolved: $0.verdict.unresolved,
                  sensitivity: $0.verdict.sensitivity, passed: $0.verdict.exitStatus == 0)
        })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(document)
    }

    public func html(gate: (limits: [GateLimit], verdict: GateVerdict)? = nil) -> String {
        var page = HTMLDocument(title: "stackbench compare", heading: "stackbench compare", meta: legendLines, metaList: true)
        if let gate {
            let status = gate.verdict.exitStatus
            let mark = HTMLDocument.Styled(status == 0 ? "passed" : status == 1 ? "failed" : "cannot judge", style: status == 0 ? "good" : "bad")
            page.sections.append(HTMLDocument.Section("Gate:", mark: mark, captions: [
                "limits: \(gate.limits.map(\.text).joined(separator: ", ")); \(gate.verdict.checked) comparison(s)",
            ], blocks: [.paragraphs((gate.verdict.failures + gate.verdict.problems).map { HTMLDocument.Styled($0, style: "bad") }
                                    + gate.verdict.unresolved.map { HTMLDocument.Styled("unresolved (warning): " + $0, style: "same") })]))
        }
        if let charts = throughputCharts() { page.sections.append(charts) }
        if let chart = TimeChart.comparison(runs.enumerated().map { (Self.letter($0), $1.result) }) {
            page.sections.append(HTMLDocument.Section("Where the time went", captions: [
                "Each run's median request per path and configuration, split by tier, one bar per run: a regression shows in the tier that took it.",
            ], blocks: [.chart(chart)]))
        }
        for metric in metrics {
            let (header, cells) = table(of: metric)
            let rows = zip(rows(of: metric), cells).map { row, texts in
                HTMLDocument.Row([HTMLDocument.Cell(texts[0])] + texts.dropFirst().prefix(runs.count).map { HTMLDocument.Cell.number($0) }
                                 + runs.indices.dropFirst().map { index in
                                     let delta = row.deltas.first { $0.run == index }
                                     return .number(delta.map(Self.describe) ?? "-", delta.map { $0.significant ? ($0.improvement ? "good" : "bad") : "same" } ?? "same")
                                 })
            }
            page.sections.append(HTMLDocument.Section(metric.rawValue, blocks: [.table(HTMLDocument.Table(headers: header, rows: rows))]))
        }
        if !unmatched.isEmpty || !allFlagged.isEmpty {
            page.sections.append(HTMLDocument.Section("Not in every run", blocks: [.list(unmatchedLines.dropFirst(2).map { $0.trimmingCharacters(in: .whitespaces) })]))
        }
        page.sections.append(HTMLDocument.Section("Reading the tables", blocks: [.paragraphs([
            "~: no significant difference (Mann-Whitney U over the repetitions, p >= \(alpha)); ±: largest distance from the median. "
                + "Green: significantly better than A; red: significantly worse.",
        ], style: "meta")]))
        return page.html
    }

    /// Per target, median req/s by cell, one bar per run.
    private func throughputCharts() -> HTMLDocument.Section? {
        let targets = keys.reduce(into: [String]()) { if !$0.contains($1.target) { $0.append($1.target) } }
        var blocks: [HTMLDocument.Block] = []
        for target in targets {
            let targetRows = rows(of: .rps).filter { $0.key.target == target && $0.key.request == nil }
            guard !targetRows.isEmpty else { continue }
            let series = runs.indices.map { index in
                (name: Self.letter(index), values: targetRows.map { $0.samples[index]?.median })
            }
            let ranges = runs.indices.map { index in
                targetRows.map { row -> ClosedRange<Double>? in
                    guard let values = row.samples[index]?.values, values.count > 1, let low = values.min(), let high = values.max() else { return nil }
                    return low...high
                }
            }
            blocks += [.heading("\(target): req/s by cell"),
                       .chart(SVGChart.bars(categories: targetRows.map(\.key.cell), series: series,
                                            yAxis: .init(title: "req/s (median; whiskers: the repetitions' range)", format: { Units.formatCount($0) }), ranges: ranges)
                              + SVGChart.legend(runs.indices.map { ("\(Self.letter($0)) \(runs[$0].name)", SVGChart.color($0).color, false) }))]
        }
        return blocks.isEmpty ? nil : HTMLDocument.Section("Throughput", blocks: blocks)
    }
}
