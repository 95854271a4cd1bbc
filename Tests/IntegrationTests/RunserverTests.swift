import Foundation
import StackbenchTesting
import Testing

/// `stackbench runserver` and `stackbench collectstatic` as users meet them: the built binary, real curl, and
/// `stackbench load`, on free ports; every server is stopped by pid when the test ends, also on failure.
@Suite(.serialized) struct RunserverTests {
    /// A runserver on a free port over a fresh copy of the teacher project.
    final class Server {
        let project: TeacherProject
        let port: Int
        let process: RunningProcess

        init(debug: Bool = true, arguments: [String] = []) throws {
            project = try TeacherProject(debug: debug)
            port = try freePort()
            process = try RunningProcess(BuiltProducts.stackbench,
                                         ["runserver", "127.0.0.1:\(port)", "--settings", project.settingsPath] + arguments)
            do {
                try waitForPort(port, timeout: 20)
            } catch {
                let (status, out, err) = process.wait(timeout: 1)
                throw FixtureHTTPServer.ListenError(description: "runserver did not start (\(status)): \(out)\(err)")
            }
        }

        func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

        /// Stops the server (SIGINT, as Ctrl-C) and returns its exit status and output.
        func stop() -> (status: Int32, stdout: String, stderr: String) {
            kill(process.pid, SIGINT)
            return process.wait(timeout: 10)
        }
    }

    static func curl(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try runCommand("/usr/bin/curl", ["-sS", "--max-time", "10"] + arguments, timeout: 30)
    }

    @Test func servesTheAppAndStaticFilesInDebugWithKeepAlive() throws {
        let server = try Server()
        let hello = try Self.curl(["-i", server.url("/hello")])
        #expect(hello.stdout.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(hello.stdout.contains("Server: WSGIServer/0.2"))
        #expect(hello.stdout.hasSuffix("\r\n\r\nhello\n"))
        let css = try Self.curl([server.url("/static/css/app.css")])
        let expected = try String(contentsOfFile: server.project.file("static/css/app.css"), encoding: .utf8)
        #expect(css.stdout == expected)
        let twice = try Self.curl(["-v", server.url("/hello"), server.url("/api/teachers?limit=1")])
        #expect(twice.stderr.contains("Re-using existing connection"), "HTTP/1.1 keep-alive: \(twice.stderr)")
        #expect(twice.stdout.hasPrefix("hello\n{\"count\": 1,"))
        let (status, stdout, stderr) = server.stop()
        #expect(status == 0, "Ctrl-C ends runserver cleanly")
        #expect(stdout.contains("Starting development server at http://127.0.0.1:\(server.port)/"))
        #expect(stdout.contains("This is a development server"))
        let logLine = #/\[\d\d/[A-Z][a-z]{2}/\d{4} \d\d:\d\d:\d\d\] "GET /hello HTTP/1.1" 200 6/#
        #expect(stderr.contains(logLine), "request log: \(stderr)")
    }

    /// Issue 29: one If-Modified-Since with a year past Int32 trapped and took runserver down; Django cannot read the
    /// date, so it answers 200, and so does runserver, which serves the next request.
    @Test func anUnreadableIfModifiedSinceIsIgnoredAndTheServerLives() throws {
        let server = try Server()
        defer { _ = server.stop() }
        for date in ["Mon, 01 Jan 99999999999 00:00:00 GMT", "Mon, 01 Jan 9223372036854775807 00:00:00 GMT", "Sun, 30 Feb 1996 08:49:37 GMT"] {
            let answer = try Self.curl(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "If-Modified-Since: \(date)", server.url("/static/css/app.css")])
            #expect(answer.stdout == "200", "\(date): \(answer.stdout) \(answer.stderr)")
        }
        #expect(kill(server.process.pid, 0) == 0, "runserver is alive")
        #expect(try Self.curl([server.url("/hello")]).stdout == "hello\n")
    }

    @Test func withoutDebugStaticFilesAre404() throws {
        let server = try Server(debug: false)
        let css = try Self.curl(["-o", "/dev/null", "-w", "%{http_code}", server.url("/static/css/app.css")])
        #expect(css.stdout == "404")
        let insecure = try Server(debug: false, arguments: ["--insecure"])
        let served = try Self.curl(["-o", "/dev/null", "-w", "%{http_code}", insecure.url("/static/css/app.css")])
        #expect(served.stdout == "200", "--insecure serves static files without DEBUG, as Django's does")
    }

    @Test func aDisallowedHostIs400AndAnAppErrorIs500ThenServingGoesOn() throws {
        let server = try Server()
        let evil = try Self.curl(["-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: evil.com", server.url("/hello")])
        #expect(evil.stdout == "400")
        let error = try Self.curl(["-o", "/dev/null", "-w", "%{http_code}", server.url("/error")])
        #expect(error.stdout == "500")
        let after = try Self.curl([server.url("/hello")])
        #expect(after.stdout == "hello\n")
        let (_, _, stderr) = server.stop()
        #expect(stderr.contains("Invalid HTTP_HOST header: 'evil.com'"))
        #expect(stderr.contains("Internal Server Error: /error"))
    }

    @Test(arguments: [[String](), ["--no-keepalive"]])
    func stackbenchLoadDrivesItWithoutErrors(extra: [String]) throws {
        let server = try Server()
        let folder = try TemporaryFolder()
        let result = try runCommand(BuiltProducts.stackbench,
                                    ["load", "-c", "8", "-n", "400", "--json", folder.file("r.json"), server.url("/hello")] + extra,
                                    timeout: 60)
        #expect(result.status == 0, "\(result.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder.file("r.json"))))
            as! [String: Any]
        let summary = json["summary"] as! [String: Any]
        #expect(summary["errors"] as? Int == 0)
        #expect((json["statusCodes"] as! [String: Int])["200"] == 400)
    }

    @Test func hostileBytesGetErrorAnswersAndTheServerServesOn() throws {
        let server = try Server()
        let garbage = try RawHTTPClient.exchange(port: server.port, "GARBAGE\r\n\r\n")
        #expect(garbage.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        let long = try RawHTTPClient.exchange(port: server.port, "GET /" + String(repeating: "a", count: 70_000) + " HTTP/1.1\r\n\r\n")
        #expect(long.hasPrefix("HTTP/1.1 414 "))
        let chunked = try RawHTTPClient.exchange(
            port: server.port, "POST /upload HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
        #expect(chunked.hasPrefix("HTTP/1.1 411 "))
        let escape = try RawHTTPClient.exchange(
            port: server.port, "GET /static/../settings.yml HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        #expect(escape.hasPrefix("HTTP/1.1 400 ") && !escape.contains("ALLOWED_HOSTS"))
        let pipelined = try RawHTTPClient.exchange(
            port: server.port,
            "GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\nPOST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\n\r\nabcGET /hello HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        #expect(pipelined.components(separatedBy: "HTTP/1.1 200 OK").count - 1 == 3, "\(pipelined)")
        #expect(pipelined.contains("\"sha256\": \"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\""))
        let truncated = try RawHTTPClient.exchange(
            port: server.port, "POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\nabc", closeAfterSending: true)
        #expect(!truncated.contains("200 OK"), "a body cut short is not hashed as if complete")
        let http10 = try RawHTTPClient.exchange(port: server.port, "GET /hello HTTP/1.0\r\n\r\n")
        #expect(http10.hasPrefix("HTTP/1.1 200 OK") && http10.contains("Connection: close"))
        #expect(try Self.curl([server.url("/hello")]).stdout == "hello\n")
    }

    @Test func badStartsExitWithOneLine() throws {
        let project = try TeacherProject(extraSettings: "STATIC_URLS: /s/\n")
        let badSettings = try runCommand(BuiltProducts.stackbench, ["runserver", "0", "--settings", project.settingsPath])
        #expect(badSettings.status == 2)
        #expect(badSettings.stderr == "stackbench: \(project.settingsPath):10: error: STATIC_URLS: unknown key (did you mean \"STATIC_URL\"?)\n")
        let badAddress = try runCommand(BuiltProducts.stackbench, ["runserver", "localhost:http", "--settings", project.settingsPath])
        #expect(badAddress.status == 2)
        #expect(badAddress.stderr.contains("is not a valid port number or address:port pair"))
        let directory = try runCommand(BuiltProducts.stackbench, ["runserver", "0", "--settings", project.folder.path])
        #expect(directory.status == 2 && directory.stderr == "stackbench: error: \(project.folder.path): cannot read: Is a directory\n")
        try Data([0xFF, 0xFE, 0x00, 0x41]).write(to: URL(fileURLWithPath: project.file("binary.yml")))
        let binary = try runCommand(BuiltProducts.stackbench, ["collectstatic", "--settings", project.file("binary.yml")])
        #expect(binary.status == 2 && binary.stderr.hasSuffix("binary.yml: cannot read: not UTF-8 text\n"))
        let noSettings = try runCommand(BuiltProducts.stackbench, ["runserver", "8000"])
        #expect(noSettings.status == 2 && noSettings.stderr.contains("--settings is required"))
        let closed = try TeacherProject(debug: false, allowedHosts: [])
        let noHosts = try runCommand(BuiltProducts.stackbench, ["runserver", "0", "--settings", closed.settingsPath])
        #expect(noHosts.status == 2 && noHosts.stderr.contains("ALLOWED_HOSTS: must be set when DEBUG is false"))
        let running = try Server()
        let taken = try runCommand(BuiltProducts.stackbench, ["runserver", "\(running.port)", "--settings", running.project.settingsPath])
        #expect(taken.status == 3)
        #expect(taken.stderr == "stackbench: error: That port is already in use.\n")
    }

    @Test func collectstaticFromTheCommandLine() throws {
        let project = try TeacherProject()
        let arguments = ["collectstatic", "--settings", project.settingsPath]
        let first = try runCommand(BuiltProducts.stackbench, arguments + ["--noinput"])
        #expect(first.status == 0)
        #expect(first.stdout == "\n3 static files copied to '\(project.file("static_all"))'.\n")
        let refused = try runCommand(BuiltProducts.stackbench, arguments, input: "no\n")
        #expect(refused.status == 1)
        #expect(refused.stdout.contains("This will overwrite existing files!"))
        #expect(refused.stderr == "stackbench: error: Collecting static files cancelled.\n")
        let accepted = try runCommand(BuiltProducts.stackbench, arguments + ["--clear"], input: "yes\n")
        #expect(accepted.status == 0)
        #expect(accepted.stdout.contains("This will DELETE ALL FILES in this location!"))
        #expect(accepted.stdout.hasSuffix("3 static files copied to '\(project.file("static_all"))'.\n"))
        let missing = try TeacherProject(extraSettings: "")
        try Data("STATICFILES_DIRS: [nowhere]\nSTATIC_ROOT: out\n".utf8).write(to: URL(fileURLWithPath: missing.settingsPath))
        let noSource = try runCommand(BuiltProducts.stackbench, ["collectstatic", "--settings", missing.settingsPath, "--noinput"])
        #expect(noSource.status == 2)
        #expect(noSource.stderr.contains("settings.yml:1: error: STATICFILES_DIRS: cannot list a source directory: No such file or directory"))
        try Data("STATICFILES_DIRS: [static]\nSTATIC_ROOT: /proc/no-such-dir\n".utf8).write(to: URL(fileURLWithPath: missing.settingsPath))
        let unwritable = try runCommand(BuiltProducts.stackbench, ["collectstatic", "--settings", missing.settingsPath, "--noinput"])
        #expect(unwritable.status == 3)
        #expect(unwritable.stderr.contains("/proc/no-such-dir: cannot create directory: No such file or directory"))
        let badFlag = try runCommand(BuiltProducts.stackbench, arguments + ["-v", "7"])
        #expect(badFlag.status == 2 && badFlag.stderr.contains("--verbosity must be 0, 1, 2 or 3, got 7"))
    }
}
