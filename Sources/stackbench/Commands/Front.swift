import ArgumentParser
import BenchSupport
import Foundation
import Front
import Pool
import StackConfig

/// `stackbench front -c nginx.conf`: the static front and uwsgi proxy, from an nginx.conf (`-t` checks it,
/// `-s stop|quit|reload` signals a running front through its `pid` file), as `nginx -c/-t/-s` do.
struct FrontCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "front",
        abstract: "Run the front (stackbench's nginx): static files from disk, uwsgi_pass to the pool.",
        discussion: "Reads the nginx.conf subset in docs/front.md. Relative paths resolve against the prefix "
            + "(-p, default: the config file's directory). SIGHUP re-reads the config; SIGTERM, SIGINT, SIGQUIT stop.")

    @Option(name: .customShort("c"), help: "The configuration file.") var config: String
    @Option(name: .customShort("p"), help: "The prefix for relative paths (default: the config file's directory).")
    var prefix: String?
    @Flag(name: .customShort("t"), help: "Test the configuration and exit.") var test = false
    @Option(name: .customShort("s"), help: "Send a signal to the running front: stop, quit, reload.") var signal: String?

    func run() throws {
        let (loaded, warnings) = try NginxConfig.load(file: config, prefix: prefix)
        for warning in warnings { FileHandle.standardError.write(Data((warning + "\n").utf8)) }
        if test {
            FileHandle.standardError.write(Data("front: the configuration file \(config) syntax is ok\nfront: configuration file \(config) test is successful\n".utf8))
            return
        }
        if let signal {
            let numbers = ["stop": SIGTERM, "quit": SIGQUIT, "reload": SIGHUP]
            guard let number = numbers[signal] else { throw FlagError("-s", "must be stop, quit or reload, got \"\(signal)\"") }
            guard let pidFile = loaded.pidFile else {
                throw NginxConfigError(file: config, line: nil, "no \"pid\" directive: -s needs the pid file of the running front")
            }
            try PidFile.signal(number, pidfile: pidFile)
            return
        }
        let handled = Signals.block([SIGHUP, SIGINT, SIGQUIT, SIGTERM])  // before the event-loop threads exist
        let server = try FrontServer(config: loaded)
        if let pidFile = loaded.pidFile, let reason = FileSystem.writeAtomically(Data("\(getpid())\n".utf8), to: pidFile) {
            server.stop()
            throw FrontStartError(problem: "open() \"\(pidFile)\" failed (\(reason))")
        }
        while Signals.wait(for: handled) == SIGHUP {
            server.reload(from: config, prefix: prefix)
        }
        server.stop()
        if let pidFile = loaded.pidFile { unlink(pidFile) }
    }
}
