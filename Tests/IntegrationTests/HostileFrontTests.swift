import BenchSupport
import Foundation
import StackbenchTesting
import Testing

/// The second round of hostile inputs (issue 29) against the front, replayed: each request's exact bytes go to
/// `stackbench front` and to Debian's nginx 1.22 started from the same config, both in front of one scripted uwsgi
/// app. nginx's answer is the expectation (so a case whose expectation nginx does not meet fails too), and after
/// every case the front process is still alive and serving. The next round starts from this list.
@Suite(.serialized) struct HostileFrontTests {
    /// Both servers from one config (each with its own port, pid and logs), one scripted app behind them.
    final class Peers {
        let folder: TemporaryFolder
        let app: ScriptedUwsgiApp
        let front: RunningProcess
        let frontPort: Int
        let nginx: RunningProcess
        let nginxPort: Int

        static let replies: [String: String] = [
            "/chunked-then-response": "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nHTTP/1.1 200 OK\r\nX-Injected: 1\r\nContent-Length: 3\r\n\r\nbad",
            "/chunked-cut": "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
            "/chunked-invalid": "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n",
            "/length-and-chunked": "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            "/continue-then-ok": "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
        ]

        init() throws {
            guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/nginx") else { throw NginxFixture.Missing() }
            folder = try TemporaryFolder()
            chmod(folder.path, 0o755)
            try FileManager.default.createDirectory(atPath: folder.file("site/dir"), withIntermediateDirectories: true)
            try "hello\n".write(toFile: folder.file("site/a.txt"), atomically: true, encoding: .utf8)
            app = try ScriptedUwsgiApp(path: folder.file("app.sock"), replies: Self.replies.mapValues { Array($0.utf8) })
            frontPort = try freePort()
            nginxPort = try freePort()
            for port in [frontPort, nginxPort] {
                try """
                    daemon off;
                    master_process off;
                    pid \(folder.file("\(port).pid"));
                    error_log \(folder.file("error-\(port).log")) info;
                    events { worker_connections 256; }
                    http {
                        include /etc/nginx/mime.types;
                        access_log \(folder.file("access-\(port).log"));
                        client_body_temp_path \(folder.file("body-\(port)"));
                        uwsgi_temp_path \(folder.file("uwsgi-\(port)"));
                        client_body_timeout 3s;
                        server {
                            listen 127.0.0.1:\(port);
                            add_header X-Frame-Options DENY;
                            add_header Strict-Transport-Security "max-age=31536000" always;
                            add_header X-Path $uri;
                            location /static/ { alias \(folder.file("site"))/; }
                            location /own/ { alias \(folder.file("site"))/; add_header X-Own yes; }
                            location / { include /etc/nginx/uwsgi_params; uwsgi_pass unix:\(app.path); }
                        }
                    }
                    """.write(toFile: folder.file("\(port).conf"), atomically: true, encoding: .utf8)
            }
            front = try RunningProcess(BuiltProducts.stackbench, ["front", "-c", folder.file("\(frontPort).conf")])
            nginx = try RunningProcess("/usr/sbin/nginx", ["-c", folder.file("\(nginxPort).conf"), "-p", folder.path])
            try waitForPort(frontPort, timeout: 20)
            try waitForPort(nginxPort, timeout: 10)
        }

        deinit {
            for process in [front, nginx] where kill(process.pid, 0) == 0 { kill(process.pid, SIGKILL) }
        }

        /// Both servers' names and ports, ours first.
        var servers: [(name: String, port: Int)] { [("stackbench front", frontPort), ("nginx", nginxPort)] }

        /// The front answers a plain request after whatever came before.
        func frontServes() throws -> Bool {
            guard kill(front.pid, 0) == 0 else { return false }
            let answer = try RawHTTPClient.exchange(port: frontPort, "GET /static/a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            return answer.hasPrefix("HTTP/1.1 200 OK") && answer.hasSuffix("\r\n\r\nhello\n")
        }

        /// `request` sent to each server: its bytes, framed as a client reads them.
        func exchange(_ request: String, timeout: Double = 5, check: (String, HTTPResponseStream, String) throws -> Void) throws {
            for (name, port) in servers {
                let (bytes, closed) = try RawHTTPClient.bytes(port: port, Array(request.utf8), timeout: timeout)
                try check(name, HTTPResponseStream(bytes, closed: closed), String(decoding: bytes, as: UTF8.self))
            }
            #expect(try frontServes(), "the front is alive and serving after \(request.prefix(60).debugDescription): \(front.outputSoFar)")
        }
    }

    /// One request, one status line expected from both.
    struct StatusCase: CustomTestStringConvertible, Sendable {
        var name: String
        var request: String
        var status: Int
        var testDescription: String { name }
    }

    static let statusCases: [StatusCase] = [
        StatusCase(name: "Range to Int.max (trapped at end + 1)", request: "GET /static/a.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-9223372036854775807\r\nConnection: close\r\n\r\n", status: 206),
        StatusCase(name: "Range past Int.max", request: "GET /static/a.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-9223372036854775808\r\nConnection: close\r\n\r\n", status: 416),
        StatusCase(name: "If-Modified-Since in year 99999999999 (trapped in Int32)", request: "GET /static/a.txt HTTP/1.1\r\nHost: x\r\nIf-Modified-Since: Mon, 01 Jan 99999999999 00:00:00 GMT\r\nConnection: close\r\n\r\n", status: 200),
        StatusCase(name: "Range with an If-Range of that date", request: "GET /static/a.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1\r\nIf-Range: Mon, 01 Jan 99999999999 00:00:00 GMT\r\nConnection: close\r\n\r\n", status: 200),
        StatusCase(name: "If-Unmodified-Since in the past", request: "GET /static/a.txt HTTP/1.1\r\nHost: x\r\nIf-Unmodified-Since: Mon, 01 Jan 2001 00:00:00 GMT\r\nConnection: close\r\n\r\n", status: 412),
        StatusCase(name: "If-Unmodified-Since in the future", request: "GET /static/a.txt HTTP/1.1\r\nHost: x\r\nIf-Unmodified-Since: Mon, 01 Jan 2101 00:00:00 GMT\r\nConnection: close\r\n\r\n", status: 200),
        StatusCase(name: "Transfer-Encoding gzip, then chunked", request: "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n", status: 400),
        StatusCase(name: "Transfer-Encoding gzip, chunked", request: "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\n0\r\n\r\n", status: 501),
        StatusCase(name: "Transfer-Encoding on HTTP/1.0", request: "POST /x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", status: 400),
        StatusCase(name: "Host with a slash", request: "GET /static/dir HTTP/1.1\r\nHost: evil.example/x?\r\nConnection: close\r\n\r\n", status: 400),
        StatusCase(name: "Host with ..", request: "GET /static/dir HTTP/1.1\r\nHost: a..b\r\nConnection: close\r\n\r\n", status: 400),
        StatusCase(name: "Host with a NUL-free control byte", request: "GET /static/dir HTTP/1.1\r\nHost: a\u{01}b\r\nConnection: close\r\n\r\n", status: 400),
        StatusCase(name: "HTTP/01.1", request: "GET /static/a.txt HTTP/01.1\r\nHost: x\r\nConnection: close\r\n\r\n", status: 400),
        StatusCase(name: "a #fragment in the target", request: "GET /static/a.txt#frag HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", status: 200),
        StatusCase(name: "chunk size fffffffffffffff", request: "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nfffffffffffffff\r\n", status: 400),
        StatusCase(name: "chunk size 0000000000000003", request: "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0000000000000003\r\nabc\r\n0\r\n\r\n", status: 200),
        StatusCase(name: "1000 header lines", request: "GET /static/a.txt HTTP/1.1\r\nHost: x\r\n" + (0..<998).map { "X-H\($0): v\r\n" }.joined() + "Connection: close\r\n\r\n", status: 200),
        StatusCase(name: "1001 header lines", request: "GET /static/a.txt HTTP/1.1\r\nHost: x\r\n" + (0..<999).map { "X-H\($0): v\r\n" }.joined() + "Connection: close\r\n\r\n", status: 400),
        StatusCase(name: "a header line of 8189 bytes", request: "GET /static/a.txt HTTP/1.1\r\nHost: x\r\nX-Big: " + String(repeating: "a", count: 8180) + "\r\nConnection: close\r\n\r\n", status: 200),
        StatusCase(name: "a header line of 9 KB", request: "GET /static/a.txt HTTP/1.1\r\nHost: x\r\nX-Big: " + String(repeating: "a", count: 9000) + "\r\nConnection: close\r\n\r\n", status: 400),
    ]

    @Test(arguments: statusCases)
    func bothAnswerWithNginxsStatus(_ testCase: StatusCase) throws {
        let peers = try Peers()
        try peers.exchange(testCase.request) { name, stream, raw in
            #expect(stream.responses.first?.status == testCase.status, "\(name): \(raw.prefix(300).debugDescription)")
        }
    }

    @Test func aChunkedUpstreamAnswerFollowedByAnotherStaysInsideOneResponse() throws {
        let peers = try Peers()
        let request = "GET /chunked-then-response HTTP/1.1\r\nHost: x\r\n\r\nGET /static/a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        try peers.exchange(request) { name, stream, raw in
            #expect(stream.problem == nil && stream.responses.count == 2, "\(name): two answers, well framed: \(raw.debugDescription)")
            #expect(stream.responses.allSatisfy { $0.values("X-Injected").isEmpty }, "\(name): no injected response: \(raw.debugDescription)")
            #expect(stream.responses.last.map { String(decoding: $0.body, as: UTF8.self) } == "hello\n", "\(name): the second answer is the file")
        }
    }

    @Test(arguments: ["/chunked-cut", "/chunked-invalid", "/length-and-chunked"])
    func anUpstreamsOwnChunkingNeverDesynchronisesTheConnection(path: String) throws {
        let peers = try Peers()
        let request = "GET \(path) HTTP/1.1\r\nHost: x\r\n\r\nGET /static/a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        try peers.exchange(request) { name, stream, raw in
            #expect(stream.problem == nil, "\(name): \(stream.problem ?? "") in \(raw.debugDescription)")
            let heads = stream.responses.map { $0.values("Content-Length").count + $0.values("Transfer-Encoding").count }
            #expect(heads.allSatisfy { $0 <= 1 }, "\(name): one framing header per answer: \(raw.debugDescription)")
            #expect(stream.responses.last.map { String(decoding: $0.body, as: UTF8.self) } == "hello\n", "\(name): the next answer is the file: \(raw.debugDescription)")
        }
    }

    @Test func anHTTP10ClientIsNeverSentChunked() throws {
        let peers = try Peers()
        try peers.exchange("GET /chunked-then-response HTTP/1.0\r\n\r\n") { name, stream, raw in
            #expect(stream.responses.count == 1 && stream.responses[0].values("Transfer-Encoding").isEmpty, "\(name): \(raw.debugDescription)")
        }
    }

    @Test func anUpstreamContinueBeforeItsAnswerEndsInTheAnswer() throws {
        let peers = try Peers()
        try peers.exchange("GET /continue-then-ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n") { name, stream, raw in
            let final = stream.responses.last { $0.status >= 200 }
            #expect(final?.status == 200 && final.map { String(decoding: $0.body, as: UTF8.self) } == "ok", "\(name): \(raw.debugDescription)")
        }
    }

    @Test func aChunkedRequestBodyReachesTheAppWithItsLength() throws {
        let peers = try Peers()
        let body = [UInt8](repeating: UInt8(ascii: "b"), count: 100_000)
        let before = peers.app.received.count
        for (name, port) in peers.servers {
            let result = try runCommand("/usr/bin/curl", ["-sS", "--max-time", "20", "-o", "/dev/null", "-w", "%{http_code}",
                                                          "-H", "Transfer-Encoding: chunked", "--data-binary", "@-",
                                                          "http://127.0.0.1:\(port)/upload"], input: String(decoding: body, as: UTF8.self), timeout: 30)
            #expect(result.stdout == "200", "\(name): \(result.stdout) \(result.stderr)")
        }
        let requests = peers.app.received.dropFirst(before)
        #expect(requests.count == 2)
        for request in requests {
            #expect(request.value("CONTENT_LENGTH") == "100000" && request.bodyLength == 100_000,
                    "CONTENT_LENGTH \(request.value("CONTENT_LENGTH") ?? "none"), body \(request.bodyLength)")
        }
    }

    @Test func headerNamesNginxCallsInvalidAreNotPassedUpstream() throws {
        let peers = try Peers()
        let before = peers.app.received.count
        try peers.exchange("GET /names HTTP/1.1\r\nHost: x\r\nX.Auth: 1\r\nX-Good: 2\r\nConnection: close\r\n\r\n") { name, stream, raw in
            #expect(stream.responses.first?.status == 200, "\(name): \(raw.debugDescription)")
        }
        let requests = peers.app.received.dropFirst(before)
        #expect(requests.count == 2)
        for request in requests {
            #expect(request.value("HTTP_X.AUTH") == nil && request.value("HTTP_X_GOOD") == "2", "\(request.vars.map(\.name))")
        }
    }

    /// A deploy that renames a new static folder into place: both serve the new file at once, and still after the
    /// old folder is deleted (the front kept the folder it opened first until a SIGHUP).
    @Test func aStaticFolderRenamedIntoPlaceIsServedAtOnce() throws {
        let peers = try Peers()
        let site = peers.folder.file("site")
        func body(_ port: Int) throws -> String {
            let answer = try RawHTTPClient.exchange(port: port, "GET /static/a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            return answer.components(separatedBy: "\r\n\r\n").dropFirst().joined()
        }
        for (_, port) in peers.servers { #expect(try body(port) == "hello\n") }
        try FileManager.default.createDirectory(atPath: site + "-new", withIntermediateDirectories: true)
        try "release 2\n".write(toFile: site + "-new/a.txt", atomically: true, encoding: .utf8)
        #expect(rename(site, site + "-old") == 0 && rename(site + "-new", site) == 0)
        for (name, port) in peers.servers { #expect(try body(port) == "release 2\n", "\(name) serves the new release") }
        try FileManager.default.removeItem(atPath: site + "-old")
        for (name, port) in peers.servers { #expect(try body(port) == "release 2\n", "\(name), the old release deleted") }
    }

    /// Every SIGHUP opened the logs anew and kept the old descriptors (100 reloads: 52 -> 252 open; daily
    /// rotation ended in EMFILE). Now the count stays flat, and a rotated access log is followed after the reload.
    @Test func reloadsKeepTheFrontsDescriptorCountFlat() throws {
        let peers = try Peers()
        func descriptors() throws -> Int { try FileManager.default.contentsOfDirectory(atPath: "/proc/\(peers.front.pid)/fd").count }
        func reloads() -> Int {
            ((try? String(contentsOfFile: peers.folder.file("error-\(peers.frontPort).log"), encoding: .utf8)) ?? "")
                .components(separatedBy: "reconfiguring").count - 1
        }
        func reload(to count: Int) {
            kill(peers.front.pid, SIGHUP)
            let deadline = Date().addingTimeInterval(5)
            while reloads() < count, Date() < deadline { usleep(2_000) }
        }
        // Counted after one reload and request: the old config's files are let go when its last connection is.
        reload(to: 1)
        #expect(try peers.frontServes())
        let before = try descriptors()
        for round in 2...101 {
            reload(to: round)
        }
        #expect(reloads() == 101)
        #expect(try peers.frontServes())
        let after = try descriptors()
        #expect(after <= before + 1, "open descriptors \(before) before 100 reloads, \(after) after")
        let log = peers.folder.file("access-\(peers.frontPort).log")
        #expect(rename(log, log + ".1") == 0)
        reload(to: 102)
        #expect(try peers.frontServes())
        func logged() -> Bool { ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("GET /static/a.txt") }
        let followed = Date().addingTimeInterval(3)
        while !logged(), Date() < followed { usleep(10_000) }
        #expect(logged(), "the reload opened a new access log")
    }

    /// add_header was ignored with a warning (HSTS, CSP, X-Frame-Options never sent). Both add the server's
    /// headers to a 200 and a proxied answer, only the `always` one to a 404, a location's own instead of the
    /// server's; a value with CR LF (from `$uri`) is not sent by the front (nginx sends it: a deliberate difference).
    @Test func addHeaderAddsWhatNginxAdds() throws {
        let peers = try Peers()
        func heads(_ request: String) throws -> [(String, HTTPResponseStream.Response?)] {
            try peers.servers.map { name, port in
                let (bytes, closed) = try RawHTTPClient.bytes(port: port, Array(request.utf8))
                return (name, HTTPResponseStream(bytes, closed: closed).responses.first)
            }
        }
        for (name, response) in try heads("GET /static/a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            + heads("GET /from-app HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n") {
            #expect(response?.values("X-Frame-Options") == ["DENY"] && response?.values("Strict-Transport-Security") == ["max-age=31536000"],
                    "\(name): \(response?.headers.map(\.name) ?? [])")
        }
        for (name, response) in try heads("GET /static/none HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n") {
            #expect(response?.status == 404 && response?.values("X-Frame-Options") == [] && response?.values("Strict-Transport-Security") == ["max-age=31536000"],
                    "\(name): \(response?.headers.map(\.name) ?? [])")
        }
        for (name, response) in try heads("GET /own/a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n") {
            #expect(response?.values("X-Own") == ["yes"] && response?.values("X-Frame-Options") == [], "\(name): \(response?.headers.map(\.name) ?? [])")
        }
        let (bytes, _) = try RawHTTPClient.bytes(port: peers.frontPort, Array("GET /static/a.txt%0D%0AX-Injected:%201 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8))
        let injected = HTTPResponseStream(bytes).responses.first
        #expect(injected?.values("X-Injected") == [] && injected?.values("X-Path") == [], "\(String(decoding: bytes, as: UTF8.self))")
    }
}
