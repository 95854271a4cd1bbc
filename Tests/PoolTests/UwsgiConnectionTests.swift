import BenchSupport
import Foundation
import Pool
import ServerCore
import StackbenchTesting
import TeacherApp
import Testing
import UwsgiProtocol
import WSGI

/// One worker's uwsgi-protocol serving, in-process, behind Debian's real nginx configured like the seed's server
/// block (`include uwsgi_params; uwsgi_connect_timeout 30; uwsgi_pass unix:...`), with the teacher app.
@Suite(.serialized) final class UwsgiConnectionTests {
    let project: TeacherProject
    let listener: ListeningSocket
    let nginx: NginxFixture
    let lines = Locked<[String]>([])
    var socketPath: String { project.file("uwsgi.sock") }

    init() throws {
        project = try TeacherProject()
        let app = try TeacherApplication(context: AppContext(projectDirectory: project.folder.path))
        listener = try ListeningSocket(address: .unix(path: project.file("uwsgi.sock")))
        chmod(project.file("uwsgi.sock"), 0o666)
        chmod(project.folder.path, 0o755)
        let lines = lines
        let options = UwsgiServeOptions(
            bufferSize: 4096, postBuffering: 1024, socketTimeout: 2, requestLogging: true, multithread: true,
            multiprocess: false, log: { line in lines.withLock { $0.append(line) } }, errors: StandardErrorLog())
        let counters = WorkerCounters()
        let listener = listener
        Thread.detachNewThread {
            while let connection = try? listener.accept() {
                Thread.detachNewThread { UwsgiConnection.serve(connection, app: app, options: options, counters: counters, core: 0) }
            }
        }
        nginx = try NginxFixture(locations: """
            location / {
                include /etc/nginx/uwsgi_params;
                uwsgi_connect_timeout 30;
                uwsgi_pass unix:\(project.file("uwsgi.sock"));
            }
            """)
    }

    deinit {
        nginx.stop()
        shutdown(listener.descriptor, Int32(SHUT_RDWR))
        listener.close(removeFile: true)
    }

    func curl(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try runCommand("/usr/bin/curl", ["-sS", "--max-time", "20"] + arguments, timeout: 40)
    }

    @Test func nginxServesEveryTeacherEndpointThroughThePool() throws {
        let hello = try curl(["-i", nginx.url("/hello")])
        #expect(hello.stdout.hasPrefix("HTTP/1.1 200 OK\r\n"), "\(hello.stdout)\(nginx.errorLog)")
        #expect(hello.stdout.hasSuffix("\r\n\r\nhello\n"))
        #expect(try curl([nginx.url("/api/teachers?limit=2")]).stdout.hasPrefix("{\"count\": 2, \"teachers\": [{\"email\": \"ada.alvarez0"))
        #expect(try curl([nginx.url("/")]).stdout.contains("200 teachers on staff"))
        let created = try curl(["-w", " %{http_code}", "-H", "Content-Type: application/json",
                                "--data", #"{"name": "Pool Test", "subject": "Math", "email": "p@t.io"}"#, nginx.url("/api/teachers")])
        #expect(created.stdout.hasSuffix(" 201"))
        #expect(try curl(["-o", "/dev/null", "-w", "%{http_code}", nginx.url("/nope")]).stdout == "404")
        #expect(try curl(["-o", "/dev/null", "-w", "%{http_code}", nginx.url("/error")]).stdout == "500")
        #expect(try curl(["-o", "/dev/null", "-w", "%{http_code}", "-X", "PUT", nginx.url("/hello")]).stdout == "405")
        #expect(try curl([nginx.url("/work?ms=5")]).stdout == "worked 5 ms\n")
        #expect(try curl([nginx.url("/sleep?ms=5")]).stdout == "slept 5 ms\n")
        let logged = lines.withLock { $0 }
        let pattern = #/\[pid: \d+\|app: 0\|req: \d+/\d+\] 127\.0\.0\.1 \(\) \{\d+ vars in \d+ bytes\} \[\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\] GET /hello => generated 6 bytes in \d+ msecs \(HTTP/1\.1 200\) 5 headers in \d+ bytes \(1 switches on core 0\)/#
        #expect(logged.contains { $0.contains(pattern) }, "\(logged)")
    }

    @Test(arguments: [5 * 1024 * 1024, 1023, 1024, 0])
    func uploadsAboveAndBelowThePostBufferingThresholdHashTheSame(size: Int) throws {
        let file = project.file("upload-\(size).bin")
        let random = try #require(FileHandle(forReadingAtPath: "/dev/urandom"))
        try random.readData(ofLength: size).write(to: URL(fileURLWithPath: file))
        let expected = try runCommand("/usr/bin/sha256sum", [file]).stdout.prefix(64)
        let answer = try curl(["--data-binary", "@\(file)", nginx.url("/upload")])
        #expect(answer.stdout == "{\"bytes\": \(size), \"sha256\": \"\(expected)\"}", "\(answer.stderr)\(nginx.errorLog)")
    }

    /// Sends `bytes` straight to the pool's socket; the worker must refuse it, log why, and keep serving.
    func refused(_ bytes: [UInt8], closeAfterSending: Bool = true, logged expected: String) throws {
        let before = lines.withLock { $0.count }
        let answer = try RawHTTPClient.exchange(unixSocket: socketPath, bytes, closeAfterSending: closeAfterSending, timeout: 5)
        #expect(answer.isEmpty, "no answer to a refused packet: \(answer)")
        let deadline = Date().addingTimeInterval(3)
        while Date() < deadline, !lines.withLock({ $0.dropFirst(before).contains { $0.contains(expected) } }) { usleep(10_000) }
        #expect(lines.withLock { $0.dropFirst(before).contains { $0.contains(expected) } }, "wanted \"\(expected)\" in \(lines.withLock { $0 })")
        #expect(try curl([nginx.url("/hello")]).stdout == "hello\n", "the worker serves on")
    }

    @Test func malformedPacketsAreRefusedAndLogged() throws {
        try refused([0x00, 0xBE, 0x13, 0x00] + [UInt8](repeating: 0x41, count: 100), logged: "invalid request block size: 5054 (max 4096)...skip")
        try refused([0x00, 0x00, 0x00, 0x00], logged: "Empty python request. skip.")
        try refused([0x05, 0x04, 0x00, 0x00, 0x01, 0x00, 0x41, 0x00], logged: "-- unavailable modifier requested: 5 --")
        try refused([0x00, 0x06, 0x00, 0x00, 0x01, 0x00, 0x41, 0x05, 0x00, 0x61], logged: "invalid uwsgi request (current strsize: 5). skip.")
        try refused([0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x41], logged: "uwsgi key cannot be null. skip this var.")
        try refused([0x00, 0x40, 0x00, 0x00, 0x04, 0x00] + Array("PATH".utf8), logged: "uwsgi packet truncated")
        let cut = try RawHTTPClient.exchange(unixSocket: socketPath, [0x00, 0x40], closeAfterSending: true, timeout: 5)
        #expect(cut.isEmpty, "a header cut short gets no answer")
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            let noise = (0..<Int.random(in: 1..<300, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = try RawHTTPClient.exchange(unixSocket: socketPath, noise, closeAfterSending: true, timeout: 3)
        }
        #expect(try curl([nginx.url("/hello")]).stdout == "hello\n", "random bytes did not stop the worker")
    }

    @Test func aClientThatStopsHalfwayTimesOutAndTheWorkerServesOn() throws {
        let packet = UwsgiPacket.encode([("REQUEST_METHOD", "GET"), ("PATH_INFO", "/hello")])
        let start = Date()
        let answer = try RawHTTPClient.exchange(unixSocket: socketPath, Array(packet.prefix(packet.count / 2)), timeout: 5)
        #expect(answer.isEmpty)
        #expect(Date().timeIntervalSince(start) < 4.5, "socket-timeout (2 s) closed it")
        #expect(try curl([nginx.url("/hello")]).stdout == "hello\n")
    }

    @Test func aDirectPacketGetsUwsgisRawAnswer() throws {
        let packet = UwsgiPacket.encode([("REQUEST_METHOD", "POST"), ("PATH_INFO", "/upload"), ("SERVER_PROTOCOL", "HTTP/1.1"),
                                         ("CONTENT_LENGTH", "5"), ("HTTP_HOST", "localhost")])
        let answer = try RawHTTPClient.exchange(unixSocket: socketPath, packet + Array("hello".utf8), timeout: 5)
        #expect(answer.hasPrefix("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"))
        #expect(!answer.contains("Date:") && !answer.contains("Server:"), "uWSGI adds no headers")
        #expect(answer.hasSuffix("\"sha256\": \"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\"}"))
        let noProtocol = UwsgiPacket.encode([("REQUEST_METHOD", "GET"), ("PATH_INFO", "/hello"), ("HTTP_HOST", "localhost")])
        #expect(try RawHTTPClient.exchange(unixSocket: socketPath, noProtocol, timeout: 5).hasPrefix("HTTP/1.0 200 OK\r\n"))
    }
}
