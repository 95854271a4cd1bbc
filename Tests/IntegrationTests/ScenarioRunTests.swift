import BenchSupport
import Foundation
import StackbenchTesting
import Testing

/// `stackbench run` as a user runs it: the seed's files through a one-cell scenario on the Swift stack; the run
/// folder holds result.json and report.md, and nothing of the stack is left running.
@Suite(.serialized) struct ScenarioRunTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    @Test func aShortRunOnTheSwiftStackWritesResultsAndLeavesNothingBehind() throws {
        let folder = try TemporaryFolder()
        let scenario = folder.file("short.yml")
        try """
            name: short
            stack:
              project: \(Self.repository)/scenarios/teacher/settings.yml
              uwsgi: \(Self.repository)/scenarios/teacher/uwsgi.ini
              nginx: \(Self.repository)/scenarios/teacher/nginx.conf
            matrix:
              workers: 2
            targets:
              dev-server: {requests: [/hello]}
              proxied-static: {requests: [/static/css/app.css], checks: {min-size: 10}}
              proxied-dynamic: {requests: [/api/teachers], checks: {contains: teachers}}
            load: {connections: 4, duration: 300ms, warmup: 100ms}
            thresholds:
              - errors == 0
            """.write(toFile: scenario, atomically: true, encoding: .utf8)
        let (run, stack) = try Self.runWatchingTheStack(scenario, results: folder.file("results"))
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(stack.count >= 4, "pool master and workers, front, runserver: \(stack)")
        let runs = try FileManager.default.contentsOfDirectory(atPath: folder.file("results"))
        #expect(runs.count == 1 && runs[0].hasSuffix("-short"))
        let runFolder = folder.file("results/" + (runs.first ?? ""))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: runFolder + "/result.json"))) as! [String: Any]
        #expect(json["schema"] as? String == "stackbench.run/3")
        let cells = json["cells"] as? [[String: Any]] ?? []
        #expect(cells.count == 1 && cells.first?["status"] as? String == "ok", "\(cells.first?["failure"] ?? "")")
        let targets = Self.targets(of: cells.first, in: json)
        #expect(targets.map { $0["name"] as? String } == ["dev-server", "proxied-static", "proxied-dynamic"])
        for target in targets {
            let median = target["median"] as? [String: Any]
            #expect((median?["rps"] as? Double ?? 0) > 0, "\(target["name"] ?? "")")
        }
        let report = try String(contentsOfFile: runFolder + "/report.md", encoding: .utf8)
        #expect(report.contains("## proxied-dynamic") && report.contains("| `errors == 0` |"))
        // A cell that finished keeps the last 64 KiB of each log (the access log of these windows is larger).
        let logs = try FileManager.default.contentsOfDirectory(atPath: runFolder + "/c01").filter { $0.hasSuffix(".log") }
        let sizes = try logs.map { try FileManager.default.attributesOfItem(atPath: runFolder + "/c01/" + $0)[.size] as? Int ?? 0 }
        #expect(sizes.allSatisfy { $0 <= 64 * 1024 + 200 } && sizes.contains { $0 > 60 * 1024 }, "\(zip(logs, sizes).map { "\($0) \($1)" })")
        let html = try String(contentsOfFile: runFolder + "/report.html", encoding: .utf8)
        // Throughput, CPU, memory, and per target its latency curve; no rate-over-time chart for windows under 3 s.
        #expect(html.components(separatedBy: "<svg").count - 1 >= 6, "throughput, CPU, memory, and per target latency")
        #expect(!html.contains("src=") && !html.contains("href=\"http") && !html.contains("<script"), "self-contained, nothing fetched")
        #expect(html.contains("proxied-dynamic") && html.contains("percentile"))
        // `stackbench report` writes both reports again from result.json alone.
        try FileManager.default.removeItem(atPath: runFolder + "/report.html")
        let again = try runCommand(BuiltProducts.stackbench, ["report", runFolder])
        #expect(again.status == 0 && FileManager.default.fileExists(atPath: runFolder + "/report.html"), "\(again.stderr)")
        let uwsgiIni = try String(contentsOfFile: runFolder + "/c01/uwsgi.ini", encoding: .utf8)
        #expect(!uwsgiIni.contains("/opt/project") && uwsgiIni.contains("workers = 2") && !uwsgiIni.contains("daemonize"))
        let nginx = try String(contentsOfFile: runFolder + "/c01/nginx.conf", encoding: .utf8)
        #expect(!nginx.contains("/opt/project") && nginx.contains("log_format main"))
        #expect(stack.filter { kill($0, 0) == 0 }.isEmpty, "stack processes left: \(stack.filter { kill($0, 0) == 0 })")
    }

    @Test func badFlagsAndForeignResultsExit2WithTheReason() throws {
        let folder = try TemporaryFolder()
        let scenario = try Self.twoCells(in: folder, targets: "  proxied-static: {requests: [/static/css/app.css]}", duration: "300ms")
        func run(_ arguments: [String]) throws -> (status: Int32, stderr: String) {
            let outcome = try runCommand(BuiltProducts.stackbench, arguments + ["--results", folder.file("results")])
            return (outcome.status, outcome.stderr)
        }
        let cases: [([String], String)] = [
            (["run", scenario, "--repeat", "0"], "--repeat must be 1 to 100, got 0"),
            (["run", scenario, "--label", ""], "--label must be 1 to 200 characters on one line, got \"\""),
            (["run", scenario, "--label", "a\nb"], "--label must be 1 to 200 characters on one line, got \"a\\nb\""),
            (["run", scenario, "--label", String(repeating: "x", count: 201)], "--label must be 1 to 200 characters on one line"),
            (["run"], "SCENARIO missing: name a scenario file, or --replay RUN"),
            (["run", scenario, "--replay", folder.path], "--replay runs a recorded scenario; leave the SCENARIO argument out"),
            (["run", "--replay", folder.file("nope"), "--quick"], "--replay takes --quick and --repeat from the recorded run"),
            (["run", "--replay", folder.file("nope")], "nope: cannot read: No such file or directory"),
        ]
        for (arguments, problem) in cases {
            let outcome = try run(arguments)
            #expect(outcome.status == 2 && outcome.stderr.contains(problem), "\(arguments): \(outcome.stderr)")
        }
        // A result.json without a reproduction record (an older stackbench): replay says so; report rewrites it.
        let old = folder.file("old")
        try FileManager.default.createDirectory(atPath: old, withIntermediateDirectories: true)
        let oldResult = #"{"schema": "stackbench.run/2", "scenario": {"name": "old", "file": "old.yml", "stack": {}}, "#
            + #""machine": {"cpuModel": "x", "cores": 2, "kernel": "6"}, "stackbench": {"version": "0.1.0"}, "startedAt": "2026-11-30T00:00:00Z", "#
            + #""interrupted": false, "load": {"connections": 1, "threads": 1, "warmupSeconds": 0, "repetitions": 1, "keepAlive": true}, "#
            + #""cells": [], "thresholds": []}"#
        try oldResult.write(toFile: old + "/result.json", atomically: true, encoding: .utf8)
        let replay = try run(["run", "--replay", old])
        #expect(replay.status == 2 && replay.stderr.contains("holds no reproduction record"), "\(replay.stderr)")
        let report = try runCommand(BuiltProducts.stackbench, ["report", old])
        #expect(report.status == 0 && FileManager.default.fileExists(atPath: old + "/report.html"), "\(report.stderr)")
        try "{\"schema\": \"stackbench.run/2\"}".write(toFile: old + "/result.json", atomically: true, encoding: .utf8)
        let broken = try runCommand(BuiltProducts.stackbench, ["report", old])
        #expect(broken.status == 2 && broken.stderr.contains("not a complete stackbench.run/2 result: key scenario missing"), "\(broken.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.file("results")), "nothing was run")
    }

    @Test func twoRunsInTheSameSecondBothKeepTheirResultsAndAMissingResultsParentIsRefused() throws {
        let folder = try TemporaryFolder()
        let scenario = try Self.twoCells(in: folder, targets: "  proxied-static: {requests: [/static/css/app.css]}", duration: "200ms")
        let results = folder.file("results")
        let runs = try (0..<2).map { _ in try RunningProcess(BuiltProducts.stackbench, ["run", scenario, "--results", results, "--quick"]) }
        let outcomes = runs.map { $0.wait(timeout: 120) }
        #expect(outcomes.allSatisfy { $0.status == 0 }, "\(outcomes.map(\.stderr))")
        let folders = try FileManager.default.contentsOfDirectory(atPath: results).sorted()
        #expect(folders.count == 2 && folders.allSatisfy { $0.contains("-two") }, "both runs kept, the second renamed if they met: \(folders)")
        #expect(!folders.contains { $0.hasPrefix(".") }, "no staging folder left")
        let deep = folder.file("nonexistent/deep/dir")
        let refused = try runCommand(BuiltProducts.stackbench, ["run", scenario, "--results", deep, "--quick"])
        #expect(refused.status == 2 && refused.stderr.contains("\(deep): cannot create the results folder: its parent folder does not exist"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.file("nonexistent")), "nothing created")
    }

    @Test func aBadScenarioExits2NamingTheLine() throws {
        let folder = try TemporaryFolder()
        let scenario = folder.file("bad.yml")
        try "stack: {}\ntargets: {}\nload:\n  conections: 3\n".write(toFile: scenario, atomically: true, encoding: .utf8)
        let run = try runCommand(BuiltProducts.stackbench, ["run", scenario, "--results", folder.file("results")])
        #expect(run.status == 2)
        #expect(run.stderr.contains("bad.yml:1") , "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.file("results")), "nothing written for a bad scenario")
    }

    /// The `stack:` block of a scenario over the seed's files (the teacher app).
    static let teacherStack = """
        stack:
          project: \(repository)/scenarios/teacher/settings.yml
          uwsgi: \(repository)/scenarios/teacher/uwsgi.ini
          nginx: \(repository)/scenarios/teacher/nginx.conf
        """

    /// A scenario over the seed's files sweeping workers {1, 2}: two cells, `targets` measured `duration` each.
    static func twoCells(in folder: TemporaryFolder, targets: String, duration: String) throws -> String {
        let file = folder.file("two.yml")
        try """
            name: two
            \(teacherStack)
            matrix:
              workers: [1, 2]
            targets:
            \(targets)
            load: {connections: 4, duration: \(duration), warmup: 200ms}
            """.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    /// The one run folder under `results`, its result.json decoded.
    static func onlyRun(in results: String) throws -> (folder: String, json: [String: Any]) {
        let runs = try FileManager.default.contentsOfDirectory(atPath: results)
        try #require(runs.count == 1, "\(runs)")
        let folder = results + "/" + runs[0]
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/result.json"))) as? [String: Any]
        return (folder, try #require(json))
    }

    /// The targets of `cell` in a result.json, in the scenario's order: those of the configurations it names.
    static func targets(of cell: [String: Any]?, in json: [String: Any]) -> [[String: Any]] {
        let configurations = json["configurations"] as? [[String: Any]] ?? []
        return (cell?["configurations"] as? [String] ?? []).compactMap { id in
            configurations.first { $0["id"] as? String == id }?["target"] as? [String: Any]
        }
    }

    /// `stackbench run SCENARIO`, noting every process it starts (polled from /proc while it runs), so a test can
    /// check afterwards that none is left.
    static func runWatchingTheStack(_ scenario: String, results: String, timeout: Double = 180) throws
        -> (outcome: (status: Int32, stdout: String, stderr: String), stack: Set<pid_t>) {
        let process = try RunningProcess(BuiltProducts.stackbench, ["run", scenario, "--results", results])
        var stack = Set<pid_t>()
        let deadline = Date().addingTimeInterval(timeout)
        while kill(process.pid, 0) == 0, Date() < deadline, !process.outputSoFar.contains("results: ") {
            stack.formUnion(process.descendants)
            usleep(50_000)
        }
        return (process.wait(timeout: timeout), stack)
    }

    static func commandLine(of pid: pid_t) -> [String] {
        let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data()
        return data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func ctrlCMidRunStopsEveryProcessAndKeepsOnlyTheFinishedCells() throws {
        let folder = try TemporaryFolder()
        let scenario = try Self.twoCells(in: folder, targets: """
              proxied-static: {requests: [/static/css/app.css]}
              proxied-dynamic: {requests: [/api/teachers]}
            """, duration: "2s")
        let results = folder.file("results")
        let run = try RunningProcess(BuiltProducts.stackbench, ["run", scenario, "--results", results])
        try #require(run.waitForOutput("cell 2/2", timeout: 60), "\(run.outputSoFar)")
        usleep(1_500_000)  // into cell 2's first window
        let stack = run.descendants
        let work = stack.lazy.compactMap { Self.commandLine(of: $0).first { $0.hasSuffix("/uwsgi.ini") } }.first
            .map { (($0 as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent }
        #expect(stack.count >= 3, "pool master, its workers, the front: \(stack)")
        kill(run.pid, SIGINT)
        let outcome = run.wait(timeout: 30)
        #expect(outcome.status == 130, "\(outcome.stdout)\n\(outcome.stderr)")
        #expect(stack.filter { kill($0, 0) == 0 }.isEmpty, "stack processes left: \(stack.filter { kill($0, 0) == 0 })")
        let workFolder = try #require(work, "the pool's ini names the work folder")
        #expect(!FileManager.default.fileExists(atPath: workFolder), "work folder (sockets, pidfiles) left: \(workFolder)")
        let (runFolder, json) = try Self.onlyRun(in: results)
        #expect(json["interrupted"] as? Bool == true)
        let cells = json["cells"] as? [[String: Any]] ?? []
        #expect(cells.map { $0["label"] as? String } == ["workers=1"], "only the finished cell is kept")
        let files = FileManager.default.enumerator(atPath: runFolder)?.allObjects as? [String] ?? []
        #expect(files.filter { $0.hasSuffix(".tmp") || $0.contains(".tmp.") }.isEmpty, "half-written files: \(files)")
        #expect(files.contains("report.md") && files.contains("report.html"))
    }

    @Test func aPoolKilledMidRunFailsItsCellWithTheLogTailAndTheRunGoesOn() throws {
        let folder = try TemporaryFolder()
        let scenario = try Self.twoCells(in: folder, targets: """
              proxied-dynamic: {requests: [/api/teachers]}
            """, duration: "3s")
        let results = folder.file("results")
        let run = try RunningProcess(BuiltProducts.stackbench, ["run", scenario, "--results", results])
        try #require(run.waitForOutput("cell 1/2", timeout: 60), "\(run.outputSoFar)")
        usleep(2_000_000)  // started, checked, warmed up: measuring
        let master = try #require(run.descendants.first { Self.commandLine(of: $0).contains("uwsgi") }, "the pool's master")
        kill(master, SIGKILL)
        let outcome = run.wait(timeout: 60)
        #expect(outcome.status == 1, "\(outcome.stdout)\n\(outcome.stderr)")
        #expect(outcome.stderr.contains("1 cell(s) failed"))
        let (_, json) = try Self.onlyRun(in: results)
        let cells = json["cells"] as? [[String: Any]] ?? []
        try #require(cells.count == 2)
        #expect(cells[0]["status"] as? String == "failed")
        let failure = (cells[0]["failure"] as? String) ?? "", logTail = (cells[0]["logTail"] as? String) ?? ""
        #expect(failure.contains("pool killed by signal 9 during the measurement of proxied-dynamic"),
                "\(cells[0]["failure"] ?? "")")
        #expect(logTail.contains("== pool"), "\(logTail)")
        #expect(cells[1]["status"] as? String == "ok", "\(cells[1]["failure"] ?? "")")
    }

    @Test func aRunIsReplayedFromItsRecordAlone() throws {
        let folder = try TemporaryFolder()
        let scenario = try Self.twoCells(in: folder, targets: """
              proxied-static: {requests: [/static/css/app.css]}
            """, duration: "300ms")
        let results = folder.file("results")
        let first = try runCommand(BuiltProducts.stackbench, ["run", scenario, "--results", results, "--repeat", "2"])
        #expect(first.status == 0, "\(first.stderr)")
        let (runFolder, json) = try Self.onlyRun(in: results)
        let record = try #require(json["reproduction"] as? [String: Any])
        #expect((record["stackFiles"] as? [String: String])?["uwsgi"]?.contains("/opt/project") == true, "the user's ini as it was")
        #expect(record["rounds"] as? Int == 2)
        let configs = (json["cells"] as? [[String: Any]])?.first?["configs"] as? [String: String]
        #expect(configs?["nginx.conf"]?.contains("listen 127.0.0.1:") == true, "\(configs ?? [:])")
        try FileManager.default.removeItem(atPath: scenario)  // the record is enough
        let replay = try runCommand(BuiltProducts.stackbench, ["run", "--replay", runFolder, "--results", folder.file("again")])
        #expect(replay.status == 0, "\(replay.stdout)\n\(replay.stderr)")
        let (_, again) = try Self.onlyRun(in: folder.file("again"))
        #expect((again["cells"] as? [[String: Any]])?.map { $0["label"] as? String } == ["workers=1", "workers=2"])
        #expect((again["load"] as? [String: Any])?["rounds"] as? Int == 2)
        let compared = try runCommand(BuiltProducts.stackbench, ["compare", runFolder, folder.file("again"), "--metrics", "rps"])
        #expect(compared.status == 0 && compared.stdout.contains("every cell · proxied-static"), "one row for the static path both cells share: \(compared.stdout)")
    }

    /// Issue 29: a result.json may come from a shared CI artifact; --replay showed nothing and ran its `setup:`
    /// commands as the user. Now it lists them and refuses (exit 2, nothing run) unless --allow-setup is given.
    @Test func aReplayRunsRecordedSetupCommandsOnlyWhenAllowed() throws {
        let folder = try TemporaryFolder()
        let scenario = try Self.twoCells(in: folder, targets: """
              proxied-static: {requests: [/static/css/app.css]}
            """, duration: "200ms")
        let results = folder.file("results")
        let first = try runCommand(BuiltProducts.stackbench, ["run", scenario, "--results", results, "--quick"])
        #expect(first.status == 0, "\(first.stderr)")
        let (runFolder, _) = try Self.onlyRun(in: results)
        let file = URL(fileURLWithPath: runFolder + "/result.json")
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        var record = try #require(json["reproduction"] as? [String: Any])
        let marker = folder.file("pwned")
        record["scenarioText"] = ((record["scenarioText"] as? String) ?? "") + "\nsetup:\n  - touch \(marker)\n"
        json["reproduction"] = record
        try JSONSerialization.data(withJSONObject: json).write(to: file)
        let refused = try runCommand(BuiltProducts.stackbench, ["run", "--replay", runFolder, "--results", folder.file("again")])
        #expect(refused.status == 2 && refused.stderr.contains("touch \(marker)") && refused.stderr.contains("--allow-setup"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: marker), "nothing recorded was run")
        let allowed = try runCommand(BuiltProducts.stackbench, ["run", "--replay", runFolder, "--allow-setup", "--results", folder.file("again")])
        #expect(allowed.status == 0, "\(allowed.stderr)")
        #expect(FileManager.default.fileExists(atPath: marker), "run when allowed")
        let misplaced = try runCommand(BuiltProducts.stackbench, ["run", scenario, "--allow-setup", "--check"])
        #expect(misplaced.status == 2 && misplaced.stderr.contains("--allow-setup goes with --replay"), "\(misplaced.stderr)")
    }

    /// Issue 29: a run killed outright (SIGKILL) left its work folder (a project copy, 15 MB) and its hidden staging
    /// folder behind for good. The next run removes both, naming them, and leaves another live run's alone.
    @Test func aRunKilledOutrightIsCleanedUpByTheNext() throws {
        let folder = try TemporaryFolder()
        let scenario = try Self.twoCells(in: folder, targets: """
              proxied-static: {requests: [/static/css/app.css]}
            """, duration: "5s")
        let results = folder.file("results")
        let killed = try RunningProcess(BuiltProducts.stackbench, ["run", scenario, "--results", results])
        try #require(killed.waitForOutput("cell 1/2", timeout: 60), "\(killed.outputSoFar)")
        // The stack is started just after "cell 1/2" is printed: wait for its front, or a front started after the
        // snapshot outlives the kill, holds the run's output pipe, and this test waits on it (seen: 6 minutes).
        var stack = killed.descendants
        let deadline = Date().addingTimeInterval(30)
        while !stack.contains(where: { Self.commandLine(of: $0).contains("front") }), Date() < deadline {
            usleep(50_000)
            stack = killed.descendants
        }
        let pid = killed.pid
        kill(pid, SIGKILL)
        _ = killed.wait(timeout: 10)
        for child in stack where kill(child, 0) == 0 { kill(child, SIGKILL) }  // the stack's own end is another test's
        let work = FileSystem.glob(NSTemporaryDirectory() + "/stackbench-\(pid)-*")
        let staging = FileSystem.glob(results + "/.*.\(pid).partial")
        #expect(!work.isEmpty && !staging.isEmpty, "the killed run left \(work) and \(staging)")
        let next = try runCommand(BuiltProducts.stackbench, ["run", scenario, "--results", results, "--quick"])
        #expect(next.status == 0, "\(next.stderr)")
        for path in work + staging {
            #expect(!FileManager.default.fileExists(atPath: path), "\(path) is removed")
            #expect(next.stderr.contains("removed \(path), left by a stackbench run that was killed"), "\(next.stderr)")
        }
    }

    @Test func aWorkerKilledFromOutsideFlagsItsWindowDisturbed() throws {
        let folder = try TemporaryFolder()
        let file = folder.file("disturbed.yml")
        try """
            name: disturbed
            stack:
              project: \(Self.repository)/scenarios/teacher/settings.yml
              uwsgi: \(Self.repository)/scenarios/teacher/uwsgi.ini
              nginx: \(Self.repository)/scenarios/teacher/nginx.conf
            targets:
              proxied-dynamic: {requests: [/api/teachers]}
            load: {connections: 4, duration: 3s, warmup: 200ms}
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let run = try RunningProcess(BuiltProducts.stackbench, ["run", file, "--results", folder.file("results")])
        try #require(run.waitForOutput("cell 1/1", timeout: 60), "\(run.outputSoFar)")
        usleep(1_500_000)  // into the window
        let master = try #require(run.descendants.first { Self.commandLine(of: $0).contains("uwsgi") })
        let worker = try #require(ProcessTree.children(of: master).first, "a worker of the pool")
        kill(worker, SIGKILL)  // the master respawns it: the cell goes on, the window is not to be trusted
        let outcome = run.wait(timeout: 60)
        #expect(outcome.status == 0, "\(outcome.stdout)\n\(outcome.stderr)")
        let (runFolder, json) = try Self.onlyRun(in: folder.file("results"))
        let target = Self.targets(of: (json["cells"] as? [[String: Any]])?.first, in: json).first
        let flags = ((target?["repetitions"] as? [[String: Any]])?.first?["flags"] as? [[String: Any]]) ?? []
        #expect(flags.first?["kind"] as? String == "disturbed", "\(flags)")
        let detail = (flags.first?["detail"] as? String) ?? ""
        #expect(detail.contains("pool pid \(worker) ended at"), "\(flags)")
        let report = try String(contentsOfFile: runFolder + "/report.md", encoding: .utf8)
        #expect(report.contains("| disturbed | pool pid \(worker) ended at"), "\(report)")
    }
}
