import Foundation

/// A process spawned and reaped here, shared by the stack's processes (StackProcess), the agents' ssh
/// (SSHProcess) and the tests' sshd (AgentHosts): posix_spawn with the signal mask emptied and every signal's handling back to its default (the
/// runner blocks and catches some), the descriptors its file actions set up, and its wait status kept once reaped,
/// so that the sampler, an event and the runner may all ask whether it still runs. Stopped by its own pid only.
public final class ChildProcess: Sendable {
    /// posix_spawn's error number.
    public struct SpawnError: Error {
        public var code: Int32
        public var reason: String { String(cString: strerror(code)) }
    }

    public let pid: pid_t
    /// The wait status, set once it is reaped.
    private let exitStatus = Locked<Int32?>(nil)

    /// Starts `words` (the executable's path first) with `fileActions`.
    public init(_ words: [String], fileActions: UnsafePointer<posix_spawn_file_actions_t>?) throws {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t(), all = sigset_t()
        sigemptyset(&empty)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, words[0], fileActions, &attributes, argv, environ)
        guard status == 0 else { throw SpawnError(code: status) }
        self.pid = pid
    }

    /// Still running (reaps it when it has ended).
    public var isRunning: Bool {
        exitStatus.withLock { exitStatus in
            if exitStatus != nil { return false }
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { exitStatus = status; return false }
            return result == 0
        }
    }

    /// The wait status once it has ended (and been reaped); nil while it runs.
    public var waitStatus: Int32? { isRunning ? nil : exitStatus.value }

    /// Waits until it ends or `deadline` passes; true when it ended.
    @discardableResult
    public func wait(until deadline: Date) -> Bool {
        while isRunning {
            if Date() >= deadline { return false }
            usleep(20_000)
        }
        return true
    }

    /// Sends `signal`, waits up to `seconds`, then SIGKILL and reaps it. True when it ended within the time.
    @discardableResult
    public func stop(_ signal: Int32, seconds: Double) -> Bool {
        guard isRunning else { return true }
        kill(pid, signal)
        if wait(until: Date().addingTimeInterval(seconds)) { return true }
        kill(pid, SIGKILL)
        exitStatus.withLock { exitStatus in
            guard exitStatus == nil else { return }
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            exitStatus = status
        }
        return false
    }
}
