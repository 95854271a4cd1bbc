import BenchSupport
import Foundation
import Results

/// One process of a stack the runner started (pool master, front, runserver): spawned pinned to the server
/// CPUs with its output in a log file, told to die with the runner (PR_SET_PDEATHSIG, so even a runner killed
/// outright leaves no server behind), sampled from /proc, and stopped by its own pid only.
final class StackProcess: Sendable {
    let role: StackRole
    let pid: pid_t
    let log: String
    /// The command it was started with, for a restart (stop-pool).
    let arguments: [String]
    let cpus: CPUSet?
    let directory: String
    private let child: ChildProcess

    /// Starts `arguments` (the executable first) through setpriv (die with the runner, SIGINT) and taskset
    /// (the CPUs); both exec, so the pid is the program's own.
    init(role: StackRole, arguments: [String], cpus: CPUSet?, log: String, directory: String) throws {
        self.role = role
        self.log = log
        self.arguments = arguments
        self.cpus = cpus
        self.directory = directory
        var command = ["/usr/bin/setpriv", "--pdeathsig", "INT"]
        if let cpus { command += ["/usr/bin/taskset", "-c", cpus.description] }
        command += arguments
        let script = "cd \(Self.quote(directory)) && exec " + command.map(Self.quote).joined(separator: " ")
            + " </dev/null >>\(Self.quote(log)) 2>&1"
        do {
            child = try ChildProcess(["/bin/sh", "-c", script], fileActions: nil)
        } catch let error as ChildProcess.SpawnError {
            throw FileError(path: arguments[0], problem: "cannot start \(role): \(error.reason)", exitStatus: .runFailed)
        }
        pid = child.pid
    }

    static func quote(_ word: String) -> String { "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// Still running (reaps it when it has ended).
    var isRunning: Bool { child.isRunning }

    /// The same command started again (a new process, same log).
    func restarted() throws -> StackProcess {
        try StackProcess(role: role, arguments: arguments, cpus: cpus, log: log, directory: directory)
    }

    /// How it ended, as a phrase: "exited with status 1", "killed by signal 9".
    var endDescription: String {
        guard let status = child.waitStatus else { return "still running" }
        let signal = status & 0x7f
        return signal == 0 ? "exited with status \((status >> 8) & 0xff)" : "killed by signal \(signal)"
    }

    /// Sends `signal`, waits up to `seconds`, then SIGKILL. True when it ended within the time.
    @discardableResult
    func stop(_ signal: Int32, seconds: Double = 10) -> Bool { child.stop(signal, seconds: seconds) }

    /// The last `lines` lines of its log.
    func logTail(_ lines: Int = 15) -> String {
        Self.tail(of: log, lines: lines)
    }

    static func tail(of path: String, lines: Int) -> String {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return "(no log at \(path))" }
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines + 1).joined(separator: "\n")
    }
}

/// CPU time and memory of a process and its descendants (a pool's master and workers), read from /proc.
enum ProcessSample {
    struct Usage: Sendable {
        var cpuSeconds: Double
        /// Time the tree's threads spent runnable but waiting for a core (field 2 of each live thread's
        /// /proc/PID/task/TID/schedstat; threads that ended are not counted).
        var runnableSeconds: Double = 0
        var rssKiB: Int
        var processes: Int
        /// The pids of the tree, root first.
        var pids: [pid_t]
    }

    /// PSS and USS of `pids` summed, KiB, from /proc/PID/smaps_rollup; nil when a process's is unreadable.
    static func memory(of pids: [pid_t]) -> (pssKiB: Int, ussKiB: Int)? {
        var pss = 0, uss = 0
        for pid in pids {
            guard let text = try? String(contentsOfFile: "/proc/\(pid)/smaps_rollup", encoding: .utf8) else { return nil }
            for line in text.split(separator: "\n") {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                guard fields.count >= 2, let kib = Int(fields[1]) else { continue }
                switch fields[0] {
                case "Pss:": pss += kib
                case "Private_Clean:", "Private_Dirty:": uss += kib
                default: break
                }
            }
        }
        return (pss, uss)
    }

    /// The process and every descendant, now.
    static func tree(_ root: pid_t) -> [pid_t] {
        var all = [root]
        var index = 0
        while index < all.count {
            let pid = all[index]
            index += 1
            let path = "/proc/\(pid)/task/\(pid)/children"
            if let text = try? String(contentsOfFile: path, encoding: .utf8) {
                all += text.split(separator: " ").compactMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            }
        }
        return all.filter { kill($0, 0) == 0 }
    }

    static func usage(of root: pid_t) -> Usage {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        var cpu = 0.0, rss = 0, count = 0, runnable = 0.0
        let pids = tree(root)
        for pid in pids {
            runnable += runQueueSeconds(of: pid)
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
            guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { continue }
            cpu += (user + system) / ticks
            count += 1
            if let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
               let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) {
                rss += Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
            }
        }
        return Usage(cpuSeconds: cpu, runnableSeconds: runnable, rssKiB: rss, processes: count, pids: pids)
    }

    /// Seconds the threads of `pid` waited on a run queue, summed.
    static func runQueueSeconds(of pid: pid_t) -> Double {
        guard let threads = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task") else { return 0 }
        return threads.reduce(0) { total, thread in
            guard let text = try? String(contentsOfFile: "/proc/\(pid)/task/\(thread)/schedstat", encoding: .utf8) else { return total }
            let fields = text.split(separator: " ")
            return total + (fields.count >= 2 ? (Double(fields[1]) ?? 0) / 1e9 : 0)
        }
    }
}
