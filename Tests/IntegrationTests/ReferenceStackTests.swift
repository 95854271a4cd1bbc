import Foundation
import StackbenchTesting
import Testing

/// The reference stack beside ours: Debian's nginx, uWSGI and Django stood up by `stackbench run` from the seed's
/// files, each mix serving the teacher endpoints, and the Django twin of the teacher app answering with the same
/// bytes as the Swift one. Skipped, saying why, only where the Debian packages cannot be installed.
@Suite(.serialized, .enabled(if: ReferenceStack.installed, "Debian's nginx, uwsgi, uwsgi-plugin-python3 and python3-django could not be installed"))
struct ReferenceStackTests {
    static let repository = ScenarioRunTests.repository

    /// A scenario over the seed's files and the Django project, `matrix` and `targets` as given, a tiny load.
    static func scenario(in folder: TemporaryFolder, matrix: String, targets: String,
                         load: String = "{connections: 2, duration: 300ms, warmup: 100ms}",
                         uwsgi: String = "\(repository)/scenarios/teacher/uwsgi.ini", nginx: String = "\(repository)/scenarios/teacher/nginx.conf") throws -> String {
        let file = folder.file("reference.yml")
        try """
            name: reference
            stack:
              project: \(repository)/scenarios/teacher/settings.yml
              django: \(repository)/scenarios/reference/teacher-django
              uwsgi: \(uwsgi)
              nginx: \(nginx)
            matrix:
            \(matrix)
            targets:
            \(targets)
            load: \(load)
            thresholds:
              - errors == 0
              - non2xx == 0
            """.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    /// Runs `stackbench run` watching the processes it starts; its outcome, its result.json and those processes.
    static func run(_ scenario: String, results: String) throws -> (status: Int32, output: String, json: [String: Any], stack: Set<pid_t>) {
        let (outcome, stack) = try ScenarioRunTests.runWatchingTheStack(scenario, results: results)
        let (_, json) = try ScenarioRunTests.onlyRun(in: results)
        return (outcome.status, outcome.stdout + outcome.stderr, json, stack)
    }

    @Test func theReferenceStackStartsServesEveryPathAndStopsCleanly() throws {
        let folder = try TemporaryFolder()
        let scenario = try Self.scenario(in: folder, matrix: "  stack: reference", targets: """
              dev-server: {requests: [/api/teachers], checks: {contains: teachers}}
              proxied-static: {requests: [/static/css/app.css], checks: {min-size: 100}}
              proxied-dynamic: {requests: [/api/teachers, /hello, /], checks: {contains: e}}
              pool-direct: {requests: [/api/teachers], checks: {contains: teachers}}
            """)
        let run = try Self.run(scenario, results: folder.file("results"))
        #expect(run.status == 0, "\(run.output)")
        let cells = run.json["cells"] as? [[String: Any]] ?? []
        #expect(cells.count == 1 && cells.first?["status"] as? String == "ok", "\(cells.first?["failure"] ?? "") \(cells.first?["logTail"] ?? "")")
        // Debian's programs really ran: their configs and uWSGI's own log say so.
        let runFolder = try #require(try FileManager.default.contentsOfDirectory(atPath: folder.file("results")).first)
        let ini = try String(contentsOfFile: folder.file("results/\(runFolder)/c01/uwsgi.ini"), encoding: .utf8)
        #expect(ini.contains("plugin = python3") && ini.contains("/django"), "\(ini)")
        let conf = try String(contentsOfFile: folder.file("results/\(runFolder)/c01/nginx.conf"), encoding: .utf8)
        #expect(conf.contains("daemon off;"), "\(conf)")
        let poolLog = try String(contentsOfFile: folder.file("results/\(runFolder)/c01/uwsgi.log"), encoding: .utf8)
        #expect(poolLog.contains("uWSGI"), "Debian's uWSGI wrote the pool log")
        #expect(run.stack.count >= 5, "nginx master + worker, uWSGI master + 3 workers, runserver: \(run.stack.count)")
        #expect(run.stack.filter { kill($0, 0) == 0 }.isEmpty, "left running: \(run.stack.filter { kill($0, 0) == 0 })")
    }

    /// One worker, one thread, a view that sleeps 5 ms, 8 connections: on our stack and on Debian's nginx + uWSGI
    /// the report names the pool as the bottleneck, puts about 5 ms in a worker and most of the ~42 ms median
    /// waiting for one (Little's law: 8 requests in the system, one served at a time), and the window is not
    /// flagged latency-bound; the pool's accept queue holds the connections waiting.
    @Test func aSaturatedPoolIsNamedAsTheBottleneckOnBothStacks() throws {
        let folder = try TemporaryFolder()
        let scenario = try Self.scenario(in: folder, matrix: "  stack: [swift, reference]\n  workers: [1]\n  threads: [1]", targets: """
              proxied-dynamic: {requests: ["/sleep?ms=5"], checks: {contains: slept}}
            """, load: "{connections: 8, duration: 2s, warmup: 300ms, client-cpus: \"0\", server-cpus: \"1\"}")
        let run = try Self.run(scenario, results: folder.file("results"))
        #expect(run.status == 0, "\(run.output)")
        let cells = run.json["cells"] as? [[String: Any]] ?? []
        #expect(cells.count == 2)
        for cell in cells {
            let target = try #require(ScenarioRunTests.targets(of: cell, in: run.json).first)
            let window = try #require((target["repetitions"] as? [[String: Any]])?.first)
            let flags = (window["flags"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
            #expect(!flags.contains("latency-bound"), "\(cell["label"] ?? ""): \(flags)")
            let worker = try #require(((window["pool"] as? [String: Any])?["workers"] as? [[String: Any]])?.first)
            let busy = try #require(worker["busyMicros"] as? Int)
            let requests = try #require(worker["requests"] as? Int)
            #expect(requests > 0 && (4_500...9_000).contains(busy / requests), "\(cell["label"] ?? ""): \(busy / max(requests, 1)) µs a request in the worker")
            // 8 connections, one in the worker: the rest wait in the pool socket's accept queue, sampled from outside.
            let queue = try #require((window["pool"] as? [String: Any])?["listenQueue"] as? [String: Any], "\(cell["label"] ?? "")")
            #expect((3...8).contains(queue["mean"] as? Double ?? 0) && (queue["samples"] as? Int ?? 0) >= 5, "\(cell["label"] ?? ""): \(queue)")
        }
        let (runFolder, finding) = try Self.proxiedDynamicFinding(in: folder)
        #expect(finding.components(separatedBy: "the pool: its 1 slot(s) (workers × threads) were busy").count == 3, "\(finding)")
        // The split of the median from the front's timing log: a worker's ~5 ms, 25-45 ms waiting for one (8
        // requests in the system, one served at a time), little in the front, on each stack.
        let (inWorker, waiting, inFront) = Self.split(finding)
        #expect(inWorker.count == 2 && inWorker.allSatisfy { (4.5...9).contains($0) }, "\(finding)")
        #expect(waiting.count == 2 && waiting.allSatisfy { (25...45).contains($0) }, "\(finding)")
        #expect(inFront.count == 2 && inFront.allSatisfy { $0 < 3 }, "\(finding)")
        let timing = try String(contentsOfFile: folder.file("results/\(runFolder)/c01/timing.log"), encoding: .utf8)
        #expect(timing.split(separator: "\n").count > 100, "the front's timing log was kept: \(timing.prefix(300))")
    }

    /// The run folder under `folder`/results and its report's line on where proxied-dynamic's time went.
    static func proxiedDynamicFinding(in folder: TemporaryFolder) throws -> (runFolder: String, finding: Substring) {
        let runFolder = try #require(try FileManager.default.contentsOfDirectory(atPath: folder.file("results")).first)
        let report = try String(contentsOfFile: folder.file("results/\(runFolder)/report.md"), encoding: .utf8)
        return (runFolder, try #require(report.split(separator: "\n").first { $0.contains("Where proxied-dynamic's time went") }))
    }

    /// The finding's milliseconds in a worker, waiting for one and in the front, one of each per configuration.
    static func split(_ finding: Substring) -> (inWorker: [Double], waiting: [Double], inFront: [Double]) {
        func figures(before marker: String) -> [Double] {
            finding.components(separatedBy: marker).dropLast().compactMap { before in
                before.split(separator: " ").last.flatMap { word -> Double? in  // in ms, from "5.50ms" or "255.00us"
                    word.hasSuffix("us") ? Double(word.dropLast(2)).map { $0 / 1000 } : Double(word.replacingOccurrences(of: "ms", with: ""))
                }
            }
        }
        return (figures(before: " in a worker"), figures(before: " waiting for one"), figures(before: " in the front"))
    }

    /// A slow app with room in the pool (4 threads, 2 connections, a view that sleeps 20 ms): the time is in a
    /// worker, hardly any waiting for one, nothing in the accept queue, and no tier is called saturated.
    @Test func aSlowAppWithRoomInThePoolHoldsTheTimeInAWorker() throws {
        let folder = try TemporaryFolder()
        let scenario = try Self.scenario(in: folder, matrix: "  stack: [swift, reference]\n  workers: [1]\n  threads: [4]", targets: """
              proxied-dynamic: {requests: ["/sleep?ms=20"], checks: {contains: slept}}
            """, load: "{connections: 2, duration: 1500ms, warmup: 300ms, client-cpus: \"0\", server-cpus: \"1\"}")
        let run = try Self.run(scenario, results: folder.file("results"))
        #expect(run.status == 0, "\(run.output)")
        for cell in run.json["cells"] as? [[String: Any]] ?? [] {
            let window = try #require((ScenarioRunTests.targets(of: cell, in: run.json).first?["repetitions"] as? [[String: Any]])?.first)
            let queue = try #require((window["pool"] as? [String: Any])?["listenQueue"] as? [String: Any], "\(cell["label"] ?? "")")
            #expect((queue["mean"] as? Double ?? 9) < 0.5, "\(cell["label"] ?? ""): \(queue)")
        }
        let (_, finding) = try Self.proxiedDynamicFinding(in: folder)
        #expect(finding.components(separatedBy: "no tier saturated").count == 3, "\(finding)")
        let (inWorker, waiting, inFront) = Self.split(finding)
        #expect(inWorker.count == 2 && inWorker.allSatisfy { (19...30).contains($0) }, "\(finding)")
        #expect(waiting.count == 2 && waiting.allSatisfy { $0 < 4 }, "\(finding)")
        #expect(inFront.count == 2 && inFront.allSatisfy { $0 < 3 }, "\(finding)")
    }

    /// The seed's files with the pool on TCP and a backlog of one (`socket = 127.0.0.1:8001`, `listen = 1`), one
    /// worker and thread, 8 connections to a view that sleeps 5 ms: once the backlog is full the kernel drops
    /// the front's SYN and its connect is retried a second later (then 3 s): on both stacks the connections stuck
    /// on it leave requests unanswered far past the p99 — the window is flagged stalled-requests, not passed off
    /// as a fast pool — and the Answers count the front's connects of a second or more and say why. Those are
    /// logged only for a connect that completed: one still retrying when the client gives up at the window's end
    /// is logged without a connect time (nginx and ours), so a cell may count none; the two together always do.
    @Test func aFullListenBacklogOverTCPShowsAsSlowConnectsAndStalledRequestsOnBothStacks() throws {
        let folder = try TemporaryFolder()
        let seedIni = try String(contentsOfFile: "\(Self.repository)/scenarios/teacher/uwsgi.ini", encoding: .utf8)
        let ini = seedIni.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix("socket") ? "socket=127.0.0.1:8001" : String($0) }.joined(separator: "\n") + "\nlisten=1\n"
        try ini.write(toFile: folder.file("uwsgi.ini"), atomically: true, encoding: .utf8)
        let seedConf = try String(contentsOfFile: "\(Self.repository)/scenarios/teacher/nginx.conf", encoding: .utf8)
        let conf = seedConf.replacingOccurrences(of: #"uwsgi_pass [^;]+;"#, with: "uwsgi_pass 127.0.0.1:8001;", options: .regularExpression)
        #expect(conf != seedConf)
        try conf.write(toFile: folder.file("nginx.conf"), atomically: true, encoding: .utf8)
        let scenario = try Self.scenario(in: folder, matrix: "  stack: [swift, reference]\n  workers: [1]\n  threads: [1]", targets: """
              proxied-dynamic: {requests: ["/sleep?ms=5"], checks: {contains: slept}}
            """, load: "{connections: 8, duration: 4s, warmup: 300ms, client-cpus: \"0\", server-cpus: \"1\"}",
            uwsgi: folder.file("uwsgi.ini"), nginx: folder.file("nginx.conf"))
        let run = try Self.run(scenario, results: folder.file("results"))
        let cells = run.json["cells"] as? [[String: Any]] ?? []
        #expect(cells.count == 2 && cells.allSatisfy { $0["status"] as? String == "ok" }, "\(run.output)")
        var slowConnects = 0
        for cell in cells {
            let label = cell["label"] as? String ?? ""
            let window = try #require((ScenarioRunTests.targets(of: cell, in: run.json).first?["repetitions"] as? [[String: Any]])?.first)
            let flags = (window["flags"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
            #expect(flags.contains("stalled-requests"), "\(label): \(flags)")
            slowConnects += (window["front"] as? [String: Any])?["slowConnects"] as? Int ?? 0
            let oldest = ((window["load"] as? [String: Any])?["summary"] as? [String: Any])?["oldestUnfinishedSeconds"] as? Double ?? 0
            #expect(oldest > 1, "\(label): oldest unanswered \(oldest) s")
        }
        let (runFolder, finding) = try Self.proxiedDynamicFinding(in: folder)
        #expect(slowConnects >= 1, "no connect of a second or more logged on either stack")
        #expect(finding.components(separatedBy: "of the front's connects to the pool took a second or more").count - 1 == cells.filter { cell in
            let window = (ScenarioRunTests.targets(of: cell, in: run.json).first?["repetitions"] as? [[String: Any]])?.first
            return ((window?["front"] as? [String: Any])?["slowConnects"] as? Int ?? 0) > 0
        }.count, "a clause for each cell that logged slow connects: \(finding)")
        for cellFolder in ["c01", "c02"] {
            let written = try String(contentsOfFile: folder.file("results/\(runFolder)/\(cellFolder)/nginx.conf"), encoding: .utf8)
            #expect(written.contains("uwsgi_pass 127.0.0.1:") && !written.contains("uwsgi.sock"), "\(cellFolder): the hop stays on TCP")
        }
    }

    /// A saturated front: the static path alone on the stack's one core, 32 connections. On our front and on
    /// Debian's nginx the core is busy and nearly all of it the front's, so the Answers name the front, and the
    /// median's time before the front's log starts is its queue ("waiting for the front"), not the client's side.
    /// The tests drive it with the debug build's load engine, which Debian's nginx can outrun: a cell whose every
    /// window is client-bound gets no clause (the report cannot attribute a wait it did not measure), and says
    /// so in its flags; ours (debug too) is always saturated first. (With release builds both are named.)
    @Test func aSaturatedFrontIsNamedAndHoldsTheWaitOnBothStacks() throws {
        let folder = try TemporaryFolder()
        let scenario = try Self.scenario(in: folder, matrix: "  stack: [swift, reference]", targets: """
              proxied-static: {requests: [/static/css/app.css], checks: {min-size: 100}}
            """, load: "{connections: 32, duration: 2s, warmup: 300ms, client-cpus: \"0\", server-cpus: \"1\"}")
        let run = try Self.run(scenario, results: folder.file("results"))
        #expect(run.status == 0, "\(run.output)")
        let runFolder = try #require(try FileManager.default.contentsOfDirectory(atPath: folder.file("results")).first)
        let report = try String(contentsOfFile: folder.file("results/\(runFolder)/report.md"), encoding: .utf8)
        let finding = try #require(report.split(separator: "\n").first { $0.contains("Where proxied-static's time went") }, "\(report)")
        var named = 0
        for cell in run.json["cells"] as? [[String: Any]] ?? [] {
            let label = cell["label"] as? String ?? ""
            let windows = ScenarioRunTests.targets(of: cell, in: run.json).first?["repetitions"] as? [[String: Any]] ?? []
            let clientBound = !windows.isEmpty && windows.allSatisfy { window in
                (window["flags"] as? [[String: Any]] ?? []).contains { $0["kind"] as? String == "client-bound" }
            }
            let clause = finding.components(separatedBy: "\(label): ").dropFirst().first?.components(separatedBy: " · ").first ?? ""
            if clientBound {
                #expect(clause.isEmpty, "\(label): client-bound windows are not attributed: \(finding)")
                continue
            }
            #expect(clause.hasPrefix("the front: ") && clause.contains("of it the front's own, so requests queued in its socket")
                    && clause.contains(" waiting for the front to read it"), "\(label): \(finding)")
            named += 1
        }
        #expect(named >= 1 && finding.contains("stack=swift: the front: "), "our front, at least, is saturated: \(finding)")
    }

    /// Django's runserver gives no times of its own; the client's split at the first byte says where its 40 ms
    /// went: the answer's head comes at once, its body after the client's delayed ACK. Four connections keep
    /// runserver's CPU well under the third of a core that latency-bound allows (about 10% here, 20% at eight).
    @Test func theDevServersStallIsPlacedAfterTheAnswersFirstByte() throws {
        let folder = try TemporaryFolder()
        let scenario = try Self.scenario(in: folder, matrix: "  stack: [reference]", targets: """
              dev-server: {requests: [/api/teachers], checks: {contains: teachers}}
            """, load: "{connections: 4, duration: 1500ms, warmup: 300ms, client-cpus: \"0\", server-cpus: \"1\"}")
        let run = try Self.run(scenario, results: folder.file("results"))
        #expect(run.status == 0, "\(run.output)")
        let runFolder = try #require(try FileManager.default.contentsOfDirectory(atPath: folder.file("results")).first)
        let report = try String(contentsOfFile: folder.file("results/\(runFolder)/report.md"), encoding: .utf8)
        let finding = try #require(report.split(separator: "\n").first { $0.contains("Where dev-server's time went") }, "\(report)")
        // What the flag is decided on, said when it is missing: the serving CPU, the fastest request and the median.
        let window = (ScenarioRunTests.targets(of: (run.json["cells"] as? [[String: Any]])?.first, in: run.json).first?["repetitions"] as? [[String: Any]])?.first
        let load = window?["load"] as? [String: Any]
        let figures = ["flags", "processes"].map { "\($0): \(window?[$0] ?? "none")" } + ["latency: \(load?["latencyMicroseconds"] ?? "none")", "summary: \(load?["summary"] ?? "none")"]
        #expect(finding.contains("latency-bound") && finding.contains("the wait came after the answer's first byte"),
                "\(figures.joined(separator: "; ")) — \(finding)")
    }

    @Test func eachMixServesTheTeacherEndpoints() throws {
        let folder = try TemporaryFolder()
        let scenario = try Self.scenario(in: folder, matrix: "  stack: [nginx+swift, swift+uwsgi]", targets: """
              dev-server: {requests: [/hello, /api/teachers, /], checks: {contains: e}}
              proxied-static: {requests: [/static/css/app.css, /static/js/app.js, /static/img/logo.svg]}
              hello: {kind: proxied-dynamic, requests: [/hello], checks: {contains: hello}}
              index: {kind: proxied-dynamic, requests: [/], checks: {contains: "200 teachers on staff"}}
              api: {kind: proxied-dynamic, requests: ["/api/teachers?limit=5"], checks: {contains: "\\"count\\": 5"}}
              upload:
                kind: proxied-dynamic
                requests: [{method: POST, path: /upload, body: "abc"}]
                checks: {contains: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}
            """)
        let run = try Self.run(scenario, results: folder.file("results"))
        #expect(run.status == 0, "\(run.output)")
        let cells = run.json["cells"] as? [[String: Any]] ?? []
        #expect(cells.map { $0["label"] as? String } == ["stack=nginx+swift", "stack=swift+uwsgi"])
        for cell in cells {
            #expect(cell["status"] as? String == "ok", "\(cell["label"] ?? ""): \(cell["failure"] ?? "") \(cell["logTail"] ?? "")")
            #expect(ScenarioRunTests.targets(of: cell, in: run.json).count == 6)
        }
        #expect(run.stack.filter { kill($0, 0) == 0 }.isEmpty, "left running: \(run.stack.filter { kill($0, 0) == 0 })")
    }

    @Test func theDjangoTwinAnswersWithTheSameBytesAsTheSwiftApp() throws {
        let folder = try TemporaryFolder()
        let django = folder.file("django")
        let copy = try runCommand("/bin/cp", ["-rL", Self.repository + "/scenarios/reference/teacher-django", django])
        try #require(copy.status == 0, "\(copy.stderr)")
        let swift = try TeacherProject()
        let (djangoPort, swiftPort) = (try freePort(), try freePort())
        let djangoServer = try RunningProcess("/usr/bin/python3", ["\(django)/manage.py", "runserver", "127.0.0.1:\(djangoPort)", "--noreload"])
        let swiftServer = try RunningProcess(BuiltProducts.stackbench, ["runserver", "127.0.0.1:\(swiftPort)", "--settings", swift.settingsPath])
        defer {
            kill(djangoServer.pid, SIGINT)
            kill(swiftServer.pid, SIGINT)
            djangoServer.wait(timeout: 10)
            swiftServer.wait(timeout: 10)
        }
        try waitForPort(djangoPort, timeout: 30)
        try waitForPort(swiftPort, timeout: 30)
        let paths = ["/hello", "/", "/api/teachers", "/api/teachers?limit=1000", "/api/teachers?limit=0", "/api/teachers?limit=x",
                     "/work?ms=1", "/sleep?ms=1", "/static/css/app.css", "/static/img/logo.svg"]
        for path in paths {
            let a = try runCommand("/usr/bin/curl", ["-s", "-i", "http://127.0.0.1:\(djangoPort)\(path)"])
            let b = try runCommand("/usr/bin/curl", ["-s", "-i", "http://127.0.0.1:\(swiftPort)\(path)"])
            #expect(Self.comparable(a.stdout) == Self.comparable(b.stdout), "\(path)\n--- Django\n\(a.stdout.prefix(600))\n--- Swift\n\(b.stdout.prefix(600))")
        }
        for body in ["{\"name\":\"X Y\",\"subject\":\"Art\",\"email\":\"x@y.z\",\"years\":3}", "[1]", "{\"name\":1}", "nope",
                     "{\"name\":\"a\",\"subject\":\"b\",\"email\":\"bad\"}"] {
            let a = try runCommand("/usr/bin/curl", ["-s", "-X", "POST", "--data-binary", body, "http://127.0.0.1:\(djangoPort)/api/teachers"])
            let b = try runCommand("/usr/bin/curl", ["-s", "-X", "POST", "--data-binary", body, "http://127.0.0.1:\(swiftPort)/api/teachers"])
            #expect(a.stdout == b.stdout, "POST \(body)")
        }
    }

    /// A response with the headers that differ by nature (Date, Server) and those only a static file carries
    /// (Last-Modified of each copy) removed, header names in order.
    static func comparable(_ response: String) -> String {
        let parts = response.components(separatedBy: "\r\n\r\n")
        let head = parts[0].split(separator: "\r\n").filter { line in
            !["date:", "server:", "last-modified:"].contains { line.lowercased().hasPrefix($0) }
        }
        return head.joined(separator: "\n") + "\n\n" + parts.dropFirst().joined(separator: "\r\n\r\n")
    }
}

/// Whether the reference stack is here, installing it first when it is not (scripts/install-reference.sh).
enum ReferenceStack {
    static let installed: Bool = {
        let script = ScenarioRunTests.repository + "/scripts/install-reference.sh"
        _ = try? runCommand(script, [], timeout: 900)
        let python = (try? runCommand("/usr/bin/python3", ["-c", "import django"]))?.status == 0
        return python && FileManager.default.isExecutableFile(atPath: "/usr/bin/uwsgi")
            && FileManager.default.fileExists(atPath: "/usr/lib/uwsgi/plugins/python3_plugin.so")
            && FileManager.default.isExecutableFile(atPath: "/usr/sbin/nginx")
    }()
}
