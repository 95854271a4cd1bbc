import Foundation
import Front
import StackConfig
import StackbenchTesting
import Testing

/// The front in-process on a free port, from a config written per test, against raw bytes (curl would normalise
/// the hostile paths before sending them): traversal never leaves the alias or root, and each error status is
/// provoked.
@Suite(.serialized) final class FrontServerTests {
    let folder: TemporaryFolder
    let port: Int
    let server: FrontServer
    static let secret = "TOP-SECRET-OUTSIDE-THE-ROOT"

    init() throws {
        folder = try TemporaryFolder()
        port = try freePort()
        let site = folder.file("site")
        for directory in ["static_all/css", "static_all/empty", "static_all/sub", "www/static", "stat"] {
            try FileManager.default.createDirectory(atPath: site + "/" + directory, withIntermediateDirectories: true)
        }
        try "body { color: red; }\n".write(toFile: site + "/static_all/css/app.css", atomically: true, encoding: .utf8)
        try "index\n".write(toFile: site + "/static_all/sub/index.html", atomically: true, encoding: .utf8)
        for (name, size) in Self.sizedFiles {
            try Self.text(size).write(toFile: site + "/static_all/" + name, atomically: true, encoding: .utf8)
        }
        try Data((0..<1024).map { UInt8($0 % 251) }).write(to: URL(fileURLWithPath: site + "/www/static/one-k.bin"))
        for place in ["secret.txt", "static_all/../secret.txt", "www/secret.txt"] {
            try Self.secret.write(toFile: site + "/" + place, atomically: true, encoding: .utf8)
        }
        try FileManager.default.createSymbolicLink(atPath: site + "/static_all/link-out", withDestinationPath: site + "/secret.txt")
        try FileManager.default.createSymbolicLink(atPath: site + "/static_all/dir-out", withDestinationPath: site)
        try FileManager.default.createSymbolicLink(atPath: site + "/static_all/link-in", withDestinationPath: "css/app.css")
        try FileManager.default.createSymbolicLink(atPath: site + "/static_all/abs-etc", withDestinationPath: "/etc/passwd")
        let config = """
            error_log \(folder.file("error.log")) info;
            http {
                include mime.types;
                log_format main '$remote_addr "$request" $status $body_bytes_sent';
                client_max_body_size 1k;
                uwsgi_read_timeout 1s;
                server {
                    listen 127.0.0.1:\(port);
                    access_log \(folder.file("access.log")) main;
                    charset utf-8;
                    root \(site)/www;
                    location / { include uwsgi_params; uwsgi_pass unix:\(folder.file("missing.sock")); }
                    location /static/ { alias \(site)/static_all/; index index.html; }
                    location /stat { alias \(site)/static_all/; }
                    location /plain/ { }
                    location = /silent { uwsgi_pass unix:\(folder.file("silent.sock")); }
                }
            }
            """
        try config.write(toFile: folder.file("nginx.conf"), atomically: true, encoding: .utf8)
        server = try FrontServer(config: NginxConfig.load(file: folder.file("nginx.conf")).config)
    }

    deinit { server.stop() }

    func get(_ target: String, _ extra: String = "") throws -> String {
        try RawHTTPClient.exchange(port: port, "GET \(target) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\(extra)\r\n", timeout: 5)
    }

    static func status(_ answer: String) -> Int { Int(answer.split(separator: " ").dropFirst().first ?? "") ?? 0 }

    /// Hostile paths, each also sent with every `.`, `/` and `%` in its path percent-encoded.
    static let hostile: [String] = [
        "/static/../secret.txt", "/static/../../secret.txt", "/static/../../../../../../etc/passwd",
        "/static/..%2fsecret.txt", "/static/%2e%2e/secret.txt", "/static/%2e%2e%2fsecret.txt", "/static/.%2e/secret.txt",
        "/static/%2E%2E/secret.txt", "/static/..\\secret.txt", "/static/....//secret.txt", "/static/./../secret.txt",
        "/static//../secret.txt", "/static/css/../../secret.txt", "/static/css/../../../secret.txt",
        "/stat../secret.txt", "/stat..%2fsecret.txt", "/stat%2e%2e/secret.txt", "/stat../stat../secret.txt",
        "/static/link-out", "/static/dir-out/secret.txt", "/static/abs-etc", "/static/dir-out/www/secret.txt",
        "/static/%00../secret.txt", "/static/secret.txt%00.css", "/static/..%00/secret.txt", "/static/%252e%252e/secret.txt",
        "/static/..%252fsecret.txt", "/../secret.txt", "/..", "/static/..", "/static/../", "/static/../static/../secret.txt",
        "/plain/../secret.txt", "/plain/../../secret.txt", "/static/%2f..%2f..%2fsecret.txt", "/static/;/../secret.txt",
        "/static/css/app.css/../../../secret.txt", "/static/css/..;/..;/secret.txt", "//static/../secret.txt",
        "/static/..././secret.txt", "/static/.../secret.txt", "/static/ ../secret.txt", "/stat/../secret.txt",
        "http://localhost/static/../secret.txt", "/static/dir-out/static_all/../secret.txt",
    ]

    static func encoded(_ path: String) -> String {
        var out = ""
        for character in path {
            switch character {
            case ".": out += "%2e"
            case "/" where !out.isEmpty: out += "%2f"
            case "%": out += "%25"
            default: out.append(character)
            }
        }
        return out
    }

    @Test func noHostilePathReturnsAByteFromOutsideTheRootOrAlias() throws {
        #expect(Self.hostile.count >= 40)
        for path in Self.hostile {
            for target in [path, Self.encoded(path)] {
                let answer = try get(target)
                #expect(!answer.isEmpty, "no answer to \(target)")
                #expect(!answer.contains(Self.secret) && !answer.contains("root:x:0:0"), "\(target) leaked: \(answer.prefix(200))")
                #expect([400, 404, 403, 301, 502].contains(Self.status(answer)), "\(target): \(answer.prefix(80))")
            }
        }
        #expect(try get("/static/link-in").contains("body { color: red; }"), "a symlink that stays inside is served")
    }

    @Test func staticFilesCarryNginxsHeaders() throws {
        let answer = try get("/static/css/app.css")
        let expectedHeaders = ["HTTP/1.1 200 OK", "Content-Type: text/css\r\n", "Content-Length: 21", "Last-Modified: ", "ETag: \"",
                               "Accept-Ranges: bytes", "Connection: close"]
        for header in expectedHeaders { #expect(answer.contains(header), "\(header) in \(answer)") }
        let etag = try #require(answer.firstMatch(of: #/ETag: ("[0-9a-f]+-15")/#)?.output.1)
        #expect(Self.status(try get("/static/css/app.css", "If-None-Match: \(etag)\r\n")) == 304)
        let modified = try #require(answer.firstMatch(of: #/Last-Modified: ([^\r]+)/#)?.output.1)
        #expect(Self.status(try get("/static/css/app.css", "If-Modified-Since: \(modified)\r\n")) == 304)
        let partial = try get("/static/css/app.css", "Range: bytes=0-3\r\n")
        #expect(Self.status(partial) == 206 && partial.contains("Content-Range: bytes 0-3/21") && partial.hasSuffix("\r\n\r\nbody"))
        #expect(try get("/static/css/app.css", "Range: bytes=-2\r\n").hasSuffix("}\n"))
        let unsatisfiable = try get("/static/css/app.css", "Range: bytes=500-600\r\n")
        #expect(Self.status(unsatisfiable) == 416 && unsatisfiable.contains("Content-Range: bytes */21"))
        let head = try RawHTTPClient.exchange(port: port, "HEAD /static/css/app.css HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(head.contains("Content-Length: 21") && head.hasSuffix("\r\n\r\n"), "HEAD: headers, no body")
        #expect(try get("/static/sub/").hasSuffix("index\n"), "index file")
        #expect(try get("/static/one-k.bin").isEmpty == false)
        #expect(try get("/static/sub").contains("Location: http://localhost:\(port)/static/sub/"))
        #expect(try get("/plain/").contains("403 Forbidden") || Self.status(try get("/plain/")) == 404)
    }

    /// Each side of the size up to which a file is written from memory rather than by sendfile.
    static let sizedFiles = [("limit.txt", 16 * 1024), ("over.txt", 16 * 1024 + 1), ("big.txt", 200 * 1024)]

    static func text(_ size: Int) -> String {
        let bytes: [UInt8] = (0..<size).map { (index: Int) -> UInt8 in
            let step: Int = index * 7 + index / 97
            return UInt8(48 + step % 75)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test(arguments: sizedFiles)
    func smallAndLargeFilesArriveWholeAndInRanges(name: String, size: Int) throws {
        let content = Self.text(size)
        let whole = try get("/static/" + name)
        #expect(whole.contains("Content-Length: \(size)\r\n") && whole.hasSuffix("\r\n\r\n" + content), "\(whole.prefix(300))")
        let (start, end) = (size / 3, size - 5)
        let part = try get("/static/" + name, "Range: bytes=\(start)-\(end)\r\n")
        let expected = String(content.utf8.dropFirst(start).prefix(end - start + 1))!
        #expect(Self.status(part) == 206 && part.contains("Content-Range: bytes \(start)-\(end)/\(size)"))
        #expect(part.hasSuffix("\r\n\r\n" + expected))
    }

    @Test(arguments: [
        ("GARBAGE\r\n\r\n", 400),
        ("GET /static/css/app.css HTTP/1.1\r\n\r\n", 400),  // HTTP/1.1 without Host
        ("GET /static/empty/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 403),
        ("GET /static/nope.css HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 404),
        ("PUT /static/css/app.css HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", 405),
        ("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n", 413),
        ("GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 502),
    ])
    func eachErrorStatusIsProvoked(request: String, status: Int) throws {
        let answer = try RawHTTPClient.exchange(port: port, request)
        #expect(Self.status(answer) == status, "\(answer.prefix(200))")
        #expect(answer.contains("<center><h1>\(status) "), "nginx's error page")
    }

    @Test func anUpstreamThatNeverAnswersIs504AfterTheReadTimeout() throws {
        let listener = try listeningUnixSocket(folder.file("silent.sock"))  // connected by the backlog, never answered
        defer { close(listener) }
        let started = Date()
        let answer = try get("/silent")
        #expect(Self.status(answer) == 504, "\(answer.prefix(120))")
        #expect(Date().timeIntervalSince(started) < 4, "uwsgi_read_timeout 1s")
        let log = try String(contentsOfFile: folder.file("error.log"), encoding: .utf8)
        #expect(log.contains("upstream timed out (110: Connection timed out) while reading response header from upstream"))
    }

    @Test func aMissingUpstreamIsLoggedAsNginxLogsIt() throws {
        _ = try get("/hello")
        let log = try String(contentsOfFile: folder.file("error.log"), encoding: .utf8)
        #expect(log.contains("[crit]") && log.contains("connect() to unix:\(folder.file("missing.sock")) failed (2: No such file or directory) while connecting to upstream"))
    }
}
