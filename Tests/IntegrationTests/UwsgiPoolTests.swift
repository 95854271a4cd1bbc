import Foundation
import StackbenchTesting
import Testing

/// `stackbench uwsgi --ini` as a process tree: behind Debian's nginx with the seed's location, and on its own
/// http-socket; harakiri, respawn, reload and stop observed from outside. Every pool is stopped by its pidfile
/// (and its master killed by pid if that fails) when the test ends.
@Suite(.serialized) struct UwsgiPoolTests {
    static func curl(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try runCommand("/usr/bin/curl", ["-sS", "--max-time", "20"] + arguments, timeout: 40)
    }

    static func load(_ url: String, _ arguments: [String]) throws -> [String: Any] {
        let folder = try TemporaryFolder()
        let result = try runCommand(BuiltProducts.stackbench, ["load", url, "--json", folder.file("r.json")] + arguments,
                                    timeout: 60)
        guard result.status == 0 else { throw FixtureHTTPServer.ListenError(description: "load failed: \(result.stderr)") }
        return try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder.file("r.json")))) as! [String: Any]
    }

    static let seedOptions = """
        uid=root
        gid=root
        master=true
        workers=3
        vacuum=true
        thunder-lock=true
        enable-threads=true
        harakiri=30
        post-buffering=1024
        """

    @Test func theSeedsOptionsServeEveryEndpointBehindNginxAndStopLeavesNothing() throws {
        let pool = try Pool(Self.seedOptions + "\ndaemonize = DAEMON_LOG")
        let nginx = try NginxFixture(locations: """
            location / {
                include /etc/nginx/uwsgi_params;
                uwsgi_connect_timeout 30;
                uwsgi_pass unix:\(pool.socket);
            }
            """)
        defer { nginx.stop() }
        #expect(try Self.curl([nginx.url("/hello")]).stdout == "hello\n", "\(nginx.errorLog)")
        #expect(try Self.curl([nginx.url("/")]).stdout.contains("200 teachers on staff"))
        #expect(try Self.curl([nginx.url("/api/teachers?limit=3")]).stdout.hasPrefix("{\"count\": 3,"))
        let created = try Self.curl(["-o", "/dev/null", "-w", "%{http_code}", "--data", #"{"name":"A","subject":"B","email":"a@b.io"}"#,
                                     nginx.url("/api/teachers")])
        #expect(created.stdout == "201")
        for size in [5 * 1024 * 1024, 1000] {
            let file = pool.project.file("body-\(size)")
            try FileHandle(forReadingAtPath: "/dev/urandom")!.readData(ofLength: size).write(to: URL(fileURLWithPath: file))
            let digest = try runCommand("/usr/bin/sha256sum", [file]).stdout.prefix(64)
            let answer = try Self.curl(["--data-binary", "@\(file)", nginx.url("/upload")])
            #expect(answer.stdout == "{\"bytes\": \(size), \"sha256\": \"\(digest)\"}")
        }
        #expect(try Self.curl(["-o", "/dev/null", "-w", "%{http_code}", nginx.url("/error")]).stdout == "500")
        #expect(try Self.curl(["-o", "/dev/null", "-w", "%{http_code}", nginx.url("/nope")]).stdout == "404")
        let master = try #require(pool.masterPid)
        let workers = try runCommand("/usr/bin/pgrep", ["-P", String(master)]).stdout.split(separator: "\n")
        #expect(workers.count == 3, "three workers under the master")
        #expect(try pool.stop() == 0)
        #expect(kill(master, 0) != 0, "the master is gone")
        for worker in workers { #expect(kill(Int32(worker)!, 0) != 0, "worker \(worker) is gone") }
        #expect(!FileManager.default.fileExists(atPath: pool.pidfile), "vacuum removed the pidfile")
        #expect(!FileManager.default.fileExists(atPath: pool.socket), "vacuum removed the socket")
    }

    /// As Debian's uWSGI does (checked: `setgid() to 65534`, `setuid() to 65534`, then `chdir()` and the bind): the
    /// pidfile is written as root, privileges are dropped, and only then is the socket bound, so it belongs to the
    /// unprivileged user; the master and every worker run as that user.
    @Test(.enabled(if: getuid() == 0, "needs root to drop privileges"))
    func uidAndGidDropPrivilegesBeforeTheSocketIsBound() throws {
        let pool = try Pool("master = true\nworkers = 2\nuid = nobody\ngid = nogroup\nvacuum = true", folderMode: 0o777)
        let nobody = try #require(getpwnam("nobody")).pointee
        var socketStatus = stat()
        #expect(stat(pool.socket, &socketStatus) == 0)
        #expect(socketStatus.st_uid == nobody.pw_uid && socketStatus.st_gid == nobody.pw_gid, "the socket is bound as nobody")
        var pidfileStatus = stat()
        #expect(stat(pool.pidfile, &pidfileStatus) == 0 && pidfileStatus.st_uid == 0, "the pidfile is written as root")
        let master = try #require(pool.masterPid)
        for pid in [master] + pool.workerPids {
            let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
            let uids = status.split(separator: "\n").first { $0.hasPrefix("Uid:") }?.split(separator: "\t").dropFirst()
            #expect(uids?.allSatisfy { $0 == "\(nobody.pw_uid)" } == true, "pid \(pid) runs as nobody: \(uids ?? [])")
            let groups = status.split(separator: "\n").first { $0.hasPrefix("Groups:") }?.dropFirst(7)
                .split(separator: " ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            #expect(groups == ["\(nobody.pw_gid)"], "root's supplementary groups are dropped too: \(groups ?? [])")
        }
        #expect(try Self.curl([pool.url("/hello")]).stdout == "hello\n", "\(pool.log)")
        #expect(pool.log.contains("setgid() to \(nobody.pw_gid)") && pool.log.contains("setuid() to \(nobody.pw_uid)"), "\(pool.log)")
        #expect(try pool.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: pool.socket), "vacuum removes the socket")
        #expect(FileManager.default.fileExists(atPath: pool.pidfile), "and, as uWSGI, keeps the pidfile root wrote")
    }

    @Test func harakiriKillsTheWorkerNginxAnswers502AndTheNextRequestSucceeds() throws {
        let pool = try Pool("master = true\nworkers = 1\nharakiri = 2\n")
        let nginx = try NginxFixture(locations: "location / { include /etc/nginx/uwsgi_params; uwsgi_pass unix:\(pool.socket); }")
        defer { nginx.stop() }
        let started = Date()
        let slow = try Self.curl(["-o", "/dev/null", "-w", "%{http_code}", nginx.url("/sleep?ms=10000")])
        let took = Date().timeIntervalSince(started)
        #expect(slow.stdout == "502")
        #expect(took >= 1.9 && took < 4.5, "harakiri = 2 answered after \(took) s")
        #expect(try Self.curl([nginx.url("/hello")]).stdout == "hello\n")
        #expect(pool.log.contains("*** HARAKIRI ON WORKER 1 (pid: "))
        #expect(pool.log.contains("GET /sleep?ms=10000 since "))
        #expect(pool.log.contains("DAMN ! worker 1 (pid: ") && pool.log.contains("killed by signal 9"))
        #expect(pool.log.contains("Respawned uWSGI worker 1 (new pid: "))
    }

    /// Issue 29: harakiri counted the post-buffering read of the body, so a 300 KB body trickled in over 4 s with
    /// harakiri = 2 was killed. As in uWSGI 2.0.21 (which answers 200 after the whole trickle), harakiri starts when
    /// the app does.
    @Test func harakiriStartsAfterPostBufferingHasReadTheBody() throws {
        let pool = try Pool("master = true\nworkers = 1\nharakiri = 2\npost-buffering = 4096\n")
        var block: [UInt8] = []
        for (name, value) in [("REQUEST_METHOD", "POST"), ("PATH_INFO", "/upload"), ("REQUEST_URI", "/upload"), ("QUERY_STRING", ""),
                              ("SERVER_PROTOCOL", "HTTP/1.1"), ("SERVER_NAME", "localhost"), ("SERVER_PORT", "80"),
                              ("HTTP_HOST", "localhost"), ("REMOTE_ADDR", "127.0.0.1"), ("CONTENT_LENGTH", "300000")] {
            for part in [Array(name.utf8), Array(value.utf8)] { block += [UInt8(part.count & 0xFF), UInt8(part.count >> 8)] + part }
        }
        let fd = try #require(connectToUnixSocket(pool.socket))
        defer { close(fd) }
        func send(_ bytes: [UInt8]) { _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } }
        let started = Date()
        send([0, UInt8(block.count & 0xFF), UInt8(block.count >> 8), 0] + block)
        for _ in 0..<40 {  // 300,000 bytes over 4 s
            send([UInt8](repeating: UInt8(ascii: "x"), count: 7_500))
            usleep(100_000)
        }
        var wait = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            answer += buffer[0..<count]
        }
        let text = String(decoding: answer, as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 200") && text.contains("\"bytes\": 300000"), "after \(Date().timeIntervalSince(started)) s: \(text)")
        #expect(!pool.log.contains("HARAKIRI"), "\(pool.log)")
    }

    @Test func aKilledWorkerIsRespawnedAndLaterRequestsSucceed() throws {
        let pool = try Pool("master = true\nworkers = 2\n")
        let victim = try #require(pool.workerPids.first)
        kill(victim, SIGKILL)
        let deadline = Date().addingTimeInterval(5)
        while !pool.log.contains("Respawned uWSGI worker"), Date() < deadline { usleep(20_000) }
        #expect(pool.log.contains("DAMN ! worker 1 (pid: \(victim)) died, killed by signal 9 :( trying respawn ..."))
        let result = try Self.load(pool.url("/hello"), ["-c", "4", "-n", "300", "--no-keepalive"])
        #expect((result["summary"] as! [String: Any])["errors"] as? Int == 0)
        #expect((result["statusCodes"] as! [String: Int])["200"] == 300)
    }

    @Test func workersDieWithAMasterKilledOutright() throws {
        let pool = try Pool("master = true\nworkers = 2\n")
        let workers = pool.workerPids
        #expect(workers.count == 2)
        kill(try #require(pool.masterPid), SIGKILL)
        let deadline = Date().addingTimeInterval(5)
        while workers.contains(where: { kill($0, 0) == 0 }), Date() < deadline { usleep(20_000) }
        for worker in workers { #expect(kill(worker, 0) != 0, "worker \(worker) outlived its master") }
    }

    /// Issue 29: a worker respawned after its ini went bad read the bad file and died again, over and over. Workers
    /// now run their master's options (uWSGI's are forked), so the respawned one serves; a reload then refuses.
    @Test func aWorkerRespawnedAfterItsIniWentBadServesWithItsMastersOptions() throws {
        let pool = try Pool("master = true\nworkers = 1\n")
        #expect(try Self.curl([pool.url("/hello")]).stdout == "hello\n")
        try "[uwsgi]\nworkers = %(9223372036854775807 * 2)\n".write(toFile: pool.ini, atomically: true, encoding: .utf8)
        let first = try #require(pool.workerPids.last)
        kill(first, SIGKILL)
        let deadline = Date().addingTimeInterval(10)
        while pool.workerPids.count < 2, Date() < deadline { usleep(20_000) }
        usleep(300_000)
        let respawned = try #require(pool.workerPids.last)
        #expect(respawned != first && kill(respawned, 0) == 0, "\(pool.log)")
        #expect(try Self.curl([pool.url("/hello")]).stdout == "hello\n", "\(pool.log)")
        #expect(pool.workerPids.count == 2, "respawned once, not over and over: \(pool.log)")
    }

    @Test func reloadUnderSteadyLoadFailsNoRequest() throws {
        let pool = try Pool("master = true\nworkers = 2\nthreads = 2\n")
        let folder = try TemporaryFolder()
        let load = try RunningProcess(BuiltProducts.stackbench,
                                      ["load", pool.url("/sleep?ms=20"), "-c", "8", "-d", "4s", "--no-keepalive", "--json", folder.file("r.json")])
        usleep(1_500_000)
        let reload = try runCommand(BuiltProducts.stackbench, ["uwsgi", "--reload", pool.pidfile])
        #expect(reload.status == 0)
        #expect(load.wait(timeout: 30).status == 0)
        let result = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder.file("r.json")))) as! [String: Any]
        let summary = result["summary"] as! [String: Any]
        #expect(summary["errors"] as? Int == 0, "\(result["errors"] ?? "")")
        #expect(summary["non2xx3xx"] as? Int == 0)
        #expect((summary["requests"] as? Int ?? 0) > 100)
        #expect(pool.log.contains("Gracefully killing worker 1 (pid: "))
        #expect(pool.log.contains("worker 2 buried after"))
        #expect(pool.log.components(separatedBy: "Respawned uWSGI worker").count - 1 == 2, "both workers replaced")
    }

    /// A reload after the ini went bad (here a placeholder that overflows) is refused with the reason, and the
    /// workers keep serving; once the ini is mended, the next reload replaces them.
    @Test func aReloadWithAnIniThatNoLongerLoadsIsRefusedAndTheWorkersKeepServing() throws {
        let pool = try Pool("master = true\nworkers = 2\n")
        // The workers read the ini as they start (they are exec'd, not forked): let them start before it goes bad.
        #expect(try Self.curl([pool.url("/hello")]).stdout == "hello\n")
        usleep(500_000)
        let good = try String(contentsOfFile: pool.ini, encoding: .utf8)
        try (good + "x = %(9223372036854775807 + 1)\n").write(toFile: pool.ini, atomically: true, encoding: .utf8)
        let pids = pool.workerPids
        #expect(try runCommand(BuiltProducts.stackbench, ["uwsgi", "--reload", pool.pidfile]).status == 0)
        let deadline = Date().addingTimeInterval(5)
        while !pool.log.contains("reload refused"), Date() < deadline { usleep(20_000) }
        #expect(pool.log.contains("reload refused, the workers keep running: ") && pool.log.contains("overflows a 64-bit integer"), "\(pool.log)")
        usleep(500_000)
        #expect(pool.workerPids == pids && !pool.log.contains("DAMN"), "no worker killed, none crash-looping")
        #expect(try Self.curl([pool.url("/hello")]).stdout == "hello\n")
        try good.write(toFile: pool.ini, atomically: true, encoding: .utf8)
        #expect(try runCommand(BuiltProducts.stackbench, ["uwsgi", "--reload", pool.pidfile]).status == 0)
        while pool.log.components(separatedBy: "Respawned uWSGI worker").count - 1 < 2, Date() < deadline.addingTimeInterval(10) { usleep(20_000) }
        #expect(pool.log.components(separatedBy: "Respawned uWSGI worker").count - 1 == 2)
        #expect(try Self.curl([pool.url("/hello")]).stdout == "hello\n")
    }

    @Test func anIdleReloadWithThunderLockDoesNotWaitForTraffic() throws {
        let pool = try Pool("master = true\nworkers = 2\nthreads = 2\nthunder-lock = true\n")
        let started = Date()
        #expect(try runCommand(BuiltProducts.stackbench, ["uwsgi", "--reload", pool.pidfile]).status == 0)
        while pool.log.components(separatedBy: "Respawned uWSGI worker").count - 1 < 2, Date().timeIntervalSince(started) < 10 {
            usleep(20_000)
        }
        #expect(Date().timeIntervalSince(started) < 5, "workers blocked on the shared accept lock still stop promptly")
        #expect(!pool.log.contains("NO MERCY"))
        #expect(try Self.curl([pool.url("/hello")]).stdout == "hello\n")
        // One worker alone told to stop (as max-requests does) while the other worker's threads hold the lock.
        for _ in 0..<3 {
            let victim = try #require(pool.workerPids.last)
            let before = pool.log.components(separatedBy: "Respawned uWSGI worker").count
            let asked = Date()
            kill(victim, SIGHUP)
            while pool.log.components(separatedBy: "Respawned uWSGI worker").count == before, Date().timeIntervalSince(asked) < 10 {
                usleep(20_000)
            }
            #expect(Date().timeIntervalSince(asked) < 3, "a lone stopping worker does not wait for traffic to get the lock")
        }
    }

    @Test func moreWorkersServeCPUWorkFasterAndMoreThreadsServeSleepsFaster() throws {
        func rps(_ options: String, _ path: String) throws -> Double {
            let pool = try Pool("master = true\ndisable-logging = true\n" + options)
            _ = try Self.load(pool.url(path), ["-c", "8", "-d", "1s"])  // warm-up
            let result = try Self.load(pool.url(path), ["-c", "8", "-d", "3s", "--no-keepalive"])
            return (result["summary"] as! [String: Any])["responsesPerSecond"] as! Double
        }
        let oneWorker = try rps("workers = 1\n", "/work?ms=20")
        let twoWorkers = try rps("workers = 2\n", "/work?ms=20")
        // 1.2, not 2: the suite runs other tests on the same 2 cores meanwhile (seen: 1.36x under load).
        #expect(twoWorkers > oneWorker * 1.2, "workers=2 \(twoWorkers) req/s vs workers=1 \(oneWorker)")
        let oneThread = try rps("workers = 1\nthreads = 1\n", "/sleep?ms=50")
        let fourThreads = try rps("workers = 1\nthreads = 4\n", "/sleep?ms=50")
        #expect(fourThreads > oneThread * 3, "threads=4 \(fourThreads) req/s vs threads=1 \(oneThread)")
        #expect(fourThreads < oneThread * 5)
    }

    @Test func theHttpSocketRefusesHeadsBeyondBufferSize() throws {
        let pool = try Pool("master = true\nbuffer-size = 4096\n")
        let big = "GET /hello HTTP/1.1\r\nHost: localhost\r\nX-Big: \(String(repeating: "b", count: 5000))\r\n\r\n"
        let answer = try RawHTTPClient.exchange(port: pool.httpPort, big)
        #expect(answer.hasPrefix("HTTP/1.1 431 "))
        #expect(pool.log.contains("invalid HTTP request size (max 4096)...skip"))
        #expect(try Self.curl([pool.url("/hello")]).stdout == "hello\n")
        let line = #/\[pid: \d+\|app: 0\|req: \d+/\d+\] 127\.0\.0\.1 \(\) \{\d+ vars in 0 bytes\} \[[^\]]+\] GET /hello => generated 6 bytes in \d+ msecs \(HTTP/1\.1 200\) 5 headers/#
        let deadline = Date().addingTimeInterval(3)
        while !pool.log.contains(line), Date() < deadline { usleep(20_000) }
        #expect(pool.log.contains(line), "uWSGI's request line for http-socket requests: \(pool.log)")
    }

    @Test func theStatsServerReportsEachWorkerInUwsgisShape() throws {
        let statsPort = try freePort()
        let pool = try Pool("master = true\nworkers = 2\nstats = 127.0.0.1:\(statsPort)\n")
        try waitForPort(statsPort, timeout: 10)
        _ = try Self.load(pool.url("/hello"), ["-c", "2", "-n", "50", "--no-keepalive"])
        let text = try RawHTTPClient.exchange(port: statsPort, [UInt8](), timeout: 3)
        let stats = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
        #expect(stats["pid"] as? Int == Int(pool.masterPid ?? -1))
        let workers = try #require(stats["workers"] as? [[String: Any]])
        #expect(workers.map { $0["id"] as? Int } == [1, 2])
        #expect(workers.compactMap { $0["requests"] as? Int }.reduce(0, +) >= 50, "the test's 50 plus the readiness probe")
        for worker in workers {
            for key in ["pid", "requests", "status", "avg_rt", "rss", "harakiri_count", "respawn_count", "delta_requests", "tx"] {
                #expect(worker[key] != nil, "worker field \(key)")
            }
            #expect((worker["rss"] as? Int ?? 0) > 0, "real RSS")
            #expect(worker["status"] as? String == "idle")
            #expect(worker["respawn_count"] as? Int == 1)
        }
        let sockets = try #require(stats["sockets"] as? [[String: Any]])
        #expect(sockets.map { $0["proto"] as? String } == ["uwsgi", "http"])
    }

    @Test func maxRequestsRecyclesAWorkerOnlyAfterItsMinimumLifetime() throws {
        let started = Date()
        let pool = try Pool("master = true\nworkers = 1\nmax-requests = 20\n")
        let early = try Self.load(pool.url("/hello"), ["-c", "1", "-n", "30", "--no-keepalive"])
        #expect((early["statusCodes"] as! [String: Int])["200"] == 30)
        #expect(!pool.log.contains("Seeya"), "no recycling before 10 s of life, as uWSGI's min-worker-lifetime")
        let wait = 10.5 - Date().timeIntervalSince(started)
        if wait > 0 { usleep(UInt32(wait * 1_000_000)) }
        let late = try Self.load(pool.url("/hello"), ["-c", "1", "-n", "10", "--no-keepalive"])
        #expect((late["statusCodes"] as! [String: Int])["200"] == 10)
        let deadline = Date().addingTimeInterval(5)
        while !pool.log.contains("Respawned uWSGI worker 1"), Date() < deadline { usleep(20_000) }
        #expect(pool.log.contains("...The work of process \(pool.workerPids.first ?? 0) is done. Seeya!"))
        #expect(pool.log.contains("worker 1 killed successfully (pid: "))
        #expect(pool.log.contains("Respawned uWSGI worker 1 (new pid: "))
    }

    @Test func badStartsSayWhereAndWhy() throws {
        let project = try TeacherProject()
        func start(_ text: String) throws -> (status: Int32, stdout: String, stderr: String) {
            let ini = project.file("bad.ini")
            try Data(text.utf8).write(to: URL(fileURLWithPath: ini))
            return try runCommand(BuiltProducts.stackbench, ["uwsgi", "--ini", ini], timeout: 20)
        }
        let unknown = try start("[uwsgi]\nmodule = teacher.wsgi:application\nwokers = 2\n")
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("bad.ini:3: error: wokers: unknown uWSGI option (did you mean \"workers\"?)"))
        // A module no compiled-in app answers to is a Python app (uWSGI's python plugin); it fails to import, and
        // with need-app that stops the start, naming the line.
        let module = try start("[uwsgi]\nchdir = \(project.folder.path)\nmodule = mysite.wsgi:application\nsocket = \(project.file("a.sock"))\nneed-app = true\n")
        #expect(module.status == 3 && module.stderr.contains("bad.ini:3: error: module: cannot load mysite.wsgi:application (traceback above)"), "\(module.stderr)")
        #expect(module.stderr.contains("ModuleNotFoundError: No module named 'mysite'"))
        let unbindable = try start("[uwsgi]\nchdir = \(project.folder.path)\nmodule = teacher.wsgi\nsocket = /nonexistent/dir/a.sock\n")
        #expect(unbindable.status == 3 && unbindable.stderr.contains("bad.ini:4: error: socket: cannot bind /nonexistent/dir/a.sock"))
        let empty = try TemporaryFolder()
        let noApp = try start("[uwsgi]\nchdir = \(empty.path)\nmodule = teacher.wsgi\nsocket = \(empty.file("a.sock"))\npidfile = \(empty.file("a.pid"))\n")
        #expect(noApp.status == 2 && noApp.stderr.contains("settings.yml: cannot read: No such file or directory"))
        #expect(!FileManager.default.fileExists(atPath: empty.file("a.sock")), "a failed start leaves no socket")
        #expect(!FileManager.default.fileExists(atPath: empty.file("a.pid")), "nor a pidfile")
        let base = "[uwsgi]\nchdir = \(project.folder.path)\nmodule = teacher.wsgi\nsocket = \(project.file("b.sock"))\n"
        let environmental: [(String, String)] = [
            ("chdir = /nonexistent\n", "bad.ini:5: error: chdir: cannot chdir() to /nonexistent: No such file or directory"),
            ("pidfile = /nonexistent/p.pid\n", "bad.ini:5: error: pidfile: cannot write /nonexistent/p.pid: No such file or directory"),
            ("logto = /nonexistent/u.log\n", "bad.ini:5: error: logto: cannot open /nonexistent/u.log: No such file or directory"),
            ("daemonize = /nonexistent/u.log\n", "bad.ini:5: error: daemonize: cannot open /nonexistent/u.log: No such file or directory"),
            ("uid = no-such-user-here\n", "bad.ini:5: error: uid: unknown user \"no-such-user-here\""),
            ("gid = no-such-group-here\n", "bad.ini:5: error: gid: unknown group \"no-such-group-here\""),
            ("stats = /nonexistent/stats.sock\n", "bad.ini:5: error: stats: cannot bind /nonexistent/stats.sock"),
        ]
        for (line, message) in environmental {
            let result = try start(base + line)
            #expect(result.status == 3, "\(line): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(line): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: project.file("b.sock")), "\(line): nothing left behind")
        }
        try Data("garbage\n".utf8).write(to: URL(fileURLWithPath: project.file("garbage.pid")))
        let garbage = try runCommand(BuiltProducts.stackbench, ["uwsgi", "--reload", project.file("garbage.pid")])
        #expect(garbage.status == 2 && garbage.stderr.contains("garbage.pid: does not hold a pid"))
        try Data("999999999\n".utf8).write(to: URL(fileURLWithPath: project.file("gone.pid")))
        let gone = try runCommand(BuiltProducts.stackbench, ["uwsgi", "--stop", project.file("gone.pid")])
        #expect(gone.status == 3 && gone.stderr.contains("gone.pid: cannot signal pid 999999999: No such process"))
        let noPidfile = try runCommand(BuiltProducts.stackbench, ["uwsgi", "--stop", project.file("none.pid")])
        #expect(noPidfile.status == 3 && noPidfile.stderr.contains("none.pid: cannot read: No such file or directory"))
    }
}
