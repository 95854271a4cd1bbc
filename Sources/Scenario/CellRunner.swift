import BenchSupport
import Foundation
import LoadEngine

/// One matrix cell, start to end: write its configs, start the processes its targets need (pool, front,
/// runserver), wait until each target answers, verify every request's checks once, measure each target
/// (repetitions × targets), then stop everything and check that nothing is left. A process that dies fails the
/// cell with its log tail; the run goes on with the next cell.
final class CellRunner {
    let scenario: Scenario
    let cell: Matrix.Cell
    let layout: StackLayout
    let executable: String
    let interrupted: () -> Bool
    let say: (String) -> Void
    /// A status line about once a second while a target is measured (the terminal redraws it); nil: none.
    let live: ((String) -> Void)?
    /// "cell 3/12", for the live line.
    let position: String
    /// The order the targets are measured in, as indices into the scenario's targets.
    let targetOrder: [Int]
    private var processes: [StackProcess] = []
    private var notes: [String] = []
    private var currentLoad: Locked<LoadRun?>

    init(scenario: Scenario, cell: Matrix.Cell, layout: StackLayout, executable: String, currentLoad: Locked<LoadRun?>,
         position: String, targetOrder: [Int], interrupted: @escaping () -> Bool, say: @escaping (String) -> Void, live: ((String) -> Void)?) {
        self.scenario = scenario
        self.cell = cell
        self.layout = layout
        self.executable = executable
        self.currentLoad = currentLoad
        self.interrupted = interrupted
        self.say = say
        self.live = live
        self.position = position
        self.targetOrder = targetOrder
    }

    struct Failure: Error {
        var reason: String
        var logTail: String?
    }

    func run() -> ScenarioResult.Cell {
        var result = ScenarioResult.Cell(index: cell.index, label: cell.label, settings: cell.settings, status: "ok",
                                         failure: nil, logTail: nil, notes: [], targets: [])
        do {
            let urls = try start()
            result.targets = try measure(urls)
        } catch let failure as Failure {
            result.status = "failed"
            result.failure = failure.reason
            result.logTail = failure.logTail
        } catch {
            result.status = "failed"
            result.failure = "\(error)"
        }
        stopAll()
        result.notes = notes
        return result
    }

    // MARK: start

    private var kinds: Set<Scenario.TargetKind> { Set(scenario.targets.map(\.kind)) }

    /// Starts what the targets need, as the cell's stack variant says (Swift or Debian's programs); returns each
    /// target's base URL.
    private func start() throws -> [String: String] {
        let needsPool = kinds.contains(.proxiedDynamic) || kinds.contains(.poolDirect)
        let needsFront = kinds.contains(.proxiedStatic) || kinds.contains(.proxiedDynamic)
        let cpus = scenario.load.serverCPUs
        let variant = cell.variant(default: scenario.stack.variant)
        let appProject = variant.pool == .uwsgi ? layout.django : layout.project
        var bases: [Scenario.TargetKind: String] = [:]
        if needsPool {
            let httpPort = kinds.contains(.poolDirect) ? try FreePort.next() : nil
            notes += try layout.writeUwsgiIni(from: scenario.stack.uwsgiIni, settings: cell.settings(for: .uwsgi), httpPort: httpPort,
                                              pool: variant.pool)
            let command = variant.pool == .uwsgi ? [ExternalPrograms.uwsgi, "--ini", layout.uwsgiIni] : [executable, "uwsgi", "--ini", layout.uwsgiIni]
            let pool = try StackProcess(role: "pool", arguments: command, cpus: cpus, log: layout.cell + "/pool-console.log", directory: layout.cell)
            processes.append(pool)
            try waitFor(pool, logs: [layout.uwsgiLog, pool.log]) { Self.accepts(unixPath: layout.uwsgiSocket) }
            if let httpPort { bases[.poolDirect] = "http://127.0.0.1:\(httpPort)" }
        }
        if needsFront {
            let port = try FreePort.next()
            try layout.writeNginxConf(from: scenario.stack.nginxConf, originalProject: StackLayout.originalProjectFolder(of: scenario.stack.uwsgiIni),
                                      settings: cell.settings(for: .nginx), port: port, front: variant.front, appProject: appProject)
            let command = variant.front == .nginx ? [ExternalPrograms.nginx, "-c", layout.nginxConf, "-p", layout.cell + "/"]
                : [executable, "front", "-c", layout.nginxConf, "-p", layout.cell]
            let front = try StackProcess(role: "front", arguments: command, cpus: cpus, log: layout.cell + "/front-console.log", directory: layout.cell)
            processes.append(front)
            try waitFor(front, logs: [front.log, layout.frontErrorLog]) { Self.accepts(port: port) }
            bases[.proxiedStatic] = "http://127.0.0.1:\(port)"
            bases[.proxiedDynamic] = "http://127.0.0.1:\(port)"
        }
        if kinds.contains(.devServer) {
            let port = try FreePort.next()
            let command = variant.pool == .uwsgi
                ? [ExternalPrograms.python, "manage.py", "runserver", "127.0.0.1:\(port)", "--noreload"]
                : [executable, "runserver", "127.0.0.1:\(port)", "--settings", layout.settingsFile]
            let runserver = try StackProcess(role: "runserver", arguments: command, cpus: cpus, log: layout.runserverLog, directory: appProject)
            processes.append(runserver)
            try waitFor(runserver, logs: [runserver.log]) { Self.accepts(port: port) }
            bases[.devServer] = "http://127.0.0.1:\(port)"
        }
        var urls: [String: String] = [:]
        for target in scenario.targets {
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
        for target in scenario.targets {
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
            ScenarioResult.Target(name: target.name, kind: target.kind.rawValue, url: urls[target.name] ?? "", repetitions: [], median: nil)
        }
        for repetition in 1...scenario.load.repetitions {
            for index in targetOrder {
                let target = scenario.targets[index]
                if interrupted() { throw Failure(reason: "interrupted") }
                let measured = try measureOnce(target, base: urls[target.name] ?? "",
                                               label: "\(position) \(target.name) rep \(repetition)/\(scenario.load.repetitions)")
                if interrupted() { throw Failure(reason: "interrupted") }  // a window cut short is not a measurement
                results[index].repetitions.append(measured)
                let summary = measured.load.summary
                say(String(format: "  %@ rep %d/%d: %.0f req/s, p99 %@, errors %d", target.name, repetition, scenario.load.repetitions,
                           summary.requestsPerSecond, Units.formatMicroseconds(measured.load.latency.percentiles["99"] ?? 0), summary.errors))
            }
        }
        return results
    }

    /// One measured window of `target`; `label` heads the live line.
    private func measureOnce(_ target: Scenario.Target, base: String, label: String) throws -> ScenarioResult.Repetition {
        let load = scenario.load
        var plan = LoadPlan(requests: target.requests.map {
            RequestSpec(url: base + $0.path, method: $0.method, headers: $0.headers, body: $0.body.map { Array($0.utf8) }, weight: $0.weight)
        })
        plan.connections = load.connections
        plan.threads = load.threads
        // A pool's http-socket closes every connection after its answer (ours with Connection: close, uWSGI's
        // without a word, which makes a client that reuses the connection fail now and then): one per request.
        plan.keepAlive = load.keepAlive && target.kind != .poolDirect
        plan.warmupNanoseconds = load.warmup
        plan.cpus = load.clientCPUs
        if let rate = load.rate { plan.schedule = .open(requestsPerSecond: rate) }
        plan.stop = load.count.map { .count($0) } ?? .duration(nanoseconds: load.duration ?? 5_000_000_000)
        let run = try LoadRun(plan: plan)
        currentLoad.value = run
        defer { currentLoad.value = nil }
        run.start()
        while run.elapsedSeconds < 0 && !interrupted() { usleep(2_000) }
        let before = processes.map { ProcessSample.usage(of: $0.pid) }
        let poolBefore = target.kind.servingRoles.contains("pool") ? poolStats() : nil
        let peakRSS = Locked(before.map(\.rssKiB))
        let samplingDone = Locked(false)
        let total = load.count.map { "\($0) requests" } ?? String(format: "%.0fs", Double(load.duration ?? 0) / 1e9)
        let died = Locked<StackProcess?>(nil)
        // Samples memory every 200 ms, stops the load at once when a stack process dies (the rest of the window
        // would only measure the errors), and gives the live line once a second.
        let sampler = JoinableThread { [processes, live] in
            var (lastRequests, lastTime, tick) = (run.progress.requests, monotonicNanoseconds(), 0)
            while !samplingDone.value {
                usleep(200_000)
                if let dead = processes.first(where: { !$0.isRunning }) {
                    died.value = dead
                    run.requestStop()
                    return
                }
                let now = processes.map { ProcessSample.usage(of: $0.pid).rssKiB }
                peakRSS.value = zip(peakRSS.value, now).map { max($0, $1) }
                tick += 1
                guard let live, tick % 5 == 0 else { continue }
                let (requests, time) = (run.progress.requests, monotonicNanoseconds())
                let rate = Double(requests - lastRequests) / max(Double(time - lastTime) / 1e9, 0.001)
                live(String(format: "%@: %.0fs of %@, %@ req/s, %d errors", label, run.elapsedSeconds, total, Units.formatCount(rate), run.progress.errors))
                (lastRequests, lastTime) = (requests, time)
            }
        }
        let result = run.wait()
        samplingDone.value = true
        sampler.join()
        if let dead = died.value ?? processes.first(where: { !$0.isRunning }) {
            throw Failure(reason: "\(dead.role) \(dead.endDescription) during the measurement of \(target.name)", logTail: logTails())
        }
        let after = processes.map { ProcessSample.usage(of: $0.pid) }
        let pool = poolBefore.flatMap { before in poolStats().map { PoolStats.window(from: before, to: $0) } }
        let requests = max(result.summary.requests, 1)
        let usage = processes.indices.map { index in
            let cpu = max(0, after[index].cpuSeconds - before[index].cpuSeconds)
            return ScenarioResult.ProcessUsage(role: processes[index].role, cpuSeconds: cpu,
                                               cpuMicrosecondsPerRequest: cpu * 1e6 / Double(requests),
                                               rssKiB: max(peakRSS.value[index], after[index].rssKiB), processes: after[index].processes)
        }
        return ScenarioResult.Repetition(load: result, processes: usage, pool: pool)
    }

    /// The pool's stats, when this cell runs a pool.
    private func poolStats() -> PoolStats? {
        processes.contains { $0.role == "pool" } ? PoolStats.read(unixPath: layout.statsSocket) : nil
    }

    // MARK: stop

    /// Each process by its pid with its own stop signal (pool SIGINT as `uwsgi --stop`, front SIGQUIT, runserver
    /// SIGINT); then the pidfiles and sockets must be gone (removed here and noted when they are not).
    private func stopAll() {
        for process in processes.reversed() {
            let signal: Int32 = process.role == "front" ? SIGQUIT : SIGINT
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
        processes = []
    }

    private func logTails() -> String {
        processes.map { "== \($0.role)\n" + $0.logTail(10) }.joined(separator: "\n")
    }

    // MARK: readiness probes

    static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    static func accepts(unixPath: String) -> Bool {
        guard let fd = UnixSocket.connect(unixPath) else { return false }
        close(fd)
        return true
    }
}

/// A free TCP port on 127.0.0.1, from the kernel (bind to port 0).
enum FreePort {
    static func next() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw FileError(path: "127.0.0.1", problem: "no free port: \(String(cString: strerror(errno)))", exitStatus: .runFailed) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
