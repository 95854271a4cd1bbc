import BenchSupport
import Foundation
import StackbenchTesting
import Testing

/// `stackbench load` as a user meets it: the built binary, its exit codes, its output and files.
@Suite(.serialized) struct LoadCommandTests {
    static let stackbench = BuiltProducts.stackbench

    static func load(_ arguments: [String], timeout: Double = 60) throws -> (status: Int32, stdout: String, stderr: String) {
        try runCommand(stackbench, ["load"] + arguments, timeout: timeout)
    }

    /// Each row: arguments, and the text the one-line error must contain.
    static let badInputs: [([String], String)] = [
        (["not-a-url"], "URL must be an http:// or https:// URL"),
        (["http://127.0.0.1:1/", "--engine", "wrk"], "--engine must be framed or curl, got \"wrk\""),
        (["ftp://127.0.0.1/"], "URL must be an http:// or https:// URL"),
        (["https://127.0.0.1:1/", "--cacert", "/nonexistent/ca.pem"], "--cacert cannot read \"/nonexistent/ca.pem\""),
        (["http://127.0.0.1:1/", "-c0"], "-c/--connections must be > 0, got 0"),
        (["http://127.0.0.1:99999/"], "URL"),
        ([], "URL is required"),
        (["http://127.0.0.1:1/", "-c", "0"], "-c/--connections must be > 0, got 0"),
        (["http://127.0.0.1:1/", "-c=-5"], "-c/--connections must be > 0, got -5"),
        (["http://127.0.0.1:1/", "-c", "many"], "-c"),
        (["http://127.0.0.1:1/", "-t", "0"], "-t/--threads must be > 0"),
        (["http://127.0.0.1:1/", "-t", "many"], "-t/--threads must be a whole number or auto, got \"many\""),
        (["http://127.0.0.1:1/", "--bogus"], "--bogus"),
        (["http://127.0.0.1:1/", "--body-file", "/nonexistent/body.json"], "--body-file file \"/nonexistent/body.json\" does not exist"),
        (["http://127.0.0.1:1/", "--body-file", "/"], "--body-file file \"/\" cannot be read"),
        (["http://127.0.0.1:1/", "-d", "10s", "-n", "5"], "cannot be used together"),
        (["http://127.0.0.1:1/", "-d", "soon"], "-d/--duration must be a duration"),
        (["http://127.0.0.1:1/", "--rate", "0"], "--rate must be > 0, got 0"),
        (["http://127.0.0.1:1/", "--rate", "fast"], "--rate must be a number"),
        (["http://127.0.0.1:1/", "--cpus", "64"], "--cpus names CPU 64"),
        (["http://127.0.0.1:1/", "--timeout", "0"], "--timeout must be at least 1ms"),
        (["http://127.0.0.1:1/", "-H", "broken"], "-H/--header must be \"Name: value\""),
        (["http://127.0.0.1:1/", "--json", "/nonexistent/out.json"], "--json cannot write"),
        (["--mix", "/nonexistent/mix.json"], "--mix file"),
        (["http://127.0.0.1:1/", "-c", "100000000"], "-c/--connections needs about"),
    ]

    @Test(arguments: badInputs.indices)
    func badInputExitsTwoWithOneLine(row: Int) throws {
        let (arguments, expected) = Self.badInputs[row]
        let result = try Self.load(arguments)
        #expect(result.status == 2, "\(arguments): exit \(result.status), stderr: \(result.stderr)")
        #expect(result.stderr.contains(expected), "\(arguments): \(result.stderr)")
        #expect(!result.stderr.contains("Fatal error") && !result.stderr.contains("Stack dump"), "\(result.stderr)")
        #expect(result.stdout.isEmpty, "nothing ran: \(result.stdout)")
    }

    @Test func badMixFileNamesTheProblem() throws {
        let folder = try TemporaryFolder()
        for (contents, expected) in [("{", "not a JSON list"), ("[]", "empty"), ("[{\"weight\": 1}]", "missing key \"url\""),
                                     ("[{\"url\": 5}]", "[0].url")] {
            try contents.write(toFile: folder.file("mix.json"), atomically: true, encoding: .utf8)
            let result = try Self.load(["--mix", folder.file("mix.json")])
            #expect(result.status == 2)
            #expect(result.stderr.contains(folder.file("mix.json")) && result.stderr.contains(expected), "\(result.stderr)")
        }
    }

    /// A duration of a million hours is legal; it must start (and be stopped) like any other.
    @Test func hugeDurationStartsAndStops() throws {
        let server = try FixtureHTTPServer()
        defer { server.shutdown() }
        let result = try Self.interruptedLoad(server, ["-d", "1000000h", "-c", "1"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Responses:"), "\(result.stdout)")
    }

    @Test func interruptDuringWarmupIsNotACrash() throws {
        let server = try FixtureHTTPServer()
        defer { server.shutdown() }
        let result = try Self.interruptedLoad(server, ["--warmup", "60s", "-d", "1s"])
        #expect(result.status == 1 && result.stderr.contains("no request completed"), "nothing measured is exit 1, not a crash: \(result.stderr)")
        #expect(result.stdout.contains("Responses:    0") && result.stdout.contains("Latency:      none"), "\(result.stdout)")
    }

    @Test(arguments: [["--rate", "1e-30", "-d", "1s"], ["--warmup", "2000000h", "-d", "2000000h"]])
    func extremeButLegalValuesDoNotTrap(arguments: [String]) throws {
        let server = try FixtureHTTPServer()
        defer { server.shutdown() }
        let result = try Self.interruptedLoad(server, ["-c", "1"] + arguments, afterRequests: 1)
        // Interrupted in a warm-up of 2000000 h, nothing was measured: exit 1 with the reason, never a trap.
        #expect(result.status == 0 || (result.status == 1 && result.stderr.contains("no request completed")), "\(arguments): \(result.stderr)")
        #expect(result.stdout.contains("Responses:"), "\(arguments): \(result.stdout)")
    }

    /// As wrk: a port nothing listens on, or a unix socket that is not there, is one line at once (exit 1), not a
    /// storm of connect attempts from every connection (seen: 25,656 in 1 s at 99% CPU before this check).
    @Test func aClosedPortOrAMissingSocketFailsAtOnceInOneLine() throws {
        let port = try freePort()
        let folder = try TemporaryFolder()
        for (arguments, words) in [
            (["http://127.0.0.1:\(port)/", "-d", "5s", "-c", "50"], "stackbench: unable to connect to 127.0.0.1:\(port): Connection refused"),
            (["http://localhost/", "--unix-socket", folder.file("none.sock"), "-d", "5s"],
             "stackbench: unable to connect to unix:\(folder.file("none.sock")): No such file or directory"),
            (["http://127.0.0.1:\(port)/", "http://[::1]:\(port)/", "-n", "20"],
             "stackbench: unable to connect to 127.0.0.1:\(port): Connection refused"),
        ] {
            let started = Date()
            let result = try Self.load(arguments)
            #expect(Date().timeIntervalSince(started) < 1.5, "\(arguments)")
            #expect(result.status == 1 && result.stderr == words + "\n" && result.stdout.isEmpty, "\(arguments): \(result.stdout)\(result.stderr)")
        }
    }

    /// A server that takes connections and never answers: the requests are unfinished, said in the summary, and
    /// the run exits 1 (nothing completed), not 0 with "0 requests, Errors: 0".
    @Test func aServerThatNeverAnswersIsUnfinishedAndExit1() throws {
        let (listener, bound) = try Sockets.listen(.tcp(host: "127.0.0.1", port: 0), backlog: 16)  // accepted by the kernel, never read
        defer { close(listener) }
        let port = bound ?? 0
        let result = try Self.load(["http://127.0.0.1:\(port)/", "-d", "500ms", "-c", "3"])
        #expect(result.status == 1 && result.stderr.contains("no request completed (3 unfinished, 0 failed)"), "\(result.stderr)")
        #expect(result.stdout.contains("Unfinished:   3 request(s) still waiting for an answer"), "\(result.stdout)")
    }

    /// wrk's and oha's conventions: `--json -` is standard output (the summary goes to stderr), `-R` is wrk2's
    /// rate, `--latency` is accepted, and ArgumentParser's errors say "error:" once.
    @Test func theConventionsWrkAndOhaUsersBring() throws {
        let server = try FixtureHTTPServer()
        defer { server.shutdown() }
        let piped = try Self.load([server.url(), "-d", "300ms", "-c", "2", "-R", "100", "--latency", "--json", "-"])
        #expect(piped.status == 0, "\(piped.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(piped.stdout.utf8)) as? [String: Any]
        #expect((json?["config"] as? [String: Any])?["model"] as? String == "open", "the JSON alone on stdout: \(piped.stdout.prefix(200))")
        #expect(piped.stderr.contains("Responses:") && !piped.stdout.contains("Responses:"), "the summary on stderr")
        #expect(!piped.stdout.contains("\\/"), "slashes unescaped")
        #expect(!FileManager.default.fileExists(atPath: "-"))
        let unknown = try Self.load(["-X"])
        #expect(unknown.status == 2 && unknown.stderr.hasPrefix("stackbench: error: Unknown option '-X'"), "\(unknown.stderr)")
    }

    @Test func jsonResultIsWrittenWithHistogram() throws {
        let server = try FixtureHTTPServer(.init(bodyBytes: 100))
        defer { server.shutdown() }
        let folder = try TemporaryFolder()
        let result = try Self.load([server.url(), "-n", "300", "-c", "4", "--json", folder.file("r.json")])
        #expect(result.status == 0, "\(result.stderr)")
        let data = try Data(contentsOf: URL(fileURLWithPath: folder.file("r.json")))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(json["schema"] as? String == "stackbench.load/2")
        let summary = try #require(json["summary"] as? [String: Any])
        #expect(summary["requests"] as? Int == 300)
        let histogram = try #require(json["latencyHistogramMicroseconds"] as? [String: Any])
        let counts = try #require(histogram["counts"] as? [[Int]])
        #expect(counts.reduce(0) { $0 + $1[1] } == 300)
        #expect((json["statusCodes"] as? [String: Int])?["200"] == 300)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(leftovers == ["r.json"], "no temporary file is left: \(leftovers)")
    }

    @Test func progressIsOnePlainLinePerSecondWhenNotATerminal() throws {
        let server = try FixtureHTTPServer()
        defer { server.shutdown() }
        let result = try Self.load([server.url(), "-d", "2500ms", "-c", "2"])
        #expect(result.status == 0)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 2, "\(result.stderr)")
        #expect(lines.allSatisfy { $0.contains("req/s") && !$0.contains("\u{1B}") }, "\(result.stderr)")
        #expect(result.stdout.contains("Latency:") && result.stdout.contains("99.99%"), "\(result.stdout)")
        #expect(result.stdout.contains("Client CPU:"), "\(result.stdout)")
    }

    @Test func interruptStopsEarlyWithASummary() throws {
        let server = try FixtureHTTPServer(.init(delayMilliseconds: 2))
        defer { server.shutdown() }
        let result = try Self.interruptedLoad(server, ["-d", "60s", "-c", "2"], afterRequests: 50)
        #expect(result.secondsAfterSignal < 5)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Responses:"), "\(result.stdout)")
    }

    @Test func realNginxOverTCPAndUnixSocket() throws {
        let file = [UInt8](repeating: UInt8(ascii: "a"), count: 1024)
        let nginx = try NginxFixture(files: ["1k.txt": file])
        var log = ""
        defer { log = nginx.stop() }
        let tcp = try Self.load([nginx.url("/1k.txt"), "-n", "2000", "-c", "16"])
        #expect(tcp.status == 0 && tcp.stdout.contains("Status codes: 200: 2000"), "\(tcp.stdout)\(tcp.stderr)\(log)")
        #expect(tcp.stdout.contains("Failed:       0 without a response"), "\(tcp.stdout)")
        let unix = try Self.load(["http://localhost/1k.txt", "--unix-socket", nginx.unixSocket, "-n", "500", "-c", "4"])
        #expect(unix.status == 0 && unix.stdout.contains("Status codes: 200: 500"), "\(unix.stdout)\(unix.stderr)")
        let missing = try Self.load([nginx.url("/nope"), "-n", "10", "-c", "1"])
        #expect(missing.stdout.contains("404: 10") && missing.stdout.contains("Non-2xx or 3xx responses: 10"),
                "\(missing.stdout)")
    }

    /// wrk's attached short options (`-c4 -t2 -n40`) are split before parsing; the value of the option before
    /// (`--json -c9`) stays a value.
    @Test func attachedShortOptionsAsWrkWritesThem() throws {
        let server = try FixtureHTTPServer()
        defer { server.shutdown() }
        let result = try Self.load([server.url(), "-c4", "-t2", "-n40", "-mGET", "-HX-Test: 1"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("2 threads and 4 connections") && result.stdout.contains("Responses:    40 in"),
                "\(result.stdout)")
    }

    /// `-t auto` takes a thread per CPU the client may use (here the --cpus list), and the JSON shows how the
    /// responses and the CPU were spread over the threads.
    @Test func threadsAutoTakesEveryPinnedCPUAndShowsTheBalance() throws {
        let server = try FixtureHTTPServer()
        defer { server.shutdown() }
        let cpus = min(ProcessInfo.processInfo.activeProcessorCount, 2)
        let result = try Self.load([server.url(), "-t", "auto", "--cpus", "0-\(cpus - 1)", "-c", "4", "-n", "400",
                                    "--json", "-"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect((json["config"] as? [String: Any])?["threads"] as? Int == cpus)
        let threads = try #require(json["perThread"] as? [[String: Any]])
        #expect(threads.count == cpus)
        #expect(threads.reduce(0) { $0 + ($1["responses"] as? Int ?? 0) } == 400, "\(threads)")
        #expect(threads.reduce(0) { $0 + ($1["connections"] as? Int ?? 0) } == 4, "\(threads)")
        #expect(threads.allSatisfy { ($0["cpuSeconds"] as? Double ?? -1) >= 0 }, "\(threads)")
        let one = try Self.load([server.url(), "-t", "auto", "--cpus", "0", "-c", "4", "-n", "40"])
        #expect(one.status == 0 && one.stdout.contains("1 threads and 4 connections"), "\(one.stdout)\(one.stderr)")
        #expect(one.stdout.contains("closed model, engine framed"), "\(one.stdout)")
    }

    /// A closed port next to a live URL: the rate and the latency are the live URL's responses only, the failures
    /// stand beside them, and each URL has its own row (text and JSON).
    @Test func failuresAreCountedBesideTheResponsesAndEachURLHasItsRow() throws {
        let server = try FixtureHTTPServer(.init(delayMilliseconds: 2))
        defer { server.shutdown() }
        let closed = "http://127.0.0.1:\(try freePort())/"
        let result = try Self.load([server.url(), closed, "-n", "200", "-c", "2", "--json", "-"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let summary = try #require(json["summary"] as? [String: Any])
        let responses = try #require(summary["responses"] as? Int)
        let failed = try #require(summary["errors"] as? Int)
        #expect(responses > 0 && failed > 0 && responses + failed == 200, "\(summary)")
        let latency = try #require(json["latencyMicroseconds"] as? [String: Any])
        // A refused connect takes microseconds; every recorded latency is a response's, which waited 2 ms.
        #expect((latency["min"] as? Double ?? 0) >= 2000, "failed connects are not latency: \(latency)")
        let counts = try #require((json["latencyHistogramMicroseconds"] as? [String: Any])?["counts"] as? [[Int]])
        #expect(counts.reduce(0) { $0 + $1[1] } == responses)
        let rows = try #require(json["perRequest"] as? [[String: Any]])
        #expect(rows.count == 2 && rows[0]["responses"] as? Int == responses && rows[0]["errors"] as? Int == 0, "\(rows)")
        #expect(rows[1]["url"] as? String == closed && rows[1]["responses"] as? Int == 0 && rows[1]["errors"] as? Int == failed)
        #expect(result.stderr.contains("By request:") && result.stderr.contains("GET \(closed)"), "\(result.stderr)")
        #expect(result.stderr.contains("Failed:       \(failed) without a response (connect \(failed)"), "\(result.stderr)")
        let perSecond = try #require(json["perSecond"] as? [[String: Any]])
        #expect(perSecond.reduce(0) { $0 + ($1["responses"] as? Int ?? 0) } == responses && perSecond.first?["p99Microseconds"] != nil)
    }

    /// https through libcurl's TLS against real nginx with a self-signed certificate: refused as untrusted (a
    /// tls failure, exit 1), loaded with `--insecure`/`-k`, and loaded verified with `--cacert`.
    @Test func httpsWithSelfSignedCertificate() throws {
        let nginx = try NginxFixture(files: ["1k.txt": [UInt8](repeating: 97, count: 1024)], tls: true)
        var log = ""
        defer { log = nginx.stop() }
        let url = "https://127.0.0.1:\(try #require(nginx.tlsPort))/1k.txt"
        let untrusted = try Self.load([url, "-n", "5", "-c", "1"])
        #expect(untrusted.status == 1 && untrusted.stdout.contains("(connect 0, tls 5,"), "\(untrusted.stdout)\(untrusted.stderr)\(log)")
        #expect(untrusted.stderr.contains("mostly curl 60") && untrusted.stderr.contains("-k to skip verification, or --cacert FILE"),
                "\(untrusted.stderr)")
        let insecure = try Self.load([url, "-n", "200", "-c", "4", "-k"])
        #expect(insecure.status == 0 && insecure.stdout.contains("Status codes: 200: 200"), "\(insecure.stdout)\(insecure.stderr)")
        let verified = try Self.load([url, "-n", "50", "-c", "2", "--cacert", nginx.certificate, "--json", "-"])
        #expect(verified.status == 0 && verified.stderr.contains("Status codes: 200: 50"), "\(verified.stderr)")
        let config = try #require((try JSONSerialization.jsonObject(with: Data(verified.stdout.utf8)) as? [String: Any])?["config"] as? [String: Any])
        #expect(config["caCertificate"] as? String == nginx.certificate && config["insecure"] == nil, "\(config)")
    }

    /// Real nginx counted by both engines: the framed one (libcurl's connections, HTTP framed by stackbench) must
    /// see what libcurl's own transfers see — statuses, bytes, no errors — over TCP, a unix socket and TLS, for a
    /// file, a HEAD (a Content-Length and no body) and a 404.
    @Test func bothEnginesCountRealNginxTheSame() throws {
        let nginx = try NginxFixture(files: ["1k.txt": [UInt8](repeating: 97, count: 1024)], tls: true)
        var log = ""
        defer { log = nginx.stop() }
        let https = "https://127.0.0.1:\(try #require(nginx.tlsPort))/1k.txt"
        let cases: [[String]] = [
            [nginx.url("/1k.txt")], [nginx.url("/1k.txt"), "-m", "HEAD"], [nginx.url("/missing")],
            ["http://localhost/1k.txt", "--unix-socket", nginx.unixSocket], [https, "-k"],
        ]
        for arguments in cases {
            var seen: [String: (codes: [String: Int], bytes: Int, errors: Int)] = [:]
            for engine in ["framed", "curl"] {
                let run = try Self.load(arguments + ["-n", "100", "-c", "3", "--engine", engine, "--json", "-"])
                let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any],
                                        "\(arguments) \(engine): \(run.stderr)\(log)")
                let summary = try #require(json["summary"] as? [String: Any])
                #expect((json["config"] as? [String: Any])?["engine"] as? String == engine)
                seen[engine] = (json["statusCodes"] as? [String: Int] ?? [:], summary["bytes"] as? Int ?? -1,
                                summary["errors"] as? Int ?? -1)
            }
            let (framed, curl) = (try #require(seen["framed"]), try #require(seen["curl"]))
            #expect(framed.errors == 0 && framed.codes.values.reduce(0, +) == 100, "\(arguments): \(framed)")
            #expect(framed.codes == curl.codes && framed.bytes == curl.bytes && framed.errors == curl.errors,
                    "\(arguments): framed \(framed), curl \(curl)")
        }
    }

    /// Starts `stackbench load URL arguments...`, sends SIGINT (Ctrl-C) once the server has seen `afterRequests`
    /// requests (or after 10 s), and returns how it ended.
    static func interruptedLoad(_ server: FixtureHTTPServer, _ arguments: [String], afterRequests: Int = 10) throws
        -> (status: Int32, stdout: String, stderr: String, secondsAfterSignal: Double) {
        let process = try RunningProcess(stackbench, ["load", server.url()] + arguments)
        let deadline = Date().addingTimeInterval(10)
        while server.seen.requests < afterRequests && Date() < deadline { usleep(10_000) }
        kill(process.pid, SIGINT)
        let signalled = Date()
        let result = process.wait(timeout: 10)
        return (result.status, result.stdout, result.stderr, Date().timeIntervalSince(signalled))
    }
}
