import Foundation
import StackbenchTesting

extension UwsgiPoolTests {
    /// A pool over a fresh teacher project, from an ini written for the test.
    final class Pool {
        let project: TeacherProject
        let ini: String
        let httpPort: Int
        var socket: String { project.file("uwsgi.sock") }
        var pidfile: String { project.file("uwsgi.pid") }
        var logFile: String { project.file("uwsgi.log") }
        private var master: RunningProcess?

        /// Writes an ini with `options` (plus chdir, module, socket, http-socket, pidfile, logto unless given) and
        /// starts the pool; with `daemonize` among the options the command returns at once. `folderMode` is the
        /// project folder's mode (777 lets a pool that drops to another user create its socket and database).
        init(_ options: String, folderMode: mode_t = 0o755) throws {
            project = try TeacherProject()
            httpPort = try freePort()
            ini = project.file("uwsgi.ini")
            let daemonizes = options.contains("daemonize")
            let options = options.replacingOccurrences(of: "DAEMON_LOG", with: project.folder.path + "-uwsgi.log")
            let text = """
                [uwsgi]
                chdir = \(project.folder.path)
                module = teacher.wsgi:application
                socket = \(project.file("uwsgi.sock"))
                http-socket = 127.0.0.1:\(httpPort)
                pidfile = \(project.file("uwsgi.pid"))
                \(daemonizes ? "" : "logto = \(project.file("uwsgi.log"))")
                \(options)

                """
            try Data(text.utf8).write(to: URL(fileURLWithPath: ini))
            chmod(project.folder.path, folderMode)
            if daemonizes {
                let status = try runDaemonizing(BuiltProducts.stackbench, ["uwsgi", "--ini", ini])
                guard status == 0 else { throw FixtureHTTPServer.ListenError(description: "daemonize exited \(status)") }
            } else {
                master = try RunningProcess(BuiltProducts.stackbench, ["uwsgi", "--ini", ini])
            }
            try waitForPort(httpPort, timeout: 20)
            let workers = Int(options.firstMatch(of: #/workers\s*=\s*(\d+)/#)?.output.1 ?? "1") ?? 1
            let deadline = Date().addingTimeInterval(20)
            while workerPids.count < workers, Date() < deadline { usleep(20_000) }
        }

        var log: String {
            let daemonLog = project.folder.path + "-uwsgi.log"
            return (try? String(contentsOfFile: logFile, encoding: .utf8))
                ?? (try? String(contentsOfFile: daemonLog, encoding: .utf8)) ?? ""
        }
        var masterPid: Int32? { (try? String(contentsOfFile: pidfile, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) } }

        /// Worker pids as the log names them (`spawned uWSGI worker 1 (pid: 123, ...`), latest last.
        var workerPids: [Int32] {
            log.matches(of: #/spawned uWSGI worker \d+ \(pid: (\d+)/#).compactMap { Int32($0.output.1) }
        }

        func url(_ path: String) -> String { "http://127.0.0.1:\(httpPort)\(path)" }

        /// `stackbench uwsgi --stop`, then waits for the master to be gone.
        @discardableResult
        func stop() throws -> Int32 {
            let pid = masterPid
            let result = try runCommand(BuiltProducts.stackbench, ["uwsgi", "--stop", pidfile])
            let deadline = Date().addingTimeInterval(15)
            while let pid, kill(pid, 0) == 0, Date() < deadline { usleep(20_000) }
            master?.wait(timeout: 5)
            return result.status
        }

        deinit {
            defer { try? FileManager.default.removeItem(atPath: project.folder.path + "-uwsgi.log") }
            if let pid = masterPid, kill(pid, 0) == 0 {
                _ = try? runCommand(BuiltProducts.stackbench, ["uwsgi", "--stop", pidfile])
                let deadline = Date().addingTimeInterval(10)
                while kill(pid, 0) == 0, Date() < deadline { usleep(20_000) }
                if kill(pid, 0) == 0 { kill(pid, SIGKILL) }
            }
        }
    }
}
