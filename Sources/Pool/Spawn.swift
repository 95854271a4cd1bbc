import CLinux
import Foundation

/// Starts a program with chosen descriptors inherited as 3, 4, ... (the master starting workers with the listening
/// sockets and the scoreboard), default signal handling and an empty signal mask. posix_spawn: no fork of a
/// process that already runs threads.
public enum Spawn {
    /// Starts `path` with `arguments` (argv[0] first) and `environment`; returns the child's pid.
    public static func start(_ path: String, arguments: [String], environment: [String: String],
                             inheriting descriptors: [Int32]) throws -> pid_t {
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: Int32 = 0
        let status = descriptors.withUnsafeBufferPointer { fds in
            sb_spawn(path, argv, envp, fds.baseAddress, Int32(fds.count), &pid)
        }
        guard status == 0 else { throw PoolError.system("spawn \(path)", status) }
        return pid
    }
}
