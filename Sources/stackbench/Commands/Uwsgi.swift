import ArgumentParser
import BenchSupport
import CLinux
import Foundation
import Pool
import PythonHost
import ServerCore
import StackConfig
import WSGI

/// `stackbench uwsgi --ini FILE[:SECTION]`, `--stop PIDFILE`, `--reload PIDFILE`: the uWSGI-compatible pool.
/// A spawned copy with STACKBENCH_UWSGI_WORKER set is one of its workers.
struct Uwsgi: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a uWSGI-style worker pool (master + workers + threads) from a uWSGI ini file.",
        discussion: "Speaks the uwsgi protocol on `socket` (for nginx's uwsgi_pass) and HTTP on `http-socket`. "
            + "--stop sends SIGINT and --reload SIGHUP to the pid in the pidfile, as uwsgi --stop/--reload do.")

    @Option(help: "The ini file, optionally with a section (FILE:SECTION; default section [uwsgi]).") var ini: String?
    @Option(help: "Stop the pool whose master pid is in this file (SIGINT).") var stop: String?
    @Option(help: "Reload the pool whose master pid is in this file (SIGHUP: graceful).") var reload: String?

    func run() throws {
        if let stop { return try PidFile.signal(SIGINT, pidfile: stop) }
        if let reload { return try PidFile.signal(SIGHUP, pidfile: reload) }
        guard let ini else { throw FlagError("--ini", "is required (or --stop/--reload PIDFILE)") }
        if let id = ProcessInfo.processInfo.environment[Master.WorkerEnvironment.id].flatMap(Int.init) {
            Foundation.exit(try runWorker(id: id))
        }
        let config = try UwsgiConfig.load(ini) { FileHandle.standardError.write(Data("\($0)\n".utf8)) }
        let app = try PoolApp.choose(config)
        for entry in config.environment {
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            setenv(parts[0], parts[1], 1)
        }
        let master = Master(config: config, executable: Self.executablePath, arguments: CommandLine.arguments) {
            switch app {
            case .compiledIn(let entry):
                _ = try entry.load(AppContext(projectDirectory: FileManager.default.currentDirectoryPath))
                return AppInMaster(ready: true)
            case .python where config.lazyApps:
                return AppInMaster(ready: false)
            case .python(let source, let settings):
                let (loaded, ready) = try PoolApp.loadPython(source, settings, config: config)
                let forked = ForkedWorkers(app: loaded, prepareFork: PythonRuntime.prepareFork,
                                           finishFork: PythonRuntime.finishFork(child:))
                return AppInMaster(forked: forked, ready: ready)
            }
        }
        do {
            Foundation.exit(try master.run())
        } catch let error as PoolStartError {
            throw ValidationFailure(message: error.description)
        }
    }

    private func runWorker(id: Int) throws -> Int32 {
        if let master = ProcessInfo.processInfo.environment[Master.WorkerEnvironment.master].flatMap(Int32.init),
           sb_die_with_parent(master) != 0 {
            return 1  // the master died before this worker got going
        }
        guard let snapshot = ProcessInfo.processInfo.environment[Master.WorkerEnvironment.config],
              let config = try? JSONDecoder().decode(UwsgiConfig.self, from: Data(snapshot.utf8)) else {
            throw FlagError("--ini", "a worker started without its master's options (\(Master.WorkerEnvironment.config))")
        }
        let app: Application
        switch try PoolApp.choose(config) {
        case .compiledIn(let entry):
            app = try entry.load(AppContext(projectDirectory: FileManager.default.currentDirectoryPath, errors: StandardErrorLog()))
        case .python(let source, let settings):
            do {
                let (loaded, ready) = try PoolApp.loadPython(source, settings, config: config)
                app = loaded
                if ready { PoolLog.write("WSGI app 0 (mountpoint='') ready on interpreter 0x0 pid: \(getpid()) (default app)") }
            } catch let error as PoolStartError {
                PoolLog.write(error.description)
                return 22  // uWSGI's exit status for a worker without its app under need-app
            }
        }
        let scoreboard = try Scoreboard.attach(descriptor: Master.WorkerEnvironment.scoreboardDescriptor)
        let kinds = (ProcessInfo.processInfo.environment[Master.WorkerEnvironment.listeners] ?? "")
            .split(separator: ",").compactMap { Worker.Listener.Speaks(rawValue: String($0)) }
        let listeners = kinds.enumerated().map { index, kind in
            Worker.Listener(socket: ListeningSocket(inheritedDescriptor: Master.WorkerEnvironment.firstListenerDescriptor + Int32(index),
                                                    address: .unix(path: "")), proto: kind)
        }
        return try Worker(id: id, config: config, app: app, scoreboard: scoreboard, listeners: listeners).run()
    }

    /// Workers are this very binary, reached through the kernel's link rather than its path: after the master
    /// drops to `uid`, the path may lie under a folder that user cannot traverse (a clone under /root), and a
    /// binary rebuilt meanwhile must not replace the running one's workers — uWSGI forks, so its workers are the
    /// master's code too.
    static let executablePath = "/proc/self/exe"
}

/// A start-up failure of the pool that is about the environment, not the file's syntax (a socket that cannot be
/// bound, a chdir that fails): exit 3.
struct ValidationFailure: UserFacingError {
    let message: String
    var exitStatus: ExitStatus { .runFailed }
    var description: String { message }
}
