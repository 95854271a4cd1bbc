import Foundation

/// A child process started by a test: its output collected, and always ended — by `wait(timeout:)` or, when the
/// test throws first, by deinit (SIGKILL by pid, then reaped).
public final class RunningProcess {
    private let process = Process()
    private let outputFile: URL
    private let errorFile: URL

    /// Starts `executable` with `arguments`; stdout and stderr go to temporary files, stdin reads `input` (or
    /// /dev/null).
    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                input: String? = nil, directory: String? = nil) throws {
        let folder = FileManager.default.temporaryDirectory
        let id = UUID().uuidString
        outputFile = folder.appendingPathComponent("stackbench-test-\(id).out")
        errorFile = folder.appendingPathComponent("stackbench-test-\(id).err")
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.standardOutput = try FileHandle(forWritingTo: outputFile)
        process.standardError = try FileHandle(forWritingTo: errorFile)
        if let input {
            let inputFile = folder.appendingPathComponent("stackbench-test-\(id).in")
            try Data(input.utf8).write(to: inputFile)
            process.standardInput = try FileHandle(forReadingFrom: inputFile)
            try? FileManager.default.removeItem(at: inputFile)  // the open handle keeps the contents readable
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        // Children inherit the spawning thread's signal mask; a test runner may block SIGTERM/SIGINT, which would
        // make servers deaf to the signals tests stop them with. Spawn with them unblocked, then restore.
        var unblock = sigset_t()
        var previous = sigset_t()
        sigemptyset(&unblock)
        for number in [SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2] { sigaddset(&unblock, number) }
        pthread_sigmask(SIG_UNBLOCK, &unblock, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        try process.run()
    }

    /// The child's pid.
    public var pid: Int32 { process.processIdentifier }

    /// Everything written so far: standard output, then standard error (a run's progress goes to stderr).
    public var outputSoFar: String {
        ((try? String(contentsOf: outputFile, encoding: .utf8)) ?? "") + ((try? String(contentsOf: errorFile, encoding: .utf8)) ?? "")
    }

    /// Polls stdout every 50 ms until it contains `text` or `timeout` seconds pass; true when it appeared.
    public func waitForOutput(_ text: String, timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if outputSoFar.contains(text) { return true }
            if !process.isRunning { return outputSoFar.contains(text) }
            usleep(50_000)
        }
        return false
    }

    /// Its descendants now (children first), from /proc.
    public var descendants: [pid_t] { ProcessTree.descendants(of: pid) }


    /// Waits for the process to exit (killing it after `timeout` seconds) and returns its status and output.
    @discardableResult
    public func wait(timeout: Double = 120) -> (status: Int32, stdout: String, stderr: String) {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
        let out = (try? String(contentsOf: outputFile, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
        return (process.terminationStatus, out, err)
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: outputFile)
        try? FileManager.default.removeItem(at: errorFile)
    }
}

/// Runs a command to completion: status, stdout and stderr.
public func runCommand(_ executable: String, _ arguments: [String], input: String? = nil, directory: String? = nil, timeout: Double = 120)
    throws -> (status: Int32, stdout: String, stderr: String) {
    try RunningProcess(executable, arguments, input: input, directory: directory).wait(timeout: timeout)
}

/// Runs a command that daemonizes (its parent exits at once while a grandchild lives on) and returns the parent's
/// exit status. posix_spawn + waitpid, since Foundation's Process treats the process as running for as long as
/// any descendant holds its bookkeeping descriptor.
public func runDaemonizing(_ executable: String, _ arguments: [String], timeout: Double = 30) throws -> Int32 {
    var pid: pid_t = 0
    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    let status = posix_spawn(&pid, executable, nil, nil, argv, environ)
    guard status == 0 else { throw FixtureHTTPServer.ListenError(description: "spawn \(executable): \(status)") }
    let deadline = Date().addingTimeInterval(timeout)
    var exit: Int32 = 0
    while waitpid(pid, &exit, WNOHANG) == 0 {
        if Date() > deadline {
            kill(pid, SIGKILL)
            waitpid(pid, &exit, 0)
            return -1
        }
        usleep(10_000)
    }
    return (exit >> 8) & 0xff
}

/// Installs Debian `packages` through scripts/install-deps.sh when `executable` is missing; throws naming them
/// when that fails (a test never skips silently).
public func installIfMissing(_ executable: String, packages: [String]) throws {
    guard !FileManager.default.isExecutableFile(atPath: executable) else { return }
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/install-deps.sh").path
    let result = try runCommand(script, packages, timeout: 600)
    guard result.status == 0, FileManager.default.isExecutableFile(atPath: executable) else {
        throw FixtureHTTPServer.ListenError(description: "\(executable) is missing and apt-get install \(packages.joined(separator: " ")) failed: \(result.stderr)")
    }
}

/// Processes under a pid, from /proc/PID/task/*/children.
public enum ProcessTree {
    public static func children(of pid: pid_t) -> [pid_t] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.flatMap { task in
            ((try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/children", encoding: .utf8)) ?? "")
                .split(separator: " ").compactMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
    }

    /// Every descendant, children first.
    public static func descendants(of pid: pid_t) -> [pid_t] {
        var all = [pid]
        var index = 0
        while index < all.count {
            all += children(of: all[index])
            index += 1
        }
        return Array(all.dropFirst())
    }
}
