import BenchSupport
import Foundation
@testable import LoadEngine
import StackbenchTesting
import Testing

/// Servers that never end a response, and rates at the edges of what a double holds (issue 29): the load keeps
/// its window (`-d`) and its `--timeout`, counts the failures as libcurl counts them, and reports the window it
/// was asked for. Margins are generous: the point is that a run ends near its window, not at 60 s.
@Suite(.serialized) struct HostileServerTests {
    /// After reading a request, writes `prefix` once, then `repeated` until the client goes away.
    final class EndlessServer: Sendable {
        let port: Int
        private let connections: ConnectionThreads

        init(prefix: String, repeated: String) throws {
            let (listener, bound) = try Sockets.listen(.tcp(host: "127.0.0.1", port: 0), backlog: 64)
            port = bound!
            connections = ConnectionThreads(listener: listener)
            let head = Array(prefix.utf8), piece = Array(String(repeating: repeated, count: max(1, 16_384 / repeated.utf8.count)).utf8)
            connections.start { socket in
                var request = [UInt8](repeating: 0, count: 65_536)
                guard read(socket, &request, request.count) > 0 else { return }
                var bytes = head.isEmpty ? piece : head
                while bytes.withUnsafeBytes({ send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) > 0 { bytes = piece }
            }
        }

        deinit { connections.shutdown() }

        var url: String { "http://127.0.0.1:\(port)/" }
    }

    static func run(_ engine: Engine, _ url: String, seconds: Double, rate: Double? = nil, warmup: Double = 0) throws -> (RunResult, Double) {
        var plan = LoadPlan(requests: [RequestSpec(url: url)])
        plan.warmupNanoseconds = UInt64(warmup * 1e9)
        plan.engine = engine
        plan.connections = 2
        plan.stop = .duration(nanoseconds: UInt64(seconds * 1e9))
        plan.timeoutNanoseconds = 5_000_000_000
        if let rate { plan.schedule = .open(requestsPerSecond: rate) }
        let started = Date()
        let result = try LoadRun.run(plan)
        return (result, Date().timeIntervalSince(started))
    }

    static let endless: [(name: String, prefix: String, repeated: String, curlCode: String)] = [
        ("100 Continue forever", "", "HTTP/1.1 100 Continue\r\n\r\n", "56"),
        ("header lines forever", "HTTP/1.1 200 OK\r\n", "X-A: b\r\n", "56"),
        ("one header line forever", "HTTP/1.1 200 OK\r\nX-Big: ", "aaaaaaaa", "27"),
    ]

    @Test(arguments: 0..<endless.count)
    func aServerThatNeverEndsItsHeadFailsEachRequestAndTheWindowHolds(row: Int) throws {
        let (name, prefix, repeated, code) = Self.endless[row]
        let server = try EndlessServer(prefix: prefix, repeated: repeated)
        for engine in [Engine.framed, .curl] {
            let (result, took) = try Self.run(engine, server.url, seconds: 1)
            #expect(took < 4, "\(name), \(engine): -d 1s ran \(took) s")
            #expect(result.summary.responses == 0 && result.errors.byCurlCode[code, default: 0] > 0,
                    "\(name), \(engine): \(result.errors.byCurlCode) unfinished \(result.summary.unfinished)")
            // The process's CPU includes this test's server threads: each client thread's own share is what is checked.
            #expect((result.perThread ?? []).allSatisfy { $0.shareOfCore <= 1.05 }, "\(name), \(engine): \((result.perThread ?? []).map(\.shareOfCore)) of a core")
        }
    }

    /// A server that writes the answer's head at once and its body 50 ms later: both engines put the first byte
    /// at the head and the latency at the body, so the client's split shows where the wait was.
    @Test func theFirstByteIsTimedApartFromTheLast() throws {
        let (listener, bound) = try Sockets.listen(.tcp(host: "127.0.0.1", port: 0), backlog: 64)
        let connections = ConnectionThreads(listener: listener)
        defer { connections.shutdown() }
        connections.start { socket in
            var request = [UInt8](repeating: 0, count: 65_536)
            while read(socket, &request, request.count) > 0 {
                let head = Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n".utf8), body = Array("ok".utf8)
                guard send(socket, head, head.count, Int32(MSG_NOSIGNAL)) == head.count else { return }
                usleep(50_000)
                guard send(socket, body, body.count, Int32(MSG_NOSIGNAL)) == body.count else { return }
            }
        }
        for engine in [Engine.framed, .curl] {
            let (result, _) = try Self.run(engine, "http://127.0.0.1:\(bound!)/", seconds: 0.6)
            let firstByte = try #require(result.firstByteLatency, "\(engine)")
            #expect(result.summary.responses >= 4 && firstByte[.p50] < 20_000 && result.latency[.p50] >= 49_000,
                    "\(engine): first byte \(firstByte[.p50]) µs, last \(result.latency[.p50]) µs")
        }
    }

    /// A request the server never answers is counted unfinished with how long it had waited when the window
    /// closed, on both engines — also one sent in the warm-up, which held its connection through the whole window:
    /// the percentiles cannot show it, so the result says it.
    @Test func aRequestNeverAnsweredIsCountedWithItsAge() throws {
        for engine in [Engine.framed, .curl] {
            for (warmup, expected) in [(0.0, 0.7...1.5), (0.5, 1.2...2.0)] {
                let server = try ScriptedHTTPServer { index in index == 0 ? .init("") : .init("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok") }
                defer { server.shutdown() }
                let (result, _) = try Self.run(engine, server.url(), seconds: 1, warmup: warmup)
                #expect(result.summary.unfinished >= 1 && result.summary.responses > 10, "\(engine), warm-up \(warmup): \(result.summary)")
                let oldest = try #require(result.summary.oldestUnfinishedSeconds, "\(engine), warm-up \(warmup)")
                #expect(expected.contains(oldest), "\(engine), warm-up \(warmup): the unanswered request waited \(oldest) s")
            }
        }
    }

    @Test func anOpenModelFarAboveWhatCanBeSentKeepsItsWindow() throws {
        let server = try ScriptedHTTPServer { _ in .init("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok") }
        defer { server.shutdown() }
        let (result, took) = try Self.run(.framed, server.url(), seconds: 1, rate: 1e18)
        #expect(took < 3, "--rate 1e18 -d 1s ran \(took) s")
        #expect(abs(result.summary.elapsedSeconds - 1) < 0.2)
        #expect((result.summary.intended ?? 0) > 100_000_000, "the due requests are counted: \(result.summary.intended ?? 0)")
    }

    @Test func anOpenModelFarBelowOneRequestPerWindowReportsTheWholeWindow() throws {
        let server = try ScriptedHTTPServer { _ in .init("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok") }
        defer { server.shutdown() }
        let (result, _) = try Self.run(.framed, server.url(), seconds: 1, rate: 0.0001)
        #expect(abs(result.summary.elapsedSeconds - 1) < 0.2, "elapsed \(result.summary.elapsedSeconds)")
        #expect(result.summary.responsesPerSecond <= 1.5, "\(result.summary.responsesPerSecond) req/s from one request in 1 s")
    }
}
