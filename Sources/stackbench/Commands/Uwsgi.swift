import ArgumentParser
import BenchSupport
import Foundation
import Pool
import PoolLauncher

/// `stackbench uwsgi --ini FILE[:SECTION]`, `--stop PIDFILE`, `--reload PIDFILE`: the uWSGI-compatible pool.
/// A spawned copy with STACKBENCH_UWSGI_WORKER set is one of its workers; a Python app's pool runs in
/// `stackbench-uwsgi` (see PoolProcess).
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
        Foundation.exit(try PoolProcess.run(ini: ini, registry: BuiltinApps.registry, handOverPython: true))
    }
}
