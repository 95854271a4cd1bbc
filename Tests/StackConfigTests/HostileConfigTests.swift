import BenchSupport
import Foundation
@testable import StackConfig
import StackbenchTesting
import Testing

/// What an unlucky or hostile config file can do to the readers: numbers past what fits, expansions without end,
/// FIFOs and devices where a file should be, blocks nested without end. Each is refused at once with one line
/// naming the file, line and key — never a trap, a hang or gigabytes allocated. Where nginx takes a value (a
/// time of 9223372036854775807ms), so do we.
@Suite struct HostileConfigTests {
    let folder: TemporaryFolder

    init() throws { folder = try TemporaryFolder() }

    func nginx(_ text: String) throws -> NginxConfig {
        let file = folder.file("nginx.conf")
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return try NginxConfig.load(file: file).config
    }

    func nginxError(_ text: String) -> String {
        do {
            _ = try nginx(text)
            return "accepted"
        } catch {
            return "\(error)".replacingOccurrences(of: folder.path, with: "DIR")
        }
    }

    func uwsgiError(_ text: String) -> String {
        let file = folder.file("app.ini")
        do {
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            _ = try UwsgiConfig.load(file, environment: [:]) { _ in }
            return "accepted"
        } catch {
            return "\(error)".replacingOccurrences(of: folder.path, with: "DIR")
        }
    }

    @Test(arguments: [
        ("keepalive_timeout 9999999999999d;", "\"keepalive_timeout\" directive invalid value in DIR/nginx.conf:1"),
        ("keepalive_timeout 9223372036854775807;", "\"keepalive_timeout\" directive invalid value"),
        ("send_timeout 106751991168d;", "\"send_timeout\" directive invalid value"),
        ("client_max_body_size 9999999999999g;", "\"client_max_body_size\" directive invalid value in DIR/nginx.conf:1"),
        ("client_max_body_size 9223372036854775808;", "\"client_max_body_size\" directive invalid value"),
        ("open_file_cache_valid 9999999999999999d;", "\"open_file_cache_valid\" directive invalid value"),
    ])
    func nginxNumbersPastWhatFitsAreInvalidValuesAsNginxSaysThem(directive: String, expected: String) {
        #expect(nginxError("http { \(directive) server { listen 127.0.0.1:9; } }").contains(expected), "\(nginxError("http { \(directive) }"))")
    }

    @Test func theLargestValuesNginxTakesAreTaken() throws {
        let config = try nginx("http { keepalive_timeout 9223372036854775807ms; client_max_body_size 9223372036854775807; server { listen 127.0.0.1:9; } }")
        #expect(config.servers[0].scope.keepaliveTimeout == Int.max && config.servers[0].scope.clientMaxBodySize == Int.max)
    }

    @Test func addHeaderIsReadWithItsInheritance() throws {
        let config = try nginx("http { add_header X-A 1; add_header X-B \"$uri x\" always; server { listen 127.0.0.1:9; location / { add_header X-C 3; } location /b/ { } } }")
        let server = config.servers[0]
        #expect(server.scope.addHeaders.map(\.name) == ["X-A", "X-B"] && server.scope.addHeaders.map(\.always) == [false, true])
        #expect(server.locations[0].scope.addHeaders.map(\.name) == ["X-C"], "a level with its own add_header inherits none")
        #expect(server.locations[1].scope.addHeaders.map(\.name) == ["X-A", "X-B"])
        #expect(nginxError("http { add_header X-A 1 sometimes; }").contains("invalid parameter \"sometimes\""))
        #expect(nginxError("http { add_header \"X A\" 1; }").contains("invalid header in \"add_header\" directive"))
        #expect(nginxError("http { add_header X-A \"a\nb\"; }").contains("invalid header in \"add_header\" directive"))
    }

    @Test func blocksNestedWithoutEndAreRefusedAtTheirLine() {
        let message = nginxError(String(repeating: "server {\n", count: 100_000))
        #expect(message.contains("blocks nested more than 64 deep in DIR/nginx.conf:65"), "\(message.prefix(200))")
    }

    @Test func includesOfAFIFOOrADeviceAnswerAtOnce() throws {
        let fifo = folder.file("fifo.conf")
        #expect(mkfifo(fifo, 0o644) == 0)
        let started = Date()
        #expect(nginxError("http { include fifo.conf; }").contains("open() \"DIR/fifo.conf\" failed (a FIFO, not a regular file) in DIR/nginx.conf:1"))
        #expect(nginxError("http { include /dev/zero; }").contains("open() \"/dev/zero\" failed (larger than 16 MiB)"))
        #expect(Date().timeIntervalSince(started) < 5, "no wait for a writer, no gigabytes read")
        #expect(try nginx("http { include /dev/null; server { listen 127.0.0.1:9; } }").servers.count == 1, "an empty device is empty text, as nginx reads it")
    }

    @Test(arguments: [
        ("x = %(9223372036854775807 + 1)", "x: %(9223372036854775807 + 1) overflows a 64-bit integer"),
        ("x = %(9223372036854775807 * 2)", "overflows a 64-bit integer"),
        ("x = %(-9223372036854775808 / -1)", "overflows a 64-bit integer"),
        ("x = %(-9223372036854775808 - 1)", "overflows a 64-bit integer"),
        ("listen = 2147483648", "listen: invalid value \"2147483648\": must be at most 2147483647"),
        ("workers = 99999999999999999999", "workers: invalid value"),
    ])
    func uwsgiNumbersPastWhatFitsNameTheLineAndKey(line: String, expected: String) {
        let message = uwsgiError("[uwsgi]\n\(line)\n")
        #expect(message.hasPrefix("DIR/app.ini:2: error: ") && message.contains(expected), "\(message)")
    }

    @Test(arguments: [
        "print = %(print)",
        "a = %(b)\nb = %(a)",
        "a0 = x\n" + (1...40).map { "a\($0) = %(a\($0 - 1))%(a\($0 - 1))" }.joined(separator: "\n"),
        "print = @(DIR/app.ini)",
    ])
    func expansionsWithoutEndStopWithinTheirBudget(lines: String) {
        let started = Date()
        let message = uwsgiError("[uwsgi]\n" + lines.replacingOccurrences(of: "DIR", with: folder.path) + "\n")
        #expect(message.contains("references expand without end"), "\(message.prefix(300))")
        #expect(Date().timeIntervalSince(started) < 10)
    }

    @Test func fileReferencesToAFIFOOrADeviceAnswerAtOnce() throws {
        let fifo = folder.file("fifo")
        #expect(mkfifo(fifo, 0o644) == 0)
        let started = Date()
        #expect(uwsgiError("[uwsgi]\nx = @(\(fifo))\n").contains("x: cannot read @(\(fifo.replacingOccurrences(of: folder.path, with: "DIR"))): a FIFO, not a regular file"))
        #expect(uwsgiError("[uwsgi]\nini = \(fifo)\n").contains("cannot read: a FIFO, not a regular file"))
        #expect(uwsgiError("[uwsgi]\nx = @(/dev/zero)\n").contains("cannot read @(/dev/zero): larger than 1 MiB"))
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test func checkedArithmeticSaysWhereAnIntEnds() {
        #expect(CheckedArithmetic.product(Int.max, 2) == nil && CheckedArithmetic.product(1 << 30, 1 << 30) == 1 << 60)
        #expect(CheckedArithmetic.sum(Int.max, 1) == nil && CheckedArithmetic.difference(Int.min, 1) == nil)
        #expect(CheckedArithmetic.quotient(Int.min, -1) == nil && CheckedArithmetic.quotient(7, 0) == nil && CheckedArithmetic.quotient(7, 2) == 3)
    }
}
