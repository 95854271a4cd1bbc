/// StackbenchTesting: support for stackbench's tests — a scriptable HTTP server to load, a runner for the built
/// binary and other processes, temporary folders. Never linked into the `stackbench` executable.
import BenchSupport
import Foundation

/// An HTTP/1.1 server whose timing is known: each response leaves a fixed delay after its whole request arrived
/// (slept with nanosleep, so within ~0.1 ms), optionally the whole server stalls once, bodies are N bytes.
/// Thread per connection, blocking sockets: simple enough to trust as a reference. Counts what it received.
public final class FixtureHTTPServer: @unchecked Sendable {  // behaviour set before it serves; its counts sit behind its lock
    /// How the server answers.
    public struct Behavior: Sendable {
        /// Delay between receiving a whole request and sending its response, ns.
        public var delayNanoseconds: UInt64
        /// Body size of every response, bytes.
        public var bodyBytes: Int
        /// Status of every response.
        public var status: Int
        /// Once, `after` ns from the first request, hold every response until `length` ns have passed.
        public var stall: (after: UInt64, length: UInt64)?

        public init(delayMilliseconds: Double = 0, bodyBytes: Int = 2, status: Int = 200,
                    stall: (afterMilliseconds: Double, lengthMilliseconds: Double)? = nil) {
            delayNanoseconds = UInt64(delayMilliseconds * 1e6)
            self.bodyBytes = bodyBytes
            self.status = status
            self.stall = stall.map { (UInt64($0.afterMilliseconds * 1e6), UInt64($0.lengthMilliseconds * 1e6)) }
        }
    }

    /// What the server has seen so far.
    public struct Seen: Sendable {
        public var requests = 0
        public var connections = 0
        public var methods: [String: Int] = [:]
        public var bodyBytes = 0
    }

    /// The TCP port on 127.0.0.1 (nil when serving a unix socket).
    public let port: Int?
    let behavior: Behavior
    private let connections: ConnectionThreads
    private let lock = NSLock()
    private var seenSoFar = Seen()
    private var firstRequest: UInt64?
    private var stallEnd: UInt64?

    /// Starts serving on 127.0.0.1 at a free port, or on `unixSocket` when given.
    public init(_ behavior: Behavior = Behavior(), unixSocket: String? = nil) throws {
        self.behavior = behavior
        let listener: Int32
        (listener, port) = try Self.listen(unixSocket: unixSocket)
        connections = ConnectionThreads(listener: listener)
        connections.start { [weak self] socket in self?.serve(FixtureConnection(socket: socket)) }
    }

    /// `http://127.0.0.1:PORT` + path.
    public func url(_ path: String = "/") -> String { "http://127.0.0.1:\(port ?? 80)\(path)" }

    /// What the server has seen so far.
    public var seen: Seen { lock.withLock { seenSoFar } }

    /// Stops listening, drops every connection and waits for the server's threads; later calls do nothing.
    public func shutdown() { connections.shutdown() }

    deinit { shutdown() }

    private func serve(_ connection: FixtureConnection) {
        lock.withLock { seenSoFar.connections += 1 }
        while let request = connection.readRequest() {
            let ready = responseTime(method: request.method, bodyBytes: request.bodyBytes)
            sleepUntil(monotonicNanoseconds: ready)
            guard connection.respond(status: behavior.status, method: request.method, bodyBytes: behavior.bodyBytes,
                                     receivedBodyBytes: request.bodyBytes),
                  !request.close
            else { return }
        }
    }

    /// Counts a request and says when its response may leave.
    private func responseTime(method: String, bodyBytes: Int) -> UInt64 {
        let now = monotonicNanoseconds()
        return lock.withLock {
            seenSoFar.requests += 1
            seenSoFar.methods[method, default: 0] += 1
            seenSoFar.bodyBytes += bodyBytes
            let first = firstRequest ?? now
            firstRequest = first
            if let stall = behavior.stall, stallEnd == nil, now - first >= stall.after {
                stallEnd = now + stall.length
            }
            let ready = now + behavior.delayNanoseconds
            if let stallEnd, now < stallEnd { return max(ready, stallEnd) }
            return ready
        }
    }
}
