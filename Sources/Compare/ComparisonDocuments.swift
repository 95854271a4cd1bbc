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
            .init(limits: $0.limits.map(\.text), failures: $0.verdict.failures, problems: $0.verdict.problems,
                  sensitivity: $0.verdict.sensitivity, passed: $0.verdict.exitStatus == 0)
        })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(document)
    }

    public func html(gate: (limits: [GateLimit], verdict: GateVerdict)? = nil) -> String {
        func esc(_ text: String) -> String { HTMLPage.escape(text) }
        var body = "<h1>stackbench compare</h1><ul class=\"meta\">"
            + legendLines.map { "<li>\(esc($0))</li>" }.joined() + "</ul>"
        if let gate {
            let status = gate.verdict.exitStatus
            body += "<h2>Gate: " + (status == 0 ? "<span class=\"good\">passed</span>" : status == 1 ? "<span class=\"bad\">failed</span>"
                                      : "<span class=\"bad\">cannot judge</span>") + "</h2>"
                + "<p class=\"meta\">limits: \(esc(gate.limits.map(\.text).joined(separator: ", "))); \(gate.verdict.checked) comparison(s)</p>"
                + (gate.verdict.failures + gate.verdict.problems).map { "<p class=\"bad\">\(esc($0))</p>" }.joined()
        }
        body += throughputCharts()
        for metric in metrics {
            let (header, cells) = table(of: metric)
            body += "<h2>\(esc(metric.rawValue))</h2><table><tr>" + header.map { "<th>\(esc($0))</th>" }.joined() + "</tr>"
            for (row, texts) in zip(rows(of: metric), cells) {
                body += "<tr><td>\(esc(texts[0]))</td>" + texts.dropFirst().prefix(runs.count).map { "<td class=\"num\">\(esc($0))</td>" }.joined()
                for index in runs.indices.dropFirst() {
                    let delta = row.deltas.first { $0.run == index }
                    let style = delta.map { $0.significant ? ($0.improvement ? "good" : "bad") : "same" } ?? "same"
                    body += "<td class=\"num \(style)\">\(esc(delta.map(Self.describe) ?? "-"))</td>"
                }
                body += "</tr>"
            }
            body += "</table>"
        }
        if !unmatched.isEmpty || !allFlagged.isEmpty {
            body += "<h2>Not in every run</h2><ul>" + unmatchedLines.dropFirst(2).map { "<li>\(esc($0.trimmingCharacters(in: .whitespaces)))</li>" }.joined() + "</ul>"
        }
        body += "<p class=\"meta\">~: no significant difference (Mann-Whitney U over the repetitions, p &gt;= \(alpha)); "
            + "±: largest distance from the median. Green: significantly better than A; red: significantly worse.</p>"
        return HTMLPage.render(title: "stackbench compare", body: body)
    }

    /// Per target, median req/s by cell, one bar per run.
    private func throughputCharts() -> String {
        let targets = keys.reduce(into: [String]()) { if !$0.contains($1.target) { $0.append($1.target) } }
        var html = ""
        for target in targets {
            let targetRows = rows(of: .rps).filter { $0.key.target == target }
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
            html += "<h3>\(HTMLPage.escape(target)): req/s by cell</h3>"
                + SVGChart.bars(categories: targetRows.map(\.key.cell), series: series,
                                yAxis: .init(title: "req/s (median; whiskers: the repetitions' range)", format: { Units.formatCount($0) }), ranges: ranges)
                + SVGChart.legend(runs.indices.map { ("\(Self.letter($0)) \(runs[$0].name)", SVGChart.color($0).color, false) })
        }
        return html.isEmpty ? "" : "<h2>Throughput</h2>" + html
    }
}
