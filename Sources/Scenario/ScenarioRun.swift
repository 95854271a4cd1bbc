import BenchSupport
import Foundation
import Reports
import Results
import LoadEngine

/// A whole `stackbench run`: a work folder under /tmp (project copy, collectstatic once), every cell in turn,
/// thresholds, and the run folder `results/<UTC timestamp>-<name>/` with result.json, report.md, report.html, the scenario, each
/// cell's generated configs and the stack's logs. Ctrl-C (`interrupt()`) stops the current load and cell at once;
/// the cells that finished are still written, marked interrupted. The work folder is removed at the end.
public final class ScenarioRun: @unchecked Sendable {  // say and live print (thread-safe); the stop flag and current load are locked
    public let scenario: Scenario
    public let resultsFolder: String
    /// `--repeat N`: every cell is stood up and measured once per round, rounds one after another, so slow drift
    /// of the machine spreads over all cells instead of biasing the last ones.
    public let rounds: Int
    /// `--quick` was given (recorded, so a replay shrinks the same way).
    public let quick: Bool
    /// `--keep-logs`: every log whole in the run folder; else each log's head and end (LogTail: 64 KiB, 1 MiB for a cell that failed).
    public let keepLogs: Bool
    /// `--label`: recorded as the result's label in place of the project's commit.
    public let label: String?
    let executable: String
    let say: (String) -> Void
    let live: ((String) -> Void)?
    private let stopFlag = Locked(false)
    private let currentLoad = Locked<(any WindowLoad)?>(nil)

    /// `say`: a line of progress; `live`: a status line about once a second during each measurement, meant to be
    /// redrawn in place (nil where nothing is redrawn, e.g. output to a file).
    public init(scenario: Scenario, resultsFolder: String, executable: String, rounds: Int = 1, quick: Bool = false,
                keepLogs: Bool = false, label: String? = nil, say: @escaping (String) -> Void, live: ((String) -> Void)? = nil) {
        self.rounds = max(1, rounds)
        self.quick = quick
        self.keepLogs = keepLogs
        self.label = label
        self.scenario = scenario
        self.resultsFolder = resultsFolder
        self.executable = executable
        self.say = say
        self.live = live
    }

    /// From any thread (the signal watcher): end the run as soon as possible.
    public func interrupt() {
        stopFlag.value = true
        currentLoad.value?.requestStop()
    }

    public struct Outcome {
        public var folder: String
        public var result: ScenarioResult
        public var failedThresholds: [ScenarioResult.ThresholdOutcome]
        public var failedCells: Int
    }

    public func run() throws -> Outcome {
        let skipped = try checkExternalPrograms()
        let started = Date()
        let name = Self.timestamp(started) + "-" + Self.safeName(scenario.name)
        let folder = resultsFolder + "/" + name
        // Everything is written into a hidden staging folder that becomes the run folder by one rename at the
        // end, so results/ never shows a half-written run, and a run that cannot start leaves nothing.
        // Named by this process too, so two runs started in the same second never share it.
        let staging = resultsFolder + "/." + name + ".\(getpid()).partial"
        try Self.prepareResultsFolder(resultsFolder)
        for leftover in FileSystem.removeLeftovers(resultsFolder: resultsFolder) {
            say("removed \(leftover), left by a stackbench run that was killed")
        }
        try FileSystem.createDirectories(staging)
        var published = false
        var measured = false  // from the first window on, a failure to write keeps the staging folder
        defer { if !published && !measured { try? FileManager.default.removeItem(atPath: staging) } }
        let work = try FileSystem.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: work) }
        let agents = scenario.load.agents.isEmpty ? nil : try AgentPool(load: scenario.load)
        defer { agents?.close() }
        var result = ScenarioResult(scenario: .init(name: scenario.name, file: scenario.file,
                                                    stack: ["project": scenario.stack.project, "django": scenario.stack.django ?? "", "uwsgi": scenario.stack.uwsgiIni, "nginx": scenario.stack.nginxConf,
                                                            "variants": scenario.variants.map(\.name).sorted().joined(separator: ", ")]),
                                    machine: .current(), stackbench: .init(version: StackbenchVersion.text, gitSha: StackbenchVersion.gitSha),
                                    startedAt: ISO8601DateFormatter().string(from: started), load: loadInfo())
        result.reproduction = reproduction()
        let projectFolder = scenario.stack.django ?? (scenario.stack.project.isEmpty ? nil : (scenario.stack.project as NSString).deletingLastPathComponent)
        result.label = label ?? projectFolder.flatMap(ExternalPrograms.commit(of:))
        if label == nil { result.commitTime = projectFolder.flatMap(ExternalPrograms.commitTime(of:)) }
        var preparation = ProjectPreparation(scenario: scenario, work: work, executable: executable)
        try preparation.run(django: scenario.stack.swiftServesDjango || scenario.variants.filter { skipped[$0] == nil }.contains { $0.pool == .uwsgi })
        result.preparation = preparation.notes
        keep(preparation.logFolder, in: staging + "/prepare", keeping: LogTail.keptBytesOfFailure)
        let cells = scenario.matrix.cells
        let plan = ExperimentPlan(targets: scenario.targets, cells: cells.filter { skipped[$0.variant(default: scenario.stack.variant)] == nil })
        for line in plan.summary(targetNames: scenario.targets.map(\.name)) { say("measured: " + line) }
        var eta = RunETA(windows: plan.windowsPerRound(repetitions: scenario.load.repetitions) * rounds,
                         secondsPerWindow: scenario.load.duration.map { Double($0 + scenario.load.warmup) / 1e9 + 0.3 })
        var visited: [Int: ScenarioResult.Cell] = [:]  // per cell: how its own stack fared (status, failure, notes)
        var stoodUp: Set<Int> = []
        rounds: for round in 1...rounds {
            for cell in cells {
                if stopFlag.value { break rounds }
                if let reason = skipped[cell.variant(default: scenario.stack.variant)] {
                    if round == 1 {
                        say("cell \(cell.index)/\(cells.count): \(cell.label): skipped: \(reason)")
                        visited[cell.index] = ScenarioResult.Cell(index: cell.index, label: cell.label, settings: cell.settings, status: .skipped,
                                                                  failure: reason, logTail: nil, notes: [])
                    }
                    continue
                }
                // Round r measures the targets rotated by r-1, so no target always follows the same one; of them
                // only those whose configuration this cell measures this round.
                let planned = plan.targets(measuredIn: cell.index, round: round)
                let order = scenario.targets.indices.map { ($0 + round - 1) % scenario.targets.count }.filter(planned.contains)
                guard !order.isEmpty else {
                    if visited[cell.index] == nil {
                        visited[cell.index] = ScenarioResult.Cell(index: cell.index, label: cell.label, settings: cell.settings, status: .ok, notes: [])
                    }
                    continue
                }
                say("cell \(cell.index)/\(cells.count)" + (rounds > 1 ? ", round \(round)/\(rounds)" : "") + ": \(cell.label)"
                    + (order.count < scenario.targets.count ? " (" + order.map { scenario.targets[$0].name }.joined(separator: ", ") + ")" : "")
                    + eta.text)
                let layout = StackLayout(work: work, cellIndex: cell.index, settingsFile: scenario.stack.project)
                let runner = CellRunner(scenario: scenario, cell: cell, layout: layout, executable: executable, currentLoad: currentLoad, agents: agents,
                                        position: "cell \(cell.index)/\(cells.count)" + (rounds > 1 ? " round \(round)" : ""),
                                        targetOrder: order, interrupted: { [stopFlag] in stopFlag.value }, say: say, live: live)
                var (cellResult, measuredTargets) = runner.run()
                measured = true
                eta.finished(order.count * scenario.load.repetitions)
                if stopFlag.value && cellResult.status != .ok { break rounds }  // the interrupted cell is not recorded
                if cellResult.status != .ok {
                    say("  failed: \(cellResult.failure ?? "")" + (cellResult.logTail.map { "\n" + $0 } ?? ""))
                }
                // The windows go to their configuration, whichever cell of those sharing it measured them.
                for var target in measuredTargets {
                    guard let index = scenario.targets.firstIndex(where: { $0.name == target.name }) else { continue }
                    for repetition in target.repetitions.indices {
                        target.repetitions[repetition].cell = cell.label
                        target.repetitions[repetition].round = round
                    }
                    target.ignores = plan.ignoredKeys[index]
                    result.append(target, measuredWith: cell.settings, cellLabel: cell.label)
                }
                cellResult.configs = Self.configs(in: layout.cell)
                visited[cell.index] = stoodUp.contains(cell.index) ? visited[cell.index]!.merging(cellResult, round: round) : cellResult
                stoodUp.insert(cell.index)
                for repetition in 1...scenario.load.repetitions where cellResult.status == .ok {
                    result.order = (result.order ?? []) + order.map { .init(round: round, cell: cell.label, target: scenario.targets[$0].name, repetition: repetition) }
                }
                // A cell that failed in any round keeps more of its logs: they hold every round, appended.
                keep(layout.cell, in: staging + "/" + "c" + Units.zeroPadded(cell.index, 2),
                     keeping: visited[cell.index]?.status == .ok ? LogTail.keptBytes : LogTail.keptBytesOfFailure)
            }
        }
        // Every cell that ran names the configuration of each target it shares, wherever that was measured.
        result.cells = cells.compactMap { visited[$0.index] }.map { cell in
            var cell = cell
            if cell.status != .skipped {
                cell.configurations = scenario.targets.indices.map { index in
                    let label = ScenarioResult.Configuration.label(ignoring: plan.ignoredKeys[index], inCellWith: cell.settings, labelled: cell.label)
                    return ScenarioResult.Configuration.id(target: scenario.targets[index].name, label: label)
                }.filter { result.configuration(id: $0) != nil }
            }
            return cell
        }
        result = result.withMedians(noiseLimit: scenario.load.noise)
        result.interrupted = stopFlag.value
        result.thresholds = checkThresholds(result)
        result.finishedAt = ISO8601DateFormatter().string(from: Date())
        do { try writeFiles(result, to: staging) } catch let error as FileError {
            throw FileError(path: error.path, problem: error.problem + "; what was measured is kept in \(staging)", exitStatus: .runFailed)
        }
        let finalFolder = try Self.publish(staging, as: folder)
        published = true
        return Outcome(folder: finalFolder, result: result, failedThresholds: result.thresholds.filter { !$0.passed },
                       failedCells: result.cells.filter { $0.status == .failed }.count)
    }

    /// The results folder exists or is made here — only its last component, as `mkdir` without `-p`: a typo in
    /// `--results` should not build a tree at the root — and has room for a run (64 MiB), refused before anything
    /// is measured.
    static func prepareResultsFolder(_ folder: String) throws {
        var status = stat()
        if stat(folder, &status) != 0 {
            guard mkdir(folder, 0o755) == 0 || errno == EEXIST else {
                let reason = errno == ENOENT ? "its parent folder does not exist (create it first)" : String(cString: strerror(errno))
                throw FileError(path: folder, problem: "cannot create the results folder: \(reason)")
            }
        } else if status.st_mode & S_IFMT != S_IFDIR {
            throw FileError(path: folder, problem: "not a folder (--results names where run folders go)")
        }
        guard access(folder, W_OK) == 0 else { throw FileError(path: folder, problem: "cannot write here: \(String(cString: strerror(errno)))") }
        var space = statvfs()
        if statvfs(folder, &space) == 0 {
            let free = Int(space.f_bavail) * Int(space.f_frsize)
            if free < minimumFreeBytes {
                throw FileError(path: folder, problem: "only \(Units.formatBytes(Double(free))) free; a run needs \(Units.formatBytes(Double(minimumFreeBytes))) for its results and logs")
            }
        }
    }

    static let minimumFreeBytes = 64 << 20

    /// Renames the finished staging folder to `folder`, or to `folder-2`, `-3`, ... when a run that started in the
    /// same second already took the name: a finished measurement is never lost to a clash.
    static func publish(_ staging: String, as folder: String) throws -> String {
        for attempt in 1...100 {
            let candidate = attempt == 1 ? folder : folder + "-\(attempt)"
            if rename(staging, candidate) == 0 { return candidate }
            guard errno == EEXIST || errno == ENOTEMPTY else {
                throw FileError(path: candidate, problem: "cannot move the finished run here: \(String(cString: strerror(errno))); it is kept in \(staging)",
                                exitStatus: .runFailed)
            }
        }
        throw FileError(path: folder, problem: "100 runs of this name in one second; the finished run is kept in \(staging)", exitStatus: .runFailed)
    }

    /// The programs of Debian's stack that the scenario's cells need, checked before anything starts. When some
    /// stack variants can run, the cells of the others are skipped (listed with the reason and the install
    /// command); when none can, the run stops here.
    private func checkExternalPrograms() throws -> [StackVariant: String] {
        let skipped = ExternalPrograms.unavailable(scenario.variants)
        if skipped.count == scenario.variants.count, let reason = skipped.values.sorted().first {
            throw FileError(path: scenario.file, problem: reason, exitStatus: .runFailed)
        }
        return skipped
    }

    private func reproduction() -> ScenarioResult.Reproduction {
        let files = ["uwsgi": scenario.stack.uwsgiIni, "nginx": scenario.stack.nginxConf].compactMapValues { try? String(contentsOfFile: $0, encoding: .utf8) }
        var command = "stackbench run \(scenario.file)" + (quick ? " --quick" : "") + (rounds > 1 ? " --repeat \(rounds)" : "")
        if scenario.file.isEmpty { command = "stackbench run --replay" }
        return .init(scenarioText: scenario.text, scenarioFolder: (URL(fileURLWithPath: scenario.file).standardizedFileURL.path as NSString).deletingLastPathComponent,
                     stackFiles: files, quick: quick, rounds: rounds, command: command,
                     randomness: "the request mix draws from xorshift64 seeded 0x9E3779B97F4A7C15 × (client thread + 1): the same every run",
                     programs: ExternalPrograms.versions(for: scenario.variants))
    }

    /// The generated configs of a cell folder, by file name.
    static func configs(in folder: String) -> [String: String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return Dictionary(uniqueKeysWithValues: names.filter { $0 == "uwsgi.ini" || $0 == "nginx.conf" }.compactMap { name in
            (try? String(contentsOfFile: folder + "/" + name, encoding: .utf8)).map { (name, $0) }
        })
    }

    private func loadInfo() -> ScenarioResult.LoadInfo {
        let load = scenario.load
        return .init(connections: load.connections, threads: load.threads, durationSeconds: load.duration.map { Double($0) / 1e9 },
                     count: load.count, warmupSeconds: Double(load.warmup) / 1e9, rate: load.rate, repetitions: load.repetitions,
                     keepAlive: load.keepAlive, clientCPUs: load.clientCPUs?.description, serverCPUs: load.serverCPUs?.description,
                     rounds: rounds, search: load.search.map { search in
                         "\(search.text), steps of \(Units.formatMicroseconds(Double(search.step) / 1000)) from \(Units.formatCount(search.start)) req/s, to \(Int(search.precision * 100))%"
                     }, engine: load.engine)
    }

    /// The cell's configs and logs, copied into the run folder (sockets and pidfiles are gone by now); a later
    /// round's copy replaces the earlier one (its logs hold every round, appended). A log over `kept` bytes keeps
    /// its first and last lines only, unless `--keep-logs` (an access log of a 5 s window is tens of MB).
    private func keep(_ cellFolder: String, in target: String, keeping kept: Int) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: cellFolder) else { return }
        try? FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        for name in names where name.hasSuffix(".ini") || name.hasSuffix(".conf") || name.hasSuffix(".log") {
            try? FileManager.default.removeItem(atPath: target + "/" + name)
            if name.hasSuffix(".log"), !keepLogs {
                LogTail.copy(cellFolder + "/" + name, to: target + "/" + name, keeping: kept)
            } else {
                try? FileManager.default.copyItem(atPath: cellFolder + "/" + name, toPath: target + "/" + name)
            }
        }
    }

    private func checkThresholds(_ result: ScenarioResult) -> [ScenarioResult.ThresholdOutcome] {
        var outcomes: [ScenarioResult.ThresholdOutcome] = []
        let names = scenario.targets.map(\.name)
        for cell in result.cells where cell.status == .ok {
            for threshold in scenario.thresholds {
                let verdicts = threshold.check(targets: names) { target, metric in
                    result.target(target, in: cell)?.median?.value(metric)
                }
                outcomes += verdicts.map {
                    .init(threshold: threshold.text, line: threshold.line, cell: cell.label, target: $0.target, value: $0.value, passed: $0.passed)
                }
            }
        }
        return outcomes
    }

    private func writeFiles(_ result: ScenarioResult, to folder: String) throws {
        try RunFolder.write(result, to: folder)
        try? FileManager.default.copyItem(atPath: scenario.file, toPath: folder + "/scenario.yml")
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: date)
    }

    static func safeName(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "-" })
    }
}


/// The time left in a run, for its progress lines: the windows still to measure times the seconds a window has
/// taken so far (stack start-up included), or, before the first, the planned warm-up and window plus 0.3 s.
struct RunETA {
    let windows: Int
    let secondsPerWindow: Double?
    private var done = 0
    private let started = Date()

    init(windows: Int, secondsPerWindow: Double?) {
        self.windows = windows
        self.secondsPerWindow = secondsPerWindow
    }

    mutating func finished(_ count: Int) { done += count }

    /// " — about 6m12s left", or "" when nothing can be said (a capacity search before its first window).
    var text: String {
        let perWindow = done > 0 ? Date().timeIntervalSince(started) / Double(done) : secondsPerWindow
        guard let perWindow, windows > done else { return "" }
        let seconds = Int((perWindow * Double(windows - done)).rounded())
        return " — about " + (seconds >= 60 ? "\(seconds / 60)m\(Units.zeroPadded(seconds % 60, 2))s" : "\(seconds)s") + " left"
    }
}
