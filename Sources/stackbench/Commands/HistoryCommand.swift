import ArgumentParser
import BenchSupport
import Compare
import Foundation
import History
import Results

/// `stackbench history DIR...`: the runs found as series, with the change points in each, and the gate over the
/// newest run (`--fail-on-change`). Exit 0, 1 when the newest run starts a regression beyond a limit, 2 on bad input
/// or when the gate cannot judge.
struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Change points over a series of runs: when each measurement moved, by how much, and whether the newest run regressed.",
        discussion: """
            DIR is a results folder (every run in it), a run folder or a result.json. One series per scenario, \
            configuration, target and metric, on one testbed (CPU model, cores, kernel, pinning, the serving \
            programs' versions), its runs ordered by the time of the commit each measured (stackbench run records it \
            for a project in a git checkout), else by their start. Change points: E-divisive means with a t test \
            over the runs' means, as Apache Otava finds them (deterministic). --fail-on-change 'rps:-5%,p99:+10%' \
            exits 1 when a scenario's newest run starts a regression beyond a limit, 2 when a series is too short \
            or too noisy to tell (it says how many runs would do). docs/ci.md has a workflow.
            """)

    @Argument(help: "Results folders, run folders or result.json files.") var paths: [String] = []
    @Option(help: "text, md, html or json.") var format = "text"
    @Option(help: ArgumentHelp("Write the medians as Apache Otava reads them instead (otava-csv).", valueName: "otava-csv"))
    var export: String?
    @Option(name: .shortAndLong, help: "Write to this file (atomically) instead of standard output.") var output: String?
    @Option(help: "Runs per sliding window of the change point search.") var window = ChangePointOptions().window
    @Option(help: "The largest p-value of a change point.") var pvalue = ChangePointOptions().maxPValue
    @Option(help: ArgumentHelp("The smallest change kept, as a percentage (5%) or a fraction (0.05).", valueName: "M"))
    var magnitude = "5%"
    @Option(help: "Metrics, comma-separated (default rps,p50,p99,errors,cpu-per-request,pss).") var metrics: String?
    @Option(name: .customLong("fail-on-change"), help: ArgumentHelp("Gate limits: METRIC:LIMIT,... (rps:-5%,p99:+10%).", valueName: "LIMITS"))
    var failOnChange: String?
    @Option(help: ArgumentHelp("With --fail-on-change: write the gate as JUnit XML.", valueName: "FILE")) var junit: String?
    @Flag(help: "With --fail-on-change: print GitHub Actions annotations.") var github = false

    func run() throws {
        guard ["text", "md", "html", "json"].contains(format) else {
            throw FlagError("--format", "must be text, md, html or json, got \"\(format)\"")
        }
        if let export, export != "otava-csv" { throw FlagError("--export", "must be otava-csv, got \"\(export)\"") }
        guard window >= 2 else { throw FlagError("--window", "must be at least 2 runs, got \(window)") }
        guard pvalue > 0, pvalue <= 0.5 else { throw FlagError("--pvalue", "must be above 0 and at most 0.5, got \(pvalue)") }
        let options = ChangePointOptions(window: window, maxPValue: pvalue, minMagnitude: try Self.fraction(magnitude))
        let shown = try metrics.map(CompareCommand.metricList) ?? History.defaultMetrics
        let limits = try failOnChange.map { try GateLimit.parse($0, flag: "--fail-on-change") }
        if junit != nil || github, limits == nil {
            throw FlagError(junit != nil ? "--junit" : "--github", "needs --fail-on-change LIMITS: it reports the gate")
        }
        for limit in limits ?? [] where limit.relative && limit.limit < options.minMagnitude * 100 {
            throw FlagError("--fail-on-change", "\"\(limit.text)\" is below --magnitude \(magnitude): a change that small is never "
                            + "a change point; lower --magnitude or widen the limit")
        }
        guard !paths.isEmpty else { throw FlagError("DIR", "missing: name a results folder, run folders or result.json files") }
        let runs = try RunSet.load(paths)
        guard runs.count >= 2 else {
            throw FlagError("DIR", "a history needs at least two runs; found only \(runs[0].name) in \(paths.joined(separator: " "))")
        }
        let allMetrics = shown + (limits ?? []).map(\.metric).filter { !shown.contains($0) }
        let history = History(runs, metrics: allMetrics, options: options)
        guard history.series.contains(where: { $0.points.count >= 2 }) else { throw FlagError("DIR", history.noSeriesProblem) }
        let document: Data = if export != nil {
            Data(history.otavaCSV.utf8)
        } else {
            switch format {
            case "md": Data(history.markdown.utf8)
            case "json": try history.json()
            case "html": Data(history.html.utf8)
            default: Data(history.text.utf8)
            }
        }
        try GateOutput.write(document, to: output)
        guard let limits else { return }
        let verdict = history.gate(limits)
        try GateOutput.report(verdict, junit: junit, junitName: "stackbench history", github: github,
                              passed: "\(verdict.checked) series judged at their newest run within \(failOnChange ?? "")")
    }

    /// `5%` or `0.05` as 0.05.
    static func fraction(_ text: String) throws -> Double {
        let value = text.hasSuffix("%") ? Double(text.dropLast()).map { $0 / 100 } : Double(text)
        guard let value, value.isFinite, value >= 0, value < 1 else {
            throw FlagError("--magnitude", "must be a percentage below 100% (5%) or a fraction below 1 (0.05), got \"\(text)\"")
        }
        return value
    }
}
