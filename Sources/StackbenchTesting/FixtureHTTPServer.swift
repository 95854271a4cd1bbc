/// StackbenchTesting: support for stackbench's tests — a scriptable HTTP server to load, a runner for the built
/// binary and other processes, temporary trees. Never linked into the `stackbench` executable.
import NIOCore
import NIOHTTP1
import NIOPosix
import Foundation

/// An HTTP/1.1 server on one event-loop thread whose timing is known: every response comes after a fixed delay,
/// optionally the whole server stalls once (no response leaves during the stall), bodies are N bytes.
/// Echoes what it received in `X-Method` and `X-Body-Bytes` headers so tests can check what a client sent.
public final class FixtureHTTPServer {
    /// How the server answers.
    public struct Behavior: Sendable {
        /// Delay between receiving a whole request and sending its response.
        public var delay: TimeAmount = .zero
        /// Body size of every response, bytes.
        public var bodyBytes = 2
        /// Status of every response.
        public var status: HTTPResponseStatus = .ok
        /// Once, `after` this long from the first request, hold every response for `length`.
        public var stall: (after: TimeAmount, length: TimeAmount)?

        public init(delay: TimeAmount = .zero, bodyBytes: Int = 2, status: HTTPResponseStatus = .ok,
                    stall: (after: TimeAmount, length: TimeAmount)? = nil) {
            self.delay = delay
            self.bodyBytes = bodyBytes
            self.status = status
            self.stall = stall
        }
    }

    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let channel: Channel
    /// The TCP port on 127.0.0.1 (nil when serving a unix socket).
    public let port: Int?
    /// Requests fully received so far.
    public var requestCount: Int { (try? group.next().submit { self.state.requests }.wait()) ?? 0 }
    private let state: ServerState

    /// Starts serving on 127.0.0.1 at a free port, or on `unixSocket` when given.
    public init(_ behavior: Behavior = Behavior(), unixSocket: String? = nil) throws {
        let state = ServerState(behavior: behavior)
        self.state = state
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 1024)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(FixtureHandler(state: state))
                }
            }
        if let unixSocket {
            channel = try bootstrap.bind(unixDomainSocketPath: unixSocket, cleanupExistingSocketFile: true).wait()
            port = nil
        } else {
            channel = try bootstrap.bind(host: "127.0.0.1", port: 0).wait()
            port = channel.localAddress?.port
        }
    }

    /// `http://127.0.0.1:PORT` + path.
    public func url(_ path: String = "/") -> String { "http://127.0.0.1:\(port ?? 80)\(path)" }

    /// Stops listening and ends the event-loop thread.
    public func shutdown() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }

    deinit { shutdown() }
}

/// Server-wide state, touched only on the server's one event loop.
private final class ServerState: @unchecked Sendable {
    let behavior: FixtureHTTPServer.Behavior
    var requests = 0
    var firstRequest: NIODeadline?
    var stallEnd: NIODeadline?

    init(behavior: FixtureHTTPServer.Behavior) { self.behavior = behavior }

    /// When the response to a request completed now may leave.
    func responseTime(now: NIODeadline) -> NIODeadline {
        requests += 1
        let first = firstRequest ?? now
        firstRequest = first
        if let stall = behavior.stall, stallEnd == nil, now - first >= stall.after {
            stallEnd = now + stall.length
        }
        let ready = now + behavior.delay
        if let stallEnd, now < stallEnd { return max(ready, stallEnd) }
        return ready
    }
}

private final class FixtureHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let state: ServerState
    private var head: HTTPRequestHead?
    private var bodyBytes = 0

    init(state: ServerState) { self.state = state }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            bodyBytes = 0
        case .body(let buffer):
            bodyBytes += buffer.readableBytes
        case .end:
            guard let head else { return }
            let deadline = state.responseTime(now: .now())
            let behavior = state.behavior
            var headers = HTTPHeaders()
            headers.add(name: "Content-Length", value: String(behavior.bodyBytes))
            headers.add(name: "X-Method", value: head.method.rawValue)
            headers.add(name: "X-Body-Bytes", value: String(bodyBytes))
            let response = HTTPResponseHead(version: head.version, status: behavior.status, headers: headers)
            let body = context.channel.allocator.buffer(repeating: UInt8(ascii: "x"), count: behavior.bodyBytes)
            let send = { [self] in
                context.write(wrapOutboundOut(.head(response)), promise: nil)
                if head.method != .HEAD { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
            if deadline <= .now() {
                send()
            } else {
                context.eventLoop.scheduleTask(deadline: deadline) { send() }
            }
        }
    }
}
