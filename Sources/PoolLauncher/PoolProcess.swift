import BenchSupport
import CLinux
import Foundation
import Pool
import PythonHost
import ServerCore
import StackConfig
import WSGI

/// One process of the pool, as `stackbench uwsgi --ini` and the Python-only `stackbench-uwsgi` start it: the
/// master (the ini loaded, the app chosen and loaded, the workers started) or, with STACKBENCH_UWSGI_WORKER set, one
/// of its exec'd workers.
///
/// Owns: choosing between the two executables. A pool whose app is Python runs in `stackbench-uwsgi`, built
/// beside `stackbench` from the pool's own modules only (no libcurl, no load engine or reports, the Swift runtime
/// linked in statically): the master and every forked worker map that binary's pages, and the pages of one
/// executable holding all of stackbench cost each pool some 15 MiB of PSS that uWSGI, a small C program, does not
/// pay. `stackbench uwsgi` execs it before anything is bound, so the pid, the arguments and the log are the same.
public enum PoolProcess {
    /// The Python-only pool's file name, beside `stackbench`.
    public static let pythonPoolExecutable = "stackbench-uwsgi"

    /// Runs the pool of `ini` until it stops (or the worker this process was spawned as); returns the exit status.
    /// `handOverPython` execs `stackbench-uwsgi` for a Python app when that binary sits beside this one.
    public static func run(ini: String, registry: AppRegistry, handOverPython: Bool) throws -> Int32 {
        if let id = ProcessInfo.processInfo.environment[Master.WorkerEnvironment.id].flatMap(Int.init) {
            return try runWorker(id: id, registry: registry)
        }
        var warnings: [String] = []
        let config = try UwsgiConfig.load(ini) { warnings.append($0) }
        let app = try PoolApp.choose(config, registry: registry)
        if handOverPython, case .python = app {
            if let slim = pythonPool() {
                let argv: [UnsafeMutablePointer<CChar>?] = [slim, "--ini", ini].map { (text: String) in strdup(text) } + [nil]
                execv(slim, argv)
                warnings.append("stackbench: cannot exec \(slim) (\(String(cString: strerror(errno)))); the Python app runs in stackbench itself, at more memory per worker")
            } else {
                warnings.append("stackbench: no \(pythonPoolExecutable) beside this binary (build it: swift build --product \(pythonPoolExecutable)); the Python app runs in stackbench itself, at more memory per worker")
            }
        }
        for warning in warnings { FileHandle.standardError.write(Data("\(warning)\n".utf8)) }
        for entry in config.environment {
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            setenv(parts[0], parts[1], 1)
        }
        // What exec'd workers and a binary reload run: this command with the ini's path made absolute, since the
        // master chdirs.
        let absoluteIni = ini.hasPrefix("/") ? ini : FileManager.default.currentDirectoryPath + "/" + ini
        let arguments = [CommandLine.arguments[0]] + (handOverPython ? ["uwsgi"] : []) + ["--ini", absoluteIni]
        let master = Master(config: config, executable: executablePath, arguments: arguments) {
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
            return try master.run()
        } catch let error as PoolStartError {
            throw PoolEnvironmentFailure(message: error.description)
        }
    }

    /// `stackbench-uwsgi` beside the running executable, when it is there and executable.
    static func pythonPool() -> String? {
        guard let running = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
        let path = (running as NSString).deletingLastPathComponent + "/" + pythonPoolExecutable
        return path != running && access(path, X_OK) == 0 ? path : nil
    }

    private static func runWorker(id: Int, registry: AppRegistry) throws -> Int32 {
        if let master = ProcessInfo.processInfo.environment[Master.WorkerEnvironment.master].flatMap(Int32.init),
           sb_die_with_parent(master) != 0 {
            return 1  // the master died before this worker got going
        }
        guard let snapshot = ProcessInfo.processInfo.environment[Master.WorkerEnvironment.config],
              let config = try? JSONDecoder().decode(UwsgiConfig.self, from: Data(snapshot.utf8)) else {
            throw FlagError("--ini", "a worker started without its master's options (\(Master.WorkerEnvironment.config))")
        }
        let app: Application
        switch try PoolApp.choose(config, registry: registry) {
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
public struct PoolEnvironmentFailure: UserFacingError {
    public let message: String
    public var exitStatus: ExitStatus { .runFailed }
    public var description: String { message }
}
