import Foundation
import StackbenchTesting
import Testing

/// `stackbench uwsgi` hosting a Python WSGI app in embedded CPython, held against Debian's uWSGI 2.0.21 +
/// python3 plugin given the very same ini file: every route answers with the same status and body on both, the
/// Django twin included; harakiri, reload under load and threads on the GIL observed from outside.
@Suite(.serialized, .enabled(if: ReferenceStack.installed, "Debian's uwsgi, uwsgi-plugin-python3 and python3-django could not be installed"))
struct PythonPoolTests {
    /// One WSGI file with a route per behaviour PEP 3333 and uWSGI's plugin define; `/v/...` runs the same route
    /// through `wsgiref.validate.validator`, which asserts PEP 3333's rules on the server.
    static let routes = #"""
        import os, threading, time
        from wsgiref.validate import validator

        closed = {'count': 0}

        class Closing:
            def __init__(self, chunks):
                self.chunks = chunks
            def __iter__(self):
                return iter(self.chunks)
            def close(self):
                closed['count'] += 1

        def routes(environ, start_response):
            path = environ['PATH_INFO']
            plain = [('Content-Type', 'text/plain')]
            if path == '/hello':
                start_response('200 OK', plain)
                return [b'Hello']
            if path == '/environ':
                start_response('200 OK', plain)
                keys = ('wsgi.version', 'wsgi.url_scheme', 'wsgi.multithread', 'wsgi.multiprocess', 'wsgi.run_once',
                        'REQUEST_METHOD', 'PATH_INFO', 'QUERY_STRING')
                return [repr([(k, environ[k]) for k in keys] + [(k, type(environ[k]).__name__) for k in ('uwsgi.version', 'uwsgi.node')]).encode()]
            if path == '/echo':
                body = environ['wsgi.input'].read(int(environ.get('CONTENT_LENGTH') or 0))
                start_response('200 OK', plain)
                return [b'%d:' % len(body), body[:32], body[-32:]]
            if path == '/lines':
                stream = environ['wsgi.input']
                first = stream.readline()
                part = stream.read(3)
                rest = stream.readlines()
                start_response('200 OK', plain)
                return [repr((first, part, rest, stream.read(), [line for line in stream])).encode()]
            if path == '/generator':
                def produce():
                    start_response('200 OK', plain)
                    yield b'one,'
                    yield b''
                    yield b'two'
                return produce()
            if path == '/closing':
                start_response('200 OK', plain)
                return Closing([b'closing'])
            if path == '/closed':
                start_response('200 OK', plain)
                return [b'%d' % closed['count']]
            if path == '/write':
                write = start_response('200 OK', plain)
                write(b'written,')
                return [b'returned']
            if path == '/file':
                start_response('200 OK', plain)
                return environ['wsgi.file_wrapper'](open(__file__, 'rb'))
            if path == '/raise':
                raise ValueError('raised on purpose')
            if path == '/raise-late':
                start_response('202 Accepted', plain)
                raise ValueError('raised after start_response')
            if path == '/bad-status':
                start_response(200, plain)
                return [b'never']
            if path == '/bad-header':
                start_response('200 OK', [('Content-Type', 5)])
                return [b'never']
            if path == '/no-start':
                return [b'never']
            if path == '/not-bytes':
                start_response('200 OK', plain)
                return ['text']
            if path == '/twice':
                start_response('200 OK', plain)
                start_response('201 Created', plain)
                return [b'second']
            if path.startswith('/bytes/'):
                start_response('200 OK', plain)
                return [ascii((path, environ['QUERY_STRING'], environ.get('HTTP_X_TEXT'))).encode()]
            if path == '/frozen':
                import gc
                start_response('200 OK', plain)
                return [b'%d' % gc.get_freeze_count()]
            if path == '/sleep':
                time.sleep(float(environ['QUERY_STRING'] or '0.01'))
                start_response('200 OK', plain)
                return [b'slept']
            start_response('404 Not Found', plain)
            return [b'no route']

        validated = validator(routes)

        def application(environ, start_response):
            if environ['PATH_INFO'].startswith('/v/'):
                environ['PATH_INFO'] = environ['PATH_INFO'][2:]
                return validated(environ, start_response)
            return routes(environ, start_response)
        """#

    /// A request and what the comparison reads of its answer.
    struct Call: CustomStringConvertible {
        let path: String
        var body: String?
        var description: String { (body == nil ? "GET " : "POST ") + path }
    }

    static let calls: [Call] = [
        Call(path: "/hello"), Call(path: "/environ?a=1"), Call(path: "/echo", body: String(repeating: "x", count: 5000)),
        Call(path: "/echo", body: "short"), Call(path: "/lines", body: "line1\nline2\nline3\nrest"),
        Call(path: "/generator"), Call(path: "/closing"), Call(path: "/closed"), Call(path: "/write"), Call(path: "/file"),
        Call(path: "/raise"), Call(path: "/raise-late"), Call(path: "/bad-status"), Call(path: "/bad-header"),
        Call(path: "/no-start"), Call(path: "/not-bytes"), Call(path: "/twice"), Call(path: "/missing"),
        Call(path: "/v/hello"), Call(path: "/v/generator"), Call(path: "/v/closing"), Call(path: "/v/write"),
        Call(path: "/v/echo", body: String(repeating: "y", count: 3000)), Call(path: "/v/file"),
        // Not UTF-8 and UTF-8 after nginx's decoding: each received byte one Latin-1 character, as PEP 3333 says.
        Call(path: "/bytes/%E9%C3%A9%FF?q=%E9&r=\u{e9}"),
    ]

    /// A server started from `ini`: ours or Debian's, stopped by its master's pid when done.
    final class Server {
        let process: RunningProcess
        let port: Int

        init(reference: Bool, ini: String, port: Int) throws {
            self.port = port
            process = reference
                ? try RunningProcess("/usr/bin/uwsgi", ["--ini", ini])
                : try RunningProcess(BuiltProducts.stackbench, ["uwsgi", "--ini", ini])
            try waitForPort(port, timeout: 30)
            usleep(200_000)
        }

        /// Status and body (`-` when the connection closed without an answer).
        func answer(_ call: Call) throws -> String {
            var arguments = ["-s", "-m", "10", "-o", "-", "-w", "\n%{http_code}", "-H", "X-Text: caf\u{e9}",
                             "http://127.0.0.1:\(port)\(call.path)"]
            if let body = call.body { arguments += ["--data-binary", body] }
            return try runCommand("/usr/bin/curl", arguments).stdout
        }

        deinit {
            kill(process.pid, SIGINT)
            if process.wait(timeout: 15).status == -1 { kill(process.pid, SIGKILL) }
        }
    }

    static func ini(_ folder: TemporaryFolder, port: Int, module: String, _ extra: String = "") throws -> String {
        let path = folder.file("pool.ini")
        try """
            [uwsgi]
            plugins = python3
            chdir = \(folder.path)
            module = \(module)
            http-socket = 127.0.0.1:\(port)
            master = true
            workers = 1
            post-buffering = 1024
            \(extra)

            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A folder holding `routes.py` and an ini serving it (`pool.log`, `pool.pid`, plus `extra`), on a free port.
    static func routesPool(_ extra: String = "") throws -> (folder: TemporaryFolder, ini: String, port: Int) {
        let folder = try TemporaryFolder()
        try routes.write(toFile: folder.file("routes.py"), atomically: true, encoding: .utf8)
        let port = try freePort()
        let ini = try ini(folder, port: port, module: "routes:application", "logto = \(folder.file("pool.log"))\npidfile = \(folder.file("pool.pid"))\n\(extra)")
        return (folder, ini, port)
    }

    @Test func theSameIniAnswersTheSameOnEveryRouteAsDebiansUwsgi() throws {
        let (folder, ini, port) = try Self.routesPool()
        var answers: [[String]] = []
        for reference in [false, true] {
            let server = try Server(reference: reference, ini: ini, port: port)
            answers.append(try Self.calls.map { try server.answer($0) })
        }
        for (index, call) in Self.calls.enumerated() {
            #expect(answers[0][index] == answers[1][index], "\(call): ours \(answers[0][index].debugDescription), uWSGI's \(answers[1][index].debugDescription)")
        }
        #expect(answers[0][0] == "Hello\n200" && answers[0][7] == "1\n200", "close() was called once: \(answers[0][7])")
        let log = try String(contentsOfFile: folder.file("pool.log"), encoding: .utf8)
        for line in ["ValueError: raised on purpose", "TypeError: http status must be a string",
                     "TypeError: http header value must be a string", "[ERROR] Unhandled object from iterator: 'text'"] {
            #expect(log.components(separatedBy: line).count == 3, "both servers log \(line)")
        }
    }

    @Test func anImportErrorIsLoggedAndEveryRequestIsA500AsInUwsgi() throws {
        let folder = try TemporaryFolder()
        try "import no_such_module_here\n".write(toFile: folder.file("broken.py"), atomically: true, encoding: .utf8)
        let port = try freePort()
        let ini = try Self.ini(folder, port: port, module: "broken:application", "logto = \(folder.file("pool.log"))")
        var answers: [String] = []
        for reference in [false, true] {
            let server = try Server(reference: reference, ini: ini, port: port)
            answers.append(try server.answer(Call(path: "/any")))
        }
        #expect(answers == ["Internal Server Error\n500", "Internal Server Error\n500"])
        let log = try String(contentsOfFile: folder.file("pool.log"), encoding: .utf8)
        for line in ["ModuleNotFoundError: No module named 'no_such_module_here'",
                     "unable to load app 0 (mountpoint='') (callable not found or import error)",
                     "*** no app loaded. going in full dynamic mode ***",
                     "--- no python application found, check your startup logs for errors ---"] {
            #expect(log.components(separatedBy: line).count == 3, "both servers log \(line)")
        }
        let noHome = try Self.ini(folder, port: port, module: "broken:application", "home = /nonexistent/venv")
        let homeless = try runCommand(BuiltProducts.stackbench, ["uwsgi", "--ini", noHome], timeout: 30)
        #expect(homeless.status == 3 && homeless.stderr.contains("pool.ini:9: error: home: home /nonexistent/venv is not a folder"), "\(homeless.stderr)")
        let needApp = try Self.ini(folder, port: port, module: "broken:application", "need-app = true")
        let refused = try runCommand(BuiltProducts.stackbench, ["uwsgi", "--ini", needApp], timeout: 30)
        #expect(refused.status != 0 && refused.stderr.contains("pool.ini:4: error: module: cannot load broken:application"), "\(refused.stderr)")
    }

    @Test func theDjangoTwinAnswersAsUnderUwsgi() throws {
        let folder = try TemporaryFolder()
        _ = try runCommand("/bin/cp", ["-rL", ScenarioRunTests.repository + "/scenarios/reference/teacher-django/.", folder.path])
        let port = try freePort()
        let ini = try Self.ini(folder, port: port, module: "teacher.wsgi:application", "workers = 3\nenable-threads = true")
        var answers: [[String]] = []
        for reference in [false, true] {
            let server = try Server(reference: reference, ini: ini, port: port)
            answers.append(try ["/hello", "/", "/api/teachers", "/api/teachers?subject=Physics", "/nope"].map { try server.answer(Call(path: $0)) })
        }
        #expect(answers[0] == answers[1])
        #expect(answers[0][2].hasSuffix("200") && answers[0][2].contains("\"teachers\""))
    }

    @Test func harakiriKillsAWorkerStuckInPythonAndItComesBack() throws {
        let (folder, ini, port) = try Self.routesPool("harakiri = 1")
        let server = try Server(reference: false, ini: ini, port: port)
        #expect(try server.answer(Call(path: "/sleep?4")) == "\n000", "the connection closes without an answer")
        usleep(1_500_000)
        #expect(try server.answer(Call(path: "/hello")) == "Hello\n200")
        let log = try String(contentsOfFile: folder.file("pool.log"), encoding: .utf8)
        #expect(log.contains("HARAKIRI ON WORKER 1") && log.contains("Respawned uWSGI worker 1"), "\(log)")
    }

    /// The reload is uWSGI's binary reload (the master execs itself once its forked workers are gone, keeping the
    /// sockets), so the code edited on disk meanwhile is what the new workers serve.
    @Test func threadsReleaseTheGILWhileAViewSleepsAndAReloadUnderLoadLosesNothingAndServesTheEditedCode() throws {
        let (folder, ini, port) = try Self.routesPool("threads = 4")
        let server = try Server(reference: false, ini: ini, port: port)
        let started = Date()
        let concurrent = try runCommand("/usr/bin/xargs", ["-P", "4", "-n", "1", "/usr/bin/curl", "-s"],
                                        input: String(repeating: "http://127.0.0.1:\(port)/sleep?0.5\n", count: 4))
        #expect(concurrent.stdout == String(repeating: "slept", count: 4))
        #expect(Date().timeIntervalSince(started) < 1.8, "four 0.5 s sleeps on 4 threads of one worker overlap (the GIL is released)")
        let load = try RunningProcess(BuiltProducts.stackbench, ["load", "http://127.0.0.1:\(port)/sleep?0.005", "-c", "4", "-d", "3s"])
        usleep(1_000_000)
        try Self.routes.replacingOccurrences(of: "[b'Hello']", with: "[b'Hello, edited']")
            .write(toFile: folder.file("routes.py"), atomically: true, encoding: .utf8)
        #expect(try runCommand(BuiltProducts.stackbench, ["uwsgi", "--reload", folder.file("pool.pid")]).status == 0)
        let result = load.wait(timeout: 30)
        #expect(result.status == 0 && result.stdout.contains("Failed:       0 without a response"), "\(result.stdout)")
        #expect(result.stdout.contains("200: "), "\(result.stdout)")
        #expect(try server.answer(Call(path: "/hello")) == "Hello, edited\n200")
        let log = try String(contentsOfFile: folder.file("pool.log"), encoding: .utf8)
        #expect(log.contains("Gracefully killing worker 1") && log.contains("binary reloading uWSGI...")
                && log.contains("uwsgi socket 0 inherited INET address 127.0.0.1:\(port)")
                && log.contains("gracefully (RE)spawned uWSGI master process (pid: \(server.process.pid))"), "\(log)")
    }

    @Test func djangoFromPyPIInAVenvNamedByHomeIsTheOneServed() throws {
        let folder = try TemporaryFolder()
        let venv = folder.file("venv")
        let created = try runCommand("/usr/bin/python3", ["-m", "venv", venv], timeout: 120)
        try #require(created.status == 0, "python3 -m venv: \(created.stderr)")
        let installed = try runCommand(venv + "/bin/pip", ["install", "-q", "Django>=4.2,<5"], timeout: 300)
        try #require(installed.status == 0, "pip install Django (PyPI): \(installed.stderr)")
        try "import django, sys\ndef application(environ, start_response):\n    start_response('200 OK', [])\n    return [('%s %s' % (django.__version__, sys.prefix)).encode()]\n"
            .write(toFile: folder.file("version.py"), atomically: true, encoding: .utf8)
        let port = try freePort()
        let ini = try Self.ini(folder, port: port, module: "version", "home = \(venv)")
        var answers: [String] = []
        for reference in [false, true] {
            let server = try Server(reference: reference, ini: ini, port: port)
            answers.append(try server.answer(Call(path: "/")))
        }
        #expect(answers[0] == answers[1])
        #expect(answers[0].hasPrefix("4.2.") && answers[0].contains(" \(venv)\n200"), "the venv's Django, not Debian's 3.2: \(answers[0])")
    }

    @Test func aStartprojectWithTheAdminRunsOnTheSwiftStack() throws {
        let folder = try TemporaryFolder()
        _ = try DjangoProjectTests.makeProject(in: folder)
        try """
            name: mysite-swift
            stack: {django: mysite, uwsgi: uwsgi.ini, nginx: nginx.conf}
            targets:
              dev-server: {requests: [/admin/login/, /notes/], checks: {status: 200}}
              proxied-static: {requests: [/static/admin/css/base.css], checks: {status: 200}}
              proxied-dynamic: {requests: [/admin/login/, /notes/], checks: {status: 200}}
            load: {connections: 4, duration: 1s, warmup: 200ms}
            thresholds: [errors == 0]
            """.write(toFile: folder.file("swift.yml"), atomically: true, encoding: .utf8)
        let run = try runCommand(BuiltProducts.stackbench, ["run", folder.file("swift.yml"), "--quick", "--results", folder.file("results")], timeout: 180)
        #expect(run.status == 0, "our front, pool and runserver on the user's Django project, every target 200: \(run.stdout)\n\(run.stderr)")
        let (runFolder, _) = try ScenarioRunTests.onlyRun(in: folder.file("results"))
        let poolLog = (try? String(contentsOfFile: runFolder + "/c01/uwsgi.log", encoding: .utf8)) ?? ""
        #expect(poolLog.contains("Python version: 3.11") && poolLog.contains("WSGI app 0 (mountpoint='') ready"), "\(poolLog)")
    }

    @Test func theMainJobRunsTheSeedsDjangoProjectOnTheSwiftStack() throws {
        let folder = try TemporaryFolder()
        let run = try runCommand(BuiltProducts.stackbench, ["run", ScenarioRunTests.repository + "/scenarios/static-vs-dynamic.yml", "--quick",
                                                            "--results", folder.file("results")], timeout: 300)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let (runFolder, json) = try ScenarioRunTests.onlyRun(in: folder.file("results"))
        let preparation = json["preparation"] as? [String] ?? []
        #expect(preparation.contains { $0.hasPrefix("django-collectstatic") }, "\(preparation)")
        let poolLog = (try? String(contentsOfFile: runFolder + "/c01/uwsgi.log", encoding: .utf8)) ?? ""
        #expect(poolLog.contains("Python version: 3.11"), "the pool ran the Django project in CPython: \(poolLog.prefix(2000))")
    }

    @Test func lazyAppsImportsInEachWorkerAndTheMasterImportsNothing() throws {
        let (folder, ini, port) = try Self.routesPool("workers = 2\nlazy-apps = true")
        let server = try Server(reference: false, ini: ini, port: port)
        #expect(try server.answer(Call(path: "/hello")) == "Hello\n200")
        let log = try String(contentsOfFile: folder.file("pool.log"), encoding: .utf8)
        #expect(log.components(separatedBy: "Python version: 3.11").count == 3, "one interpreter per worker, none in the master: \(log)")
        #expect(log.components(separatedBy: "WSGI app 0 (mountpoint='') ready").count == 3, "\(log)")
    }

    /// Workers forked from the master that imported the app find the app's objects in the collector's permanent
    /// generation (`gc.freeze()` before the fork), so their collections leave those pages shared; Debian's uWSGI
    /// does not freeze, and a lazy-apps worker has nothing from a master to keep.
    @Test func forkedWorkersFindTheMastersObjectsFrozenAsPythonAdvisesForForkWithoutExec() throws {
        for (extra, frozen) in [("workers = 2", true), ("workers = 2\nlazy-apps = true", false)] {
            let (folder, ini, port) = try Self.routesPool(extra)
            defer { withExtendedLifetime(folder) {} }
            let server = try Server(reference: false, ini: ini, port: port)
            let answer = try server.answer(Call(path: "/frozen"))
            let count = Int(answer.split(separator: "\n").first ?? "") ?? -1
            #expect(frozen ? count > 1_000 : count == 0, "\(extra): \(answer)")
        }
    }

    /// A Python app's pool runs in the slim `stackbench-uwsgi` (its master and forked workers map that binary, not
    /// all of stackbench), under the pid `stackbench uwsgi` started; the slim binary refuses what it does not know.
    @Test func aPythonPoolRunsInTheSlimExecutableUnderTheSamePid() throws {
        let (folder, ini, port) = try Self.routesPool("workers = 2")
        defer { withExtendedLifetime(folder) {} }
        let server = try Server(reference: false, ini: ini, port: port)
        #expect(try server.answer(Call(path: "/hello")) == "Hello\n200")
        let workers = try runCommand("/usr/bin/pgrep", ["-P", String(server.process.pid)]).stdout.split(separator: "\n").map(String.init)
        #expect(workers.count == 2)
        for pid in [String(server.process.pid)] + workers {
            let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")
            #expect(executable.hasSuffix("/stackbench-uwsgi"), "pid \(pid) runs \(executable)")
        }
        let slim = (BuiltProducts.stackbench as NSString).deletingLastPathComponent + "/stackbench-uwsgi"
        let refused = try runCommand(slim, ["--inii", ini])
        #expect(refused.status == 2 && refused.stderr.hasPrefix("stackbench: error: unknown option '--inii'"), "\(refused)")
    }

    @Test func runserverServesTheDjangoTwinAsManagePyRunserverDoes() throws {
        let folder = try TemporaryFolder()
        _ = try runCommand("/bin/cp", ["-rL", ScenarioRunTests.repository + "/scenarios/reference/teacher-django/.", folder.path])
        #expect(try runCommand("/usr/bin/python3", ["manage.py", "collectstatic", "--noinput"], directory: folder.path).status == 0)
        let ours = try freePort(), theirs = try freePort()
        let stackbench = try RunningProcess(BuiltProducts.stackbench, ["runserver", "127.0.0.1:\(ours)", "--settings", "teacher.settings"],
                                            directory: folder.path)
        let django = try RunningProcess("/usr/bin/python3", ["manage.py", "runserver", "127.0.0.1:\(theirs)", "--noreload"], directory: folder.path)
        defer {
            for process in [stackbench, django] { kill(process.pid, SIGINT); _ = process.wait(timeout: 10) }
        }
        for (port, process) in [(ours, stackbench), (theirs, django)] {
            do { try waitForPort(port, timeout: 30) } catch {
                Issue.record("\(error); the server said: \(process.outputSoFar)")
                return
            }
        }
        for path in ["/hello", "/api/teachers", "/static/css/app.css", "/nope"] {
            let answers = try [ours, theirs].map { port in
                try runCommand("/usr/bin/curl", ["-s", "-i", "http://127.0.0.1:\(port)\(path)"]).stdout
                    .replacingOccurrences(of: "127.0.0.1:\(port)", with: "HOST")
                    .split(separator: "\r\n", omittingEmptySubsequences: false)
                    .filter { !$0.hasPrefix("Date:") && !$0.hasPrefix("Server:") && !$0.hasPrefix("Last-Modified:") }
            }
            #expect(answers[0] == answers[1], "\(path)")
        }
        let bad = try runCommand(BuiltProducts.stackbench, ["runserver", "127.0.0.1:\(try freePort())", "--settings", "nosuch.settings"],
                                 directory: folder.path, timeout: 30)
        #expect(bad.status != 0 && bad.stderr.contains("--settings") && bad.stderr.contains("nosuch.settings"), "\(bad.stderr)")
    }
}
