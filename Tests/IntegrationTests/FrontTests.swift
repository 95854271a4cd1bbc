import BenchSupport
import Foundation
import StackbenchTesting
import Testing

/// `stackbench front -c nginx.conf` as a process, from the seed's server block (its /opt/project paths and port
/// rewritten into a temporary folder) inside an http block that defines `main`: static files from collectstatic's
/// STATIC_ROOT, and the dynamic path through `stackbench uwsgi` and through Debian's real uWSGI.
@Suite(.serialized) struct FrontTests {
    static func curl(_ arguments: [String]) throws -> String {
        try runCommand("/usr/bin/curl", ["-sS", "--max-time", "20"] + arguments, timeout: 40).stdout
    }

    /// The project, the config, the running front; stopped with `-s stop` (and by pid if that fails).
    final class Stack {
        let project: TeacherProject
        let port: Int
        let config: String
        let front: RunningProcess
        var socket: String { project.file("uwsgi.sock") }

        init() throws {
            project = try TeacherProject()
            port = try freePort()
            chmod(project.folder.path, 0o755)
            let collected = try runCommand(BuiltProducts.stackbench, ["collectstatic", "--noinput", "--settings", project.settingsPath])
            guard collected.status == 0 else { throw FixtureHTTPServer.ListenError(description: collected.stderr) }
            let seed = try String(contentsOfFile: SeedFiles.nginxServerBlock, encoding: .utf8)
            let server = seed.replacingOccurrences(of: "listen  80;", with: "listen  127.0.0.1:\(port);")
                .replacingOccurrences(of: "/var/log/nginx/access.log", with: project.file("access.log"))
                .replacingOccurrences(of: "/opt/project/script/uwsgi.sock", with: project.file("uwsgi.sock"))
                .replacingOccurrences(of: "/opt/project/teacher/static_all/", with: project.file("static_all") + "/")
            config = project.file("nginx.conf")
            try """
                pid \(project.file("front.pid"));
                error_log \(project.file("error.log"));
                events { worker_connections 1024; }
                http {
                    include mime.types;
                    default_type application/octet-stream;
                    \(SeedFiles.mainLogFormat)
                    client_max_body_size 16m;
                \(server)
                }
                """.write(toFile: config, atomically: true, encoding: .utf8)
            front = try RunningProcess(BuiltProducts.stackbench, ["front", "-c", config])
            try waitForPort(port, timeout: 20)
        }

        func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

        @discardableResult
        func stop() throws -> Int32 {
            let result = try runCommand(BuiltProducts.stackbench, ["front", "-c", config, "-s", "stop"])
            _ = front.wait(timeout: 10)
            return result.status
        }

        deinit {
            if kill(front.pid, 0) == 0 { kill(front.pid, SIGKILL) }
        }
    }

    /// Connections past the front's descriptor limit (`prlimit --nofile=64`): accept pauses instead of spinning
    /// on EMFILE, and the front serves again as soon as descriptors are free, as nginx does.
    @Test func connectionsPastTheDescriptorLimitSpinNothingAndServiceResumes() throws {
        let folder = try TemporaryFolder()
        let port = try freePort()
        try FileManager.default.createDirectory(atPath: folder.file("site"), withIntermediateDirectories: true)
        try "small\n".write(toFile: folder.file("site/small.txt"), atomically: true, encoding: .utf8)
        try """
            pid \(folder.file("front.pid"));
            error_log \(folder.file("error.log"));
            events { worker_connections 1024; }
            http { server { listen 127.0.0.1:\(port); access_log off; location / { root \(folder.file("site")); } } }
            """.write(toFile: folder.file("nginx.conf"), atomically: true, encoding: .utf8)
        let front = try RunningProcess("/usr/bin/prlimit", ["--nofile=64:64", BuiltProducts.stackbench, "front", "-c", folder.file("nginx.conf")])
        defer { if kill(front.pid, 0) == 0 { kill(front.pid, SIGKILL) } }
        try waitForPort(port, timeout: 20)
        var idle: [Int32] = []
        defer { idle.forEach { close($0) } }
        for _ in 0..<150 {
            guard let fd = Sockets.connect(.tcp(host: "127.0.0.1", port: port)) else { break }
            idle.append(fd)
        }
        #expect(idle.count == 150, "the kernel queues connections the front cannot take yet")
        func cpuSeconds() -> Double {
            let fields = ((try? String(contentsOfFile: "/proc/\(front.pid)/stat", encoding: .utf8)) ?? "").split(separator: ")").last?.split(separator: " ") ?? []
            guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return .infinity }
            return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
        }
        let before = cpuSeconds()
        usleep(1_500_000)
        #expect(cpuSeconds() - before < 0.3, "an accept loop on EMFILE would spend the whole 1.5 s")
        idle.prefix(100).forEach { close($0) }
        idle.removeFirst(100)
        let answer = try Self.curl(["http://127.0.0.1:\(port)/small.txt"])
        #expect(answer == "small\n")
        #expect((try? String(contentsOfFile: folder.file("error.log"), encoding: .utf8))?.contains("accept4() failed (24: Too many open files)") == true)
    }

    @Test func staticFilesFromTheSeedsAliasWithNginxsHeaders() throws {
        let stack = try Stack()
        let head = try Self.curl(["-sI", stack.url("/static/css/app.css")])
        for header in ["HTTP/1.1 200 OK", "Content-Type: text/css", "Last-Modified: ", "ETag: \"", "Accept-Ranges: bytes", "Connection: keep-alive"] {
            #expect(head.contains(header), "\(header) in \(head)")
        }
        let original = try String(contentsOfFile: TeacherProject.repositoryProject + "/static/css/app.css", encoding: .utf8)
        #expect(try Self.curl([stack.url("/static/css/app.css")]) == original)
        #expect(head.contains("Content-Length: \(original.utf8.count)"))
        let etag = try #require(head.firstMatch(of: #/ETag: ("[^"]+")/#)?.output.1)
        #expect(try Self.curl(["-o", "/dev/null", "-w", "%{http_code}", "-H", "If-None-Match: \(etag)", stack.url("/static/css/app.css")]) == "304")
        #expect(try Self.curl(["-r", "0-9", stack.url("/static/css/app.css")]) == String(original.prefix(10)))
        #expect(try Self.curl(["-o", "/dev/null", "-w", "%{http_code}", "-r", "99999-", stack.url("/static/css/app.css")]) == "416")
        #expect(try Self.curl(["-sI", stack.url("/static/js/app.js")]).contains("Content-Type: application/javascript; charset=utf-8"))
        #expect(try Self.curl(["-o", "/dev/null", "-w", "%{http_code}", stack.url("/static/")]) == "403", "no index.html in static_all")
        try "home\n".write(toFile: stack.project.file("static_all/index.html"), atomically: true, encoding: .utf8)
        #expect(try Self.curl([stack.url("/static/")]) == "home\n", "index")
        #expect(try stack.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: stack.project.file("front.pid")), "the pid file is removed")
        let log = try String(contentsOfFile: stack.project.file("access.log"), encoding: .utf8)
        #expect(log.contains("\"GET /static/css/app.css HTTP/1.1\" 200 \(original.utf8.count) \"-\" \"curl/"), "the main format, flushed at stop")
    }

    @Test func theDynamicPathThroughStackbenchUwsgi() throws {
        let stack = try Stack()
        let ini = stack.project.file("uwsgi.ini")
        try """
            [uwsgi]
            chdir = \(stack.project.folder.path)
            module = teacher.wsgi:application
            socket = \(stack.socket)
            master = true
            workers = 2
            post-buffering = 1024
            vacuum = true
            pidfile = \(stack.project.file("uwsgi.pid"))
            logto = \(stack.project.file("uwsgi.log"))
            """.write(toFile: ini, atomically: true, encoding: .utf8)
        let pool = try RunningProcess(BuiltProducts.stackbench, ["uwsgi", "--ini", ini])
        defer {
            _ = try? runCommand(BuiltProducts.stackbench, ["uwsgi", "--stop", stack.project.file("uwsgi.pid")])
            _ = pool.wait(timeout: 10)
        }
        let deadline = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: stack.socket), Date() < deadline { usleep(20_000) }
        #expect(try Self.curl([stack.url("/hello")]) == "hello\n")
        #expect(try Self.curl([stack.url("/")]).contains("200 teachers on staff"))
        #expect(try Self.curl([stack.url("/api/teachers?limit=2")]).hasPrefix("{\"count\": 2,"))
        for size in [5 * 1024 * 1024, 1000] {
            let file = stack.project.file("body-\(size)")
            try FileHandle(forReadingAtPath: "/dev/urandom")!.readData(ofLength: size).write(to: URL(fileURLWithPath: file))
            let digest = try runCommand("/usr/bin/sha256sum", [file]).stdout.prefix(64)
            #expect(try Self.curl(["--data-binary", "@\(file)", stack.url("/upload")]) == "{\"bytes\": \(size), \"sha256\": \"\(digest)\"}")
        }
        #expect(try Self.curl(["-o", "/dev/null", "-w", "%{http_code}", stack.url("/nope")]) == "404")
        let loaded = try runCommand(BuiltProducts.stackbench, ["load", stack.url("/hello"), "-c", "8", "-n", "2000"], timeout: 60)
        #expect(loaded.status == 0 && loaded.stdout.contains("Failed:       0 without a response"), "\(loaded.stdout)")
        #expect(try stack.stop() == 0)
    }

    @Test func theDynamicPathThroughDebiansUwsgi() throws {
        try installIfMissing("/usr/bin/uwsgi", packages: ["uwsgi", "uwsgi-plugin-python3"])
        let stack = try Stack()
        let app = stack.project.file("hello.py")
        try """
            def application(environ, start_response):
                body = ("%s %s %s" % (environ["REQUEST_METHOD"], environ["PATH_INFO"], environ.get("QUERY_STRING", ""))).encode()
                start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
                return [body]
            """.write(toFile: app, atomically: true, encoding: .utf8)
        let uwsgi = try RunningProcess("/usr/bin/uwsgi", ["--plugin", "python3", "--wsgi-file", app, "--socket", stack.socket,
                                                          "--master", "--workers", "1", "--disable-logging"])
        defer { kill(uwsgi.pid, SIGINT); _ = uwsgi.wait(timeout: 10) }
        let deadline = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: stack.socket), Date() < deadline { usleep(20_000) }
        usleep(300_000)
        #expect(try Self.curl([stack.url("/some/where?x=1")]) == "GET /some/where x=1")
        #expect(try stack.stop() == 0)
    }

    @Test func badCommandLinesAndBusyPortsSayWhy() throws {
        let folder = try TemporaryFolder()
        let port = try freePort()
        let config = folder.file("nginx.conf")
        try "http { server { listen 127.0.0.1:\(port); } }\n".write(toFile: config, atomically: true, encoding: .utf8)
        let noLogs = try runCommand(BuiltProducts.stackbench, ["front", "-c", config])
        #expect(noLogs.status == 1 && noLogs.stderr.contains("front: [emerg] open() \"\(URL(fileURLWithPath: folder.path).standardizedFileURL.path)/logs/error.log\" failed (2: No such file or directory)"),
                "nginx's default logs under the prefix, which has no logs/: \(noLogs.stderr)")
        try FileManager.default.createDirectory(atPath: folder.file("logs"), withIntermediateDirectories: true)
        let badSignal = try runCommand(BuiltProducts.stackbench, ["front", "-c", config, "-s", "bogus"])
        #expect(badSignal.status == 2 && badSignal.stderr.contains("-s must be stop, quit or reload, got \"bogus\""), "\(badSignal.stderr)")
        let noPid = try runCommand(BuiltProducts.stackbench, ["front", "-c", config, "-s", "stop"])
        #expect(noPid.status == 1 && noPid.stderr.contains("no \"pid\" directive"), "\(noPid.stderr)")
        let first = try RunningProcess(BuiltProducts.stackbench, ["front", "-c", config])
        defer { kill(first.pid, SIGTERM); _ = first.wait(timeout: 10) }
        try waitForPort(port, timeout: 20)
        let second = try runCommand(BuiltProducts.stackbench, ["front", "-c", config], timeout: 30)
        #expect(second.status == 1 && second.stderr.contains("bind() to 127.0.0.1:\(port) failed (98: Address already in use)"), "\(second.stderr)")
    }
}
