import ArgumentParser
import BenchSupport
import Compare
import Foundation
import Results

/// `stackbench compare PATH...`: runs side by side with significance, and the CI gate (`--fail-on`). Exit 0, or 1
/// when the gate found a significant regression beyond a limit, 2 on bad input or when the gate cannot judge.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare runs: per cell, target and metric the medians, their spread, the change and whether it is significant.",
        discussion: """
            PATH is a run folder, its result.json, or a folder of run folders (results/: every run in it, oldest \
            first). The first run is the baseline unless --baseline names one. A change is significant when the \
            Mann-Whitney U test over the repetitions gives p < --alpha; "~" otherwise. The gate: --fail-on \
            'rps:-5%,p99:+10%,errors:+0' exits 1 when a later run is significantly worse than the baseline beyond a \
            limit (errors and non2xx are counts, judged without a test), and 2 when the repetitions are too few to \
            tell (fewer than 4 + 4, or, unless --unresolved warn, too noisy for a limit). --pool reads each PATH and \
            --baseline as one run made of every run under it: base and change measured in turns (docs/ci.md).
            """)

    @Argument(help: "Run folders, result.json files, or folders of runs.") var paths: [String] = []
    @Option(help: "The run to compare against: one run folder or its result.json (with --pool, a folder of runs).") var baseline: String?
    @Option(name: .customLong("baseline-latest"), help: ArgumentHelp("The newest run in this results folder is the baseline.", valueName: "DIR"))
    var baselineLatest: String?
    @Option(name: .customLong("fail-on"), help: ArgumentHelp("Gate limits: METRIC:LIMIT,... (rps:-5%,p99:+10%,errors:+0).", valueName: "LIMITS"))
    var failOn: String?
    @Option(help: "text, md, json or html.") var format = "text"
    @Option(help: ArgumentHelp("With --fail-on: write the gate as JUnit XML (one test case per cell · target, metric and run).", valueName: "FILE"))
    var junit: String?
    @Flag(help: "Each PATH, and --baseline, is one run: the repetitions of every run under it pooled (rounds measured in turns).")
    var pool = false
    @Option(help: ArgumentHelp("With --fail-on: a limit the repetitions are too noisy to resolve fails the gate (exit 2) or is a warning, the smallest change they could see said.", valueName: "fail|warn"))
    var unresolved = "fail"
    @Flag(help: "With --fail-on: print GitHub Actions annotations (::error:: per failure, ::warning:: per problem).") var github = false
    @Option(name: .shortAndLong, help: "Write to this file (atomically) instead of standard output.") var output: String?
    @Option(help: "Significance level of the test.") var alpha = 0.05
    @Option(help: "Metrics to show, comma-separated (default rps,p50,p99,p99.9,errors,cpu-per-request,rss).") var metrics: String?

    func run() throws {
        guard ["text", "md", "json", "html"].contains(format) else {
            throw FlagError("--format", "must be text, md, json or html, got \"\(format)\"")
        }
        guard alpha > 0, alpha < 0.5 else { throw FlagError("--alpha", "must be between 0 and 0.5, got \(alpha)") }
        let shown = try metrics.map(Self.metricList) ?? Comparison.defaultMetrics
        let limits = try failOn.map { try GateLimit.parse($0) }
        guard let unresolvedMode = GateVerdict.Unresolved(rawValue: unresolved) else {
            throw FlagError("--unresolved", "must be fail or warn, got \"\(unresolved)\"")
        }
        if junit != nil || github || unresolvedMode != .fail, limits == nil {
            throw FlagError(junit != nil ? "--junit" : github ? "--github" : "--unresolved", "needs --fail-on LIMITS: it reports the gate")
        }
        guard !paths.isEmpty else { throw FlagError("PATH", "missing: name run folders, result.json files or a results folder") }
        if baseline != nil, baselineLatest != nil { throw FlagError("--baseline", "and --baseline-latest cannot be used together") }
        if pool, baselineLatest != nil { throw FlagError("--baseline-latest", "picks one run of a folder; with --pool name the folder with --baseline") }
        var baselineRuns = try baseline.map { try load($0) } ?? []
        if let baseline, baselineRuns.count > 1 {  // a results folder: which run is meant must be said, never guessed
            throw FlagError("--baseline", "\(baseline) holds \(baselineRuns.count) runs; name one run folder, or use --baseline-latest \(baseline)")
        }
        if let folder = baselineLatest {  // RunSet.load refuses a folder with no run, naming it
            baselineRuns = Array(try RunSet.load([folder]).suffix(1))
        }
        let runs = try baselineRuns + paths.flatMap(load)
        if !baselineRuns.isEmpty, runs.count > 1, runs.dropFirst().contains(where: { $0.folder == runs[0].folder }) {
            throw FlagError("--baseline", "\(runs[0].name) is also among the runs compared with it")
        }
        guard runs.count >= 2 else {
            throw FlagError("PATH", "compare needs at least two runs; found only \(runs.first?.name ?? "none")")
        }
        // Gate limits' metrics are shown too, so every failure can be seen in the tables.
        let allMetrics = shown + (limits ?? []).map(\.metric).filter { !shown.contains($0) }
        let comparison = Comparison(runs: runs, alpha: alpha, metrics: allMetrics)
        let verdict = limits.map { (limits: $0, verdict: comparison.gate($0, unresolved: unresolvedMode)) }
        let document: Data = switch format {
        case "md": Data(comparison.markdown(gate: verdict).utf8)
        case "json": try comparison.json(gate: verdict)
        case "html": Data(comparison.html(gate: verdict).utf8)
        default: Data(comparison.text.utf8)
        }
        try GateOutput.write(document, to: output)
        guard let verdict else { return }
        try GateOutput.report(verdict.verdict, junit: junit, junitName: "stackbench compare", github: github,
                              passed: "\(verdict.verdict.checked) comparison(s) within \(failOn ?? "")")
    }

    /// The runs under `path`; with --pool, one run made of them all.
    private func load(_ path: String) throws -> [LoadedRun] {
        let runs = try RunSet.load([path])
        return pool ? [try RunSet.pool(runs, foundUnder: path)] : runs
    }

    static func metricList(_ text: String) throws -> [Metric] {
        let names = Metric.allCases.map(\.rawValue)
        return try text.split(separator: ",").map { item in
            let name = item.trimmingCharacters(in: .whitespaces)
            guard let metric = Metric(rawValue: name) else {
                throw FlagError("--metrics", "unknown metric \"\(name)\"" + Suggestion.hint(for: name, in: names) + " (one of \(names.joined(separator: ", ")))")
            }
            return metric
        }
    }
}
