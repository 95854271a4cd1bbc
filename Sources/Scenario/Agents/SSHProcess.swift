import BenchSupport
import Foundation

/// One `ssh` the agents' code started: spawned directly (posix_spawn through setpriv, so it dies with the runner
/// and the remote command sees its session close), its output in files, stopped by its own pid only.
///
/// Not Foundation's Process: ssh closes every inherited descriptor when it becomes a master connection, which
/// Foundation takes for the process's end and waits on it there, blocking every other Process of the run.
final class SSHProcess: Sendable {
    private let child: ChildProcess
    /// The write end of its standard input, while it is open (-1: none, or closed).
    private let input = Locked<Int32>(-1)

    /// `ssh arguments…` with its stdout and stderr appended to the files; its standard input a pipe kept open by
    /// this object until `closeInput()` when `keepInputOpen`, else /dev/null.
    init(_ arguments: [String], stdout: String, stderr: String, keepInputOpen: Bool = false) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var pipeEnds: [Int32] = [-1, -1]
        if keepInputOpen {
            // Close-on-exec on both ends: the child gets its read end as descriptor 0 only (dup2 clears the flag).
            guard pipe(&pipeEnds) == 0, fcntl(pipeEnds[0], F_SETFD, FD_CLOEXEC) == 0, fcntl(pipeEnds[1], F_SETFD, FD_CLOEXEC) == 0 else {
                throw AgentPool.Failure(description: "cannot make a pipe for ssh: \(String(cString: strerror(errno)))")
            }
            posix_spawn_file_actions_adddup2(&actions, pipeEnds[0], 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        defer { if keepInputOpen { close(pipeEnds[0]) } }
        do {
            child = try ChildProcess(["/usr/bin/setpriv", "--pdeathsig", "TERM", "/usr/bin/ssh"] + arguments, fileActions: &actions)
        } catch let error as ChildProcess.SpawnError {
            if keepInputOpen { close(pipeEnds[1]) }
            throw AgentPool.Failure(description: "cannot start ssh: \(error.reason)")
        }
        input.value = pipeEnds[1]
    }

    deinit { closeInput() }

    var isRunning: Bool { child.isRunning }

    /// Its exit code once ended (128 + the signal when killed by one); nil while running.
    var status: Int32? {
        guard let status = child.waitStatus else { return nil }
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// Ends its standard input: the remote command's watcher sees the end and stops the load.
    func closeInput() {
        input.withLock { fd in
            if fd >= 0 { close(fd) }
            fd = -1
        }
    }

    /// Waits until it ends or `deadline` passes; true when it ended.
    @discardableResult
    func wait(until deadline: Date) -> Bool { child.wait(until: deadline) }

    /// Its input closed, then SIGTERM, up to 5 s, then SIGKILL; reaped either way.
    func stop() {
        closeInput()
        child.stop(SIGTERM, seconds: 5)
    }

    /// Runs ssh to its end (ended at `timeout`): its exit code and both streams.
    static func capture(_ arguments: [String], timeout: Double = 20) throws -> (status: Int32, stdout: String, stderr: String) {
        let folder = try FileSystem.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let process = try SSHProcess(arguments, stdout: folder + "/out", stderr: folder + "/err")
        if !process.wait(until: Date().addingTimeInterval(timeout)) { process.stop() }
        func read(_ name: String) -> String { (try? String(contentsOfFile: folder + "/" + name, encoding: .utf8)) ?? "" }
        return (process.status ?? 255, read("out"), read("err"))
    }
}
