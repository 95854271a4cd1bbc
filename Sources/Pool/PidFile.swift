import BenchSupport
import Foundation
import StackConfig

/// The pidfile (`pidfile = P`): the master's pid in decimal and a newline, written whole (temporary file + rename);
/// and `--stop`/`--reload`, which read it and signal that pid.
public enum PidFile {
    static func write(_ pid: pid_t, to path: String, config: UwsgiConfig) throws {
        if let reason = FileSystem.writeAtomically(Data("\(pid)\n".utf8), to: path) {
            throw PoolStartError(config, "pidfile", "cannot write \(path): \(reason)")
        }
    }

    /// Sends `signal` to the pid in `path` (`--stop`: SIGINT, `--reload`: SIGHUP), as `uwsgi --stop` does.
    public static func signal(_ signal: Int32, pidfile path: String) throws {
        let text: String
        do {
            text = try FileSystem.readText(path)
        } catch let error as FileError {
            throw FileError(path: path, problem: error.problem, exitStatus: .runFailed)
        }
        guard let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0 else {
            throw FileError(path: path, problem: "does not hold a pid", exitStatus: .usage)
        }
        guard kill(pid, signal) == 0 else {
            throw FileError(path: path, problem: "cannot signal pid \(pid): \(String(cString: strerror(errno)))",
                            exitStatus: .runFailed)
        }
    }
}
