import BenchSupport
import Foundation
import Results
import LoadEngine

/// One matrix cell in one round, start to end: write its configs, start the processes the targets it measures
/// need (pool, front, runserver), wait until each answers, verify every request's checks once, measure each
/// (repetitions × targets), then stop everything and check that nothing is left. A process that dies fails the
/// cell with its log tail; the run goes on with the next cell.
final class CellRunner {
    let scenario: Scenario
    let cell: Matrix.Cell
    private(set) var layout: StackLayout
    /// The run's load agents (`load.agents`); nil: the load runs on this machine.
    let agents: AgentPool?
    private var windowsMeasured = 0
    let executable: String
    let interrupted: () -> Bool
    let say: (String) -> Void
    /// A status line about once a second while a target is measured (the terminal redraws it); nil: none.
    let live: ((String) -> Void)?
    /// "cell 3/12", for the live line.
    let position: String
    /// The targets this cell measures, in the order they are measured, as indices into the scenario's targets (the
    /// others are measured in a cell sharing their configuration: ExperimentPlan).
    let targetOrder: [Int]
    private let stack: RunningStack
    private var notes: [String] = []
    private var currentLoad: Locked<(any WindowLoad)?>

    init(scenario: Scenario, cell: Matrix.Cell, layout: StackLayout, executable: String, currentLoad: Locked<(any WindowLoad)?>, agents: AgentPool?,
         position: String, targetOrder: [Int], interrupted: @escaping () -> Bool, say: @escaping (String) -> Void, live: ((String) -> Void)?) {
        self.scenario = scenario
        self.cell = cell
        self.layout = layout
        self.executable = executable
        self.currentLoad = currentLoad
        self.agents = agents
        self.interrupted = interrupted
        self.say = say
        self.live = live
        self.position = position
        self.targetOrder = targetOrder
        stack = RunningStack(layout: layout)
    }

    struct Failure: Error {
        var reason: String
        var logTail: String?
    }

    /// How the cell's stack fared this round (status, failure, notes), and the windows of the targets it measured,
    /// in the scenario's order (none when it failed).
    func run() -> (cell: ScenarioResult.Cell, targets: [ScenarioResult.Target]) {
        var result = ScenarioResult.Cell(index: cell.index, label: cell.label, settings: cell.settings, status: .ok,
                                         failure: nil, logTail: nil, notes: [])
        var targets: [ScenarioResult.Target] = []
        do {
            let urls = try start()
            targets = try measure(urls)
        } catch let failure as Failure {
            result.status = .failed
            result.failure = failure.reason
            result.logTail = failure.logTail
        } catch {
            result.status = .failed
            result.failure = "\(error)"
        }
        stopAll()
        if result.status == .ok { FrontTimingLog.attach(layout.timingLog, to: &targets) }
        result.notes = notes
        return (result, targets)
    }

    // MARK: start

    /// The targets this cell measures (this round), in the order they are measured.
    private var planned: [Scenario.Target] { targetOrder.map { scenario.targets[$0] } }

    private var kinds: Set<TargetKind> { Set(planned.map(\.kind)) }

    /// Starts what the targets need, as the cell's stack variant says (Swift or Debian's programs); returns each
    /// target's base URL.
    private func start() throws -> [String: String] {
        let needsPool = kinds.contains(.proxiedDynamic) || kinds.contains(.poolDirect)
        let needsFront = kinds.contains(.proxiedStatic) || kinds.contains(.proxiedDynamic)
        let cpus = scenario.load.serverCPUs
        let variant = cell.variant(default: scenario.stack.variant)
        let servesDjango = variant.pool == .uwsgi || scenario.stack.swiftServesDjango
        let appProject = servesDjango ? layout.django : layout.project
        var bases: [TargetKind: String] = [:]
        // With agents, the stack listens at the address they reach this machine at.
        if let agents {
            do { layout.listenHost = try agents.connect() } catch let failure as AgentPool.Failure { throw Failure(reason: failure.description) }
        }
        let host = layout.listenHost
        // The cell's folder holds every process's log, whichever of them the targets need (a dev server alone too).
        try FileManager.default.createDirectory(atPath: layout.cell, withIntermediateDirectories: true)
        if needsPool {
            let httpPort = kinds.contains(.poolDirect) ? try freePort() : nil
            if try StackLayout.bindsTCP(scenario.stack.uwsgiIni) {
                layout.upstreamPort = try freePort()
                stack.layout = layout
            }
            notes += try layout.writeUwsgiIni(from: scenario.stack.uwsgiIni, settings: cell.settings(for: .uwsgi), httpPort: httpPort,
                                              pool: variant.pool, servesDjango: servesDjango)
            let command = variant.pool == .uwsgi ? [ExternalPrograms.uwsgi, "--ini", layout.uwsgiIni] : [executable, "uwsgi", "--ini", layout.uwsgiIni]
            let pool = try StackProcess(role: .pool, arguments: command, cpus: cpus, log: layout.cell + "/pool-console.log", directory: layout.cell)
            stack.add(pool)
            try waitFor(pool, logs: [layout.uwsgiLog, pool.log]) {
                layout.upstreamPort.map { Self.accepts(port: $0) } ?? Self.accepts(unixPath: layout.uwsgiSocket)
            }
            if let httpPort { bases[.poolDirect] = "http://\(host):\(httpPort)" }
        }
        if needsFront {
            let port = try freePort()
            try layout.writeNginxConf(from: scenario.stack.nginxConf, originalProject: StackLayout.originalProjectFolder(of: scenario.stack.uwsgiIni),
                                      settings: cell.settings(for: .nginx), port: port, front: variant.front, appProject: appProject)
            let command = variant.front == .nginx ? [ExternalPrograms.nginx, "-c", layout.nginxConf, "-p", layout.cell + "/"]
                : [executable, "front", "-c", layout.nginxConf, "-p", layout.cell]
            let front = try StackProcess(role: .front, arguments: command, cpus: cpus, log: layout.cell + "/front-console.log", directory: layout.cell)
            stack.add(front)
            try waitFor(front, logs: [front.log, layout.frontErrorLog]) { Self.accepts(host: host, port: port) }
            bases[.proxiedStatic] = "http://\(host):\(port)"
            bases[.proxiedDynamic] = "http://\(host):\(port)"
        }
        if kinds.contains(.devServer) {
            let port = try freePort()
            let command = variant.pool == .uwsgi
                ? [ExternalPrograms.python, "manage.py", "runserver", "\(host):\(port)", "--noreload"]
                : [executable, "runserver", "\(host):\(port)", "--settings",
                   servesDjango ? try DjangoSettingsModule.named(inProject: layout.django) : layout.settingsFile]
            let runserver = try StackProcess(role: .runserver, arguments: command, cpus: cpus, log: layout.runserverLog, directory: appProject)
            stack.add(runserver)
            try waitFor(runserver, logs: [runserver.log]) { Self.accepts(host: host, port: port) }
            bases[.devServer] = "http://\(host):\(port)"
        }
        var urls: [String: String] = [:]
        for target in planned {
            urls[target.name] = target.baseURL ?? bases[target.kind]
        }
        try verify(urls)
        return urls
    }

    /// Polls `ready` every 50 ms for up to 20 s; a process that ends meanwhile fails the cell with its log.
    private func waitFor(_ process: StackProcess, logs: [String], ready: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if interrupted() { throw Failure(reason: "interrupted") }
            if ready() { return }
            if !process.isRunning {
                throw Failure(reason: "\(process.role) \(process.endDescription) while starting",
                              logTail: logs.map { StackProcess.tail(of: $0, lines: 12) }.joined(separator: "\n"))
            }
            usleep(50_000)
        }
        throw Failure(reason: "\(process.role) was not ready after 20 s", logTail: logs.map { StackProcess.tail(of: $0, lines: 12) }.joined(separator: "\n"))
    }

    /// Every request of every target once, against its checks; then the stack is known to serve what is measured.
    private func verify(_ urls: [String: String]) throws {
        for target in planned {
            guard let base = urls[target.name] else { throw Failure(reason: "\(target.name): no URL") }
            for request in target.requests {
                let deadline = Date().addingTimeInterval(10)
                var outcome = HTTPProbe.fetch(request, baseURL: base)
                while case .failure = outcome, Date() < deadline, !interrupted() {
                    usleep(100_000)
                    outcome = HTTPProbe.fetch(request, baseURL: base)
                }
                switch outcome {
                case .failure(let failure):
                    throw Failure(reason: "\(target.name): \(request.method) \(base)\(request.path) failed: \(failure.reason)", logTail: logTails())
                case .success(let answer):
                    if let problem = HTTPProbe.problem(with: answer, checks: target.checks) {
                        let preview = String(decoding: answer.body.prefix(200), as: UTF8.self)
                        throw Failure(reason: "\(target.name): \(request.method) \(request.path): \(problem); body starts: \(preview.debugDescription)",
                                      logTail: logTails())
                    }
                }
            }
        }
    }

    // MARK: measure

    private func measure(_ urls: [String: String]) throws -> [ScenarioResult.Target] {
        var results = scenario.targets.map { target in
            ScenarioResult.Target(name: target.name, kind: target.kind, url: urls[target.name] ?? "", repetitions: [], median: nil)
        }
        for repetition in 1...scenario.load.repetitions {
            for index in targetOrder {
                let target = scenario.targets[index]
                let base = urls[target.name] ?? ""
                let label = "\(position) \(target.name) rep \(repetition)/\(scenario.load.repetitions)"
                if interrupted() { throw Failure(reason: "interrupted") }
                if let search = scenario.load.search {
                    let (found, window) = try CapacitySearch(search: search, measure: { rate in
                        var plan = self.plan(for: target, base: base)
                        plan.schedule = .open(requestsPerSecond: rate)
                        plan.stop = .duration(nanoseconds: search.step)
                        let step = try self.measureOnce(target, plan: plan, base: base, label: label + " at \(Units.formatWhole(rate)) req/s")
                        if self.interrupted() { throw Failure(reason: "interrupted") }
                        return step
                    }, say: say).run()
                    results[index].searches = (results[index].searches ?? []) + [found]
                    if let window { results[index].repetitions.append(window) }
                    say("  \(target.name) rep \(repetition)/\(scenario.load.repetitions): capacity "
                        + (found.capacity.map { Units.formatCount($0) + " req/s" } ?? "none") + " at \(found.criteria) (\(found.ended))")
                    continue
                }
                let measured = try measureOnce(target, plan: plan(for: target, base: base), base: base, label: label)
                if interrupted() { throw Failure(reason: "interrupted") }  // a window cut short is not a measurement
                results[index].repetitions.append(measured)
                let summary = measured.load.summary
                let flags = measured.windowFlags.map(\.kind.rawValue)
                say("  \(target.name) rep \(repetition)/\(scenario.load.repetitions): \(Units.formatWhole(summary.responsesPerSecond)) req/s, "
                    + "p99 \(Units.formatMicroseconds(measured.load.latency[.p99])), errors \(summary.errors)"
                    + (flags.isEmpty ? "" : " [" + flags.joined(separator: ", ") + "]"))
            }
        }
        return targetOrder.sorted().map { results[$0] }
    }

    /// One measured window of `target`; `label` heads the live line.
    private func measureOnce(_ target: Scenario.Target, plan: LoadPlan, base: String, label: String) throws -> ScenarioResult.Repetition {
        let window = MeasuredWindow(stack: stack, target: target, plan: plan, baseURL: base,
                                    harakiriSeconds: scenario.harakiriSeconds(in: cell), currentLoad: currentLoad,
                                    makeLoad: loadMaker(for: target), interrupted: interrupted, label: label, live: live)
        do {
            return try window.measure()
        } catch let failure as AgentPool.Failure {
            throw Failure(reason: "\(target.name): \(failure.description)")
        } catch let died as MeasuredWindow.Died {
            throw Failure(reason: "\(died.process.role) \(died.process.endDescription) during the measurement of \(target.name)", logTail: logTails())
        }
    }

    /// This machine's engine, or the agents, each window's files in the cell folder named by target and window.
    private func loadMaker(for target: Scenario.Target) -> (LoadPlan) throws -> any WindowLoad {
        windowsMeasured += 1
        guard let agents else { return { try LoadRun(plan: $0) } }
        let (folder, label) = (layout.cell, "\(target.name)-\(windowsMeasured)")
        return { AgentLoad(plan: $0, pool: agents, folder: folder, label: label) }
    }

    /// The load of one window of `target` at `base`.
    func plan(for target: Scenario.Target, base: String) -> LoadPlan { scenario.loadPlan(for: target, base: base) }

    // MARK: stop

    /// Each process by its pid with its own stop signal (pool SIGINT as `uwsgi --stop`, front SIGQUIT, runserver
    /// SIGINT); then the pidfiles and sockets must be gone (removed here and noted when they are not).
    private func stopAll() {
        for process in stack.takeAll().reversed() {
            let signal: Int32 = process.role == .front ? SIGQUIT : SIGINT
            let descendants = ProcessSample.tree(process.pid).dropFirst()  // taken before: a stopped parent lists none
            if !process.stop(signal) { notes.append("\(process.role) (pid \(process.pid)) did not stop within 10 s: killed") }
            var leftovers = descendants.filter { kill($0, 0) == 0 }
            let deadline = Date().addingTimeInterval(2)  // workers end just after their master
            while !leftovers.isEmpty, Date() < deadline {
                usleep(20_000)
                leftovers = leftovers.filter { kill($0, 0) == 0 }
            }
            if !leftovers.isEmpty {
                for pid in leftovers { kill(pid, SIGKILL) }
                notes.append("\(process.role): processes \(leftovers) outlived it: killed")
            }
        }
        for path in [layout.uwsgiSocket, layout.uwsgiPidfile, layout.statsSocket, layout.frontPidfile]
        where FileManager.default.fileExists(atPath: path) {
            notes.append("\((path as NSString).lastPathComponent) was left behind at stop: removed")
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    private func logTails() -> String { stack.logTails() }

    // MARK: readiness probes

    static func accepts(host: String = "127.0.0.1", port: Int) -> Bool { accepts(.tcp(host: host, port: port)) }

    /// A free TCP port on 127.0.0.1 for a process of the stack.
    private func freePort() throws -> Int {
        do { return try Sockets.freePort() } catch {
            throw FileError(path: "127.0.0.1", problem: "no free port: \(String(cString: strerror(error.code)))", exitStatus: .runFailed)
        }
    }

    static func accepts(unixPath: String) -> Bool { accepts(.unix(path: unixPath)) }

    private static func accepts(_ address: SocketAddress) -> Bool {
        guard let fd = Sockets.connect(address) else { return false }
        close(fd)
        return true
    }
}
