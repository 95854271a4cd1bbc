import BenchSupport
import Foundation
import Front
import StackConfig
import StackbenchTesting
import Testing

/// Each timeout and limit of the front over real sockets, a front per test with one-second timeouts, and the
/// upstream's framing enforced against a scripted upstream (raw bytes on a unix socket, as a broken or hostile
/// uWSGI app would send them). Margins are generous: a timeout must fire after roughly its time, never hang.
@Suite(.serialized) struct FrontLimitsTests {
    /// A front started from `http` (directives inside `http {}`), with a static location and a uwsgi_pass one.
    final class RunningFront {
        let folder: TemporaryFolder
        let port: Int
        let server: FrontServer
        var upstreamSocket: String { folder.file("upstream.sock") }

        init(http: String, workerConnections: Int = 512, workerProcesses: Int = 1) throws {
            folder = try TemporaryFolder()
            port = try freePort()
            try FileManager.default.createDirectory(atPath: folder.file("site"), withIntermediateDirectories: true)
            try "small\n".write(toFile: folder.file("site/small.txt"), atomically: true, encoding: .utf8)
            let big = open(folder.file("site/big.bin"), O_CREAT | O_WRONLY, 0o644)
            ftruncate(big, 64 << 20)  // sparse: 64 MiB a client that stops reading cannot take in
            close(big)
            let config = """
                error_log \(folder.file("error.log")) info;
                worker_processes \(workerProcesses);
                events { worker_connections \(workerConnections); }
                http {
                    log_format plain '"$request" $status';
                    \(http)
                    server {
                        listen 127.0.0.1:\(port);
                        access_log \(folder.file("access.log")) plain;
                        location /static/ { alias \(folder.file("site"))/; }
                        location /up/ { include uwsgi_params; uwsgi_pass unix:\(folder.file("upstream.sock")); }
                    }
                }
                """
            try config.write(toFile: folder.file("nginx.conf"), atomically: true, encoding: .utf8)
            server = try FrontServer(config: NginxConfig.load(file: folder.file("nginx.conf")).config)
        }

        deinit { server.stop() }

        func log(_ name: String) -> String { (try? String(contentsOfFile: folder.file(name), encoding: .utf8)) ?? "" }

        /// Whether log `name` comes to hold `text` within `timeout` (access-log lines are written at the end of the
        /// loop iteration that finished the request, which may be after the client saw the close).
        func log(_ name: String, contains text: String, timeout: Double = 3) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while !log(name).contains(text) {
                guard Date() < deadline else { return false }
                usleep(20_000)
            }
            return true
        }

        func connect(receiveBuffer: Int32? = nil) throws -> ClientSocket { try ClientSocket(port: port, receiveBuffer: receiveBuffer) }
    }

    /// A client connection read with a deadline: what came back, and whether (and when) the server closed.
    final class ClientSocket {
        let fd: Int32
        var received: [UInt8] = []
        var text: String { String(decoding: received, as: UTF8.self) }

        init(port: Int, receiveBuffer: Int32? = nil) throws {
            let target = try #require(SocketAddress.tcp(host: "127.0.0.1", port: port).resolved())
            fd = target.makeSocket()
            if var size = receiveBuffer { setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size)) }
            guard target.withSockaddr({ Glibc.connect(fd, $0, $1) }) == 0 else {
                throw FixtureHTTPServer.ListenError(description: "connect to \(port) failed")
            }
            var wait = timeval(tv_sec: 0, tv_usec: 100_000)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        }

        deinit { close(fd) }

        func send(_ text: String) { send(Array(text.utf8)) }

        func send(_ bytes: [UInt8]) {
            var offset = 0
            while offset < bytes.count {
                let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if sent <= 0 { return }
                offset += sent
            }
        }

        /// Reads until `marker` has arrived (true) or `timeout` passed or the server closed (false).
        @discardableResult func read(until marker: String, timeout: Double = 5) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while !text.contains(marker) {
                guard Date() < deadline, readOnce() != 0 else { return text.contains(marker) }
            }
            return true
        }

        /// Seconds until the server closed the connection, reading all it sends; nil when still open after `timeout`.
        func secondsUntilClosed(timeout: Double = 6) -> Double? {
            let started = Date()
            while Date().timeIntervalSince(started) < timeout {
                if readOnce() == 0 { return Date().timeIntervalSince(started) }
            }
            return nil
        }

        /// One recv: its byte count, 0 at end of stream or reset, -1 when nothing came within 100 ms.
        private func readOnce() -> Int {
            var buffer = [UInt8](repeating: 0, count: 65_536)
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 { received += buffer[0..<count]; return count }
            if count < 0, errno == EAGAIN || errno == EINTR { return -1 }
            return 0
        }
    }

    static let timeouts = """
        client_header_timeout 1s; client_body_timeout 1s; keepalive_timeout 1s; send_timeout 1s;
        uwsgi_send_timeout 1s; uwsgi_read_timeout 1s; client_max_body_size 64m;
        """

    // MARK: timeouts

    @Test func aHeadThatNeverCompletesIsClosedAfterClientHeaderTimeout() throws {
        let front = try RunningFront(http: Self.timeouts)
        let client = try front.connect()
        client.send("GET /static/small.txt HTTP/1.1\r\nHost: x\r\n")
        let closed = try #require(client.secondsUntilClosed())
        #expect(closed > 0.5 && closed < 4, "client_header_timeout 1s: closed after \(closed)s")
        #expect(client.received.isEmpty, "nginx closes without an answer: \(client.text)")
    }

    @Test func anIdleKeepAliveConnectionIsClosedAfterKeepaliveTimeout() throws {
        let front = try RunningFront(http: Self.timeouts)
        let client = try front.connect()
        client.send("GET /static/small.txt HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(client.read(until: "small\n"))
        let closed = try #require(client.secondsUntilClosed())
        #expect(closed > 0.5 && closed < 4, "keepalive_timeout 1s: closed after \(closed)s")
    }

    @Test func aBodyThatStopsComingIsLoggedAs408AfterClientBodyTimeout() throws {
        let front = try RunningFront(http: Self.timeouts)
        let client = try front.connect()
        client.send("POST /up/form HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly ten b")
        let closed = try #require(client.secondsUntilClosed())
        #expect(closed > 0.5 && closed < 4, "client_body_timeout 1s: closed after \(closed)s")
        #expect(front.log("access.log", contains: "\"POST /up/form HTTP/1.1\" 408"), "\(front.log("access.log"))")
    }

    @Test func aClientThatStopsReadingIsClosedAfterSendTimeout() throws {
        let front = try RunningFront(http: Self.timeouts)
        let client = try front.connect(receiveBuffer: 4096)
        client.send("GET /static/big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
        Thread.sleep(forTimeInterval: 2.5)  // reading nothing: the front's writes block, send_timeout runs out
        let closed = try #require(client.secondsUntilClosed(timeout: 20))
        #expect(closed < 20)
        #expect(client.text.hasPrefix("HTTP/1.1 200 OK"))
        #expect(client.received.count < 64 << 20, "the transfer was cut: \(client.received.count) bytes")
    }

    @Test func anUpstreamThatTakesNothingIs504AfterUwsgiSendTimeout() throws {
        let front = try RunningFront(http: Self.timeouts)
        let listener = try listeningUnixSocket(front.upstreamSocket)  // connected by the backlog, never read
        defer { close(listener) }
        let client = try front.connect()
        let body = [UInt8](repeating: UInt8(ascii: "b"), count: 8 << 20)
        let started = Date()
        client.send(Array("POST /up/upload HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body)
        #expect(client.read(until: "</html>", timeout: 8))
        #expect(client.text.hasPrefix("HTTP/1.1 504"), "\(client.text.prefix(100))")
        #expect(Date().timeIntervalSince(started) < 8)
        #expect(front.log("error.log").contains("upstream timed out (110: Connection timed out) while sending request to upstream"))
    }

    @Test func keepaliveRequestsEndsTheConnectionAfterItsCount() throws {
        let front = try RunningFront(http: "keepalive_requests 2;")
        let client = try front.connect()
        client.send("GET /static/small.txt HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(client.read(until: "small\n"))
        #expect(client.text.contains("Connection: keep-alive"))
        client.received = []
        client.send("GET /static/small.txt HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(client.read(until: "small\n"))
        #expect(client.text.contains("Connection: close"), "the second of keepalive_requests 2")
        #expect(try #require(client.secondsUntilClosed()) < 2)
    }

    // MARK: worker_connections

    @Test func workerConnectionsIsACapAndFreedSlotsAreReused() throws {
        // 4 with the listening socket counted, as nginx counts it: three clients fit.
        let front = try RunningFront(http: "", workerConnections: 4)
        let held = try (0..<3).map { _ in try front.connect() }
        for client in held {
            client.send("GET /static/small.txt HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(client.read(until: "small\n"))
        }
        let refused = try front.connect()
        refused.send("GET /static/small.txt HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try #require(refused.secondsUntilClosed()) < 2)
        #expect(refused.received.isEmpty, "closed without an answer, as nginx does")
        #expect(front.log("error.log").contains("[alert]") && front.log("error.log").contains("4 worker_connections are not enough"))
        shutdown(held[0].fd, Int32(SHUT_RDWR))  // the front sees the end and frees its slot
        Thread.sleep(forTimeInterval: 0.3)
        let next = try front.connect()
        next.send("GET /static/small.txt HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(next.read(until: "small\n"), "a slot freed by a closed client is taken again")
    }

    // MARK: the upstream's framing

    func proxied(_ reply: String, request: String = "GET /up/x HTTP/1.1\r\nHost: x\r\n\r\n") throws -> (RunningFront, ClientSocket, Double?) {
        let front = try RunningFront(http: "keepalive_timeout 30s;")
        let upstream = try ScriptedUwsgiApp(path: front.upstreamSocket, reply: reply)
        let client = try front.connect()
        client.send(request)
        let closed = client.secondsUntilClosed(timeout: 1.5)
        _ = upstream
        return (front, client, closed)
    }

    @Test func bytesPastTheUpstreamsContentLengthNeverReachTheClient() throws {
        let (front, client, closed) = try proxied("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                                             + "HTTP/1.1 200 OK\r\nContent-Length: 8\r\nX-Smuggled: yes\r\n\r\nSMUGGLED")
        #expect(client.text.hasPrefix("HTTP/1.1 200 OK") && client.text.hasSuffix("\r\n\r\nok"), "\(client.text)")
        #expect(!client.text.contains("SMUGGLED"))
        #expect(closed == nil, "the client's connection stays usable")
        #expect(front.log("error.log").contains("[warn]") && front.log("error.log").contains(
            "upstream sent more data than specified in \"Content-Length\" header while reading upstream"))
    }

    @Test func anUpstreamThatEndsShortClosesTheClient() throws {
        let (front, client, closed) = try proxied("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort")
        #expect(client.text.hasPrefix("HTTP/1.1 200 OK") && client.text.hasSuffix("short"))
        #expect(closed != nil, "the client is told by a close that the body is incomplete")
        #expect(front.log("error.log").contains("upstream prematurely closed connection while reading upstream"))
    }

    @Test func a204sBodyIsDropped() throws {
        let (_, client, _) = try proxied("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello")
        #expect(client.text.hasPrefix("HTTP/1.1 204 No Content") && client.text.hasSuffix("\r\n\r\n"), "\(client.text)")
    }

    /// nginx 1.23 and later refuse this (502); Debian's 1.22 relays the last length and closes short. The safer
    /// answer is kept.
    @Test func twoDifferentUpstreamLengthsAre502() throws {
        let (front, client, _) = try proxied("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok")
        #expect(client.text.hasPrefix("HTTP/1.1 502"), "\(client.text.prefix(100))")
        #expect(front.log("error.log").contains("while reading response header from upstream"))
    }
}
