import ArgumentParser
import BenchSupport
import Foundation
import Reports
import Scenario
import Results

/// `stackbench run SCENARIO.yml`: stands the stack up per matrix cell, measures every target, writes the run
/// folder, and exits 1 when a threshold fails or a cell failed (after writing), 2 on a bad scenario, 130 on Ctrl-C.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a scenario: stand the stack up for each matrix cell, measure each target, write results and a report.",
        discussion: "Results go to RESULTS/<UTC timestamp>-<name>/ (result.json, report.md, report.html, the generated configs and logs). "
            + "See docs/scenarios.md for the format.")

    @Argument(help: "The scenario file (YAML).") var scenario: String?
    @Option(help: ArgumentHelp("Run a recorded measurement again: a run folder or its result.json (its scenario, stack files, --quick and --repeat).",
                               valueName: "RUN"))
    var replay: String?
    @Flag(help: "With --replay: run the recorded scenario's setup: commands and agent-command, which --replay otherwise shows and refuses.")
    var allowSetup = false
    @Option(help: "Where run folders are written.") var results = "results"
    @Flag(help: "A smoke run: 1 s per target after 0.3 s of warm-up, one repetition, the first and last cells only.")
    var quick = false
    @Flag(help: "Check the scenario and print the matrix cells, without running anything.") var check = false
    @Flag(help: "Keep every log of every cell whole in the run folder (default: each log's first and last lines, 64 KiB in all, 1 MiB in a cell that failed).") var keepLogs = false
    @Option(help: ArgumentHelp("What this run measured, recorded in result.json and shown by report and compare (default: the project's git commit, when it is a checkout).", valueName: "LABEL"))
    var label: String?
    @Option(name: .customLong("repeat"), help: ArgumentHelp(
        "Rounds: stand up and measure every cell N times, round after round (interleaved, not back to back); "
            + "each configuration gets N × repetitions windows. Default: the scenario's load.rounds (1 when absent; 1 with --quick).", valueName: "N"))
    var rounds: Int?

    func run() throws {
        if let rounds, !(1...100).contains(rounds) { throw FlagError("--repeat", "must be 1 to 100, got \(rounds)") }
        if let label, label.isEmpty || label.count > 200 || label.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw FlagError("--label", "must be 1 to 200 characters on one line, got \(label.debugDescription)")
        }
        var scenario: Scenario
        var quick = self.quick
        var rounds = self.rounds ?? 1
        var replayFolder: String?
        defer { if let replayFolder { try? FileManager.default.removeItem(atPath: replayFolder) } }
        switch (self.scenario, replay) {
        case (let file?, nil):
            scenario = try Scenario.load(file: file)
            if quick { scenario.shrinkForSmokeRun() }
            rounds = self.rounds ?? scenario.load.rounds
        case (nil, let recorded?):
            guard !quick, self.rounds == nil else { throw FlagError("--replay", "takes --quick and --repeat from the recorded run; leave them out") }
            let (result, _) = try RunFolder.read(recorded)
            replayFolder = try FileSystem.temporaryFolder()
            let replayed = try Replay(result, file: recorded, folder: replayFolder!)
            (scenario, quick, rounds) = (replayed.scenario, replayed.quick, replayed.rounds)
            if !replayed.commands.isEmpty, !allowSetup {
                let listed = replayed.commands.map { "  " + $0 }.joined(separator: "\n")
                FileHandle.standardError.write(Data("the recorded scenario in \(recorded) runs as you:\n\(listed)\n".utf8))
                throw FlagError("--replay", "runs \(replayed.commands.count) recorded command(s) (listed above) only with --allow-setup; read them first")
            }
            FileHandle.standardError.write(Data("replaying \(recorded): \(result.reproduction?.command ?? "")\n".utf8))
        case (nil, nil): throw FlagError("SCENARIO", "missing: name a scenario file, or --replay RUN")
        case (_?, _?): throw FlagError("--replay", "runs a recorded scenario; leave the SCENARIO argument out")
        }
        if allowSetup, replay == nil { throw FlagError("--allow-setup", "goes with --replay (a scenario file's own setup: always runs)") }
        try scenario.checkStackFiles()
        if check {
            print("\(scenario.file): ok, \(scenario.matrix.cells.count) cell(s) × \(scenario.targets.count) target(s)"
                  + (rounds > 1 ? " × \(rounds) rounds" : ""))
            for cell in scenario.matrix.cells { print("  \(cell.index): \(cell.label)") }
            for line in scenario.planSummary { print("  measured: " + line) }
            return
        }
        let stopSignals = Signals.block([SIGINT, SIGTERM])
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let started = Date()
        // Progress goes to stderr and the results to stdout, as wrk and k6 split them. On a terminal the live line
        // is redrawn in place and wiped before each progress line; elsewhere (a log file, CI) only the progress
        // lines are written.
        let terminal = isatty(STDERR_FILENO) == 1
        let clear = terminal ? "\r\u{1B}[K" : ""
        func progress(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }
        let runner = ScenarioRun(scenario: scenario, resultsFolder: results, executable: executable, rounds: rounds, quick: quick, keepLogs: keepLogs, label: label, say: { line in
            progress(clear + "[\(Units.fixed(Date().timeIntervalSince(started), 1, width: 5))s] " + line + "\n")
        }, live: terminal ? { line in
            progress(clear + "[\(Units.fixed(Date().timeIntervalSince(started), 1, width: 5))s] " + line)
        } : nil)
        let watcher = Thread {
            _ = Signals.wait(for: stopSignals)
            FileHandle.standardError.write(Data("stackbench: interrupted: stopping the stack\n".utf8))
            runner.interrupt()
        }
        watcher.start()
        let outcome = try runner.run()
        if terminal { progress(clear) }
        print(SummaryTable(result: outcome.result).text)
        print("results: \(outcome.folder)/result.json, reports: \(outcome.folder)/report.md, \(outcome.folder)/report.html")
        if outcome.result.interrupted { Foundation.exit(130) }
        if !outcome.failedThresholds.isEmpty || outcome.failedCells > 0 {
            for failed in outcome.failedThresholds {
                FileHandle.standardError.write(Data("stackbench: threshold failed: \(failed.threshold) (line \(failed.line ?? 0)) in cell \(failed.cell), \(failed.target): \(failed.valueText)\n".utf8))
            }
            if outcome.failedCells > 0 {
                FileHandle.standardError.write(Data("stackbench: \(outcome.failedCells) cell(s) failed; see the report\n".utf8))
            }
            Foundation.exit(1)
        }
    }
}
