/// stackbench's nginx: `stackbench front -c nginx.conf` serves static files from disk and passes everything else
/// over the uwsgi protocol, from the same nginx.conf a user runs nginx with (shared/spec/nginx-subset.md; nginx
/// 1.22's behaviour is the reference). It owns the listening sockets, one SwiftNIO event loop per
/// `worker_processes`, the pidfile, and reload/stop by signal. It does not own the pool behind it.
///
/// Files: FrontServer (bootstrap, signals), FrontContext (shared state), FrontRoutes (server and location choice),
/// RequestURI (normalisation), StaticFiles (root/alias, index, validators, ranges), UwsgiUpstream and
/// UwsgiRequestVars (uwsgi_pass), FrontHandler (one connection), FrontLogs (access and error logs), ErrorPage.
import BenchSupport
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import StackConfig

public final class FrontServer: Sendable {
    private let group: MultiThreadedEventLoopGroup
    private let loops: [EventLoop]
    private let context: NIOLockedValueBox<FrontContext>
    private let channels: [Channel]
    private let config: NginxConfig
    private let connections = NIOLockedValueBox(0)

    /// Binds every `listen` of `config` and starts serving; throws a one-line error when a socket cannot be bound.
    public init(config: NginxConfig) throws {
        self.config = config
        group = MultiThreadedEventLoopGroup(numberOfThreads: config.workerProcesses)
        loops = Array(group.makeIterator())
        let front: FrontContext
        do { front = try FrontContext(config: config, loops: loops) } catch {
            try? group.syncShutdownGracefully()
            throw error
        }
        context = NIOLockedValueBox(front)
        var bound: [Channel] = []
        let addresses = Set(config.servers.flatMap { $0.listens.map(\.address) })
        do {
            for address in addresses.sorted(by: { "\($0)" < "\($1)" }) {
                bound.append(try Self.bind(address, group: group, backlog: Int32(min(config.workerConnections, 4096)),
                                           context: context, connections: connections))
            }
        } catch {
            for channel in bound { try? channel.close().wait() }
            try? group.syncShutdownGracefully()
            throw error
        }
        channels = bound
    }

    private static func bind(_ address: NginxListen.Address, group: EventLoopGroup, backlog: Int32,
                             context: NIOLockedValueBox<FrontContext>, connections: NIOLockedValueBox<Int>) throws -> Channel {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: backlog)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 4)
            .childChannelInitializer { channel in
                let front = context.withLockedValue { $0 }
                let number = connections.withLockedValue { count -> Int in count += 1; return count }
                return channel.eventLoop.makeCompletedFuture {
                    var limits = NIOHTTPDecoderLimitConfiguration()
                    let scope = front.routes.byListen[address]?.first?.scope.scope
                    limits.maxHeaderFieldSize = scope?.largeClientHeaderBufferSize ?? 8192
                    limits.maxHeaderListSize = 4 * (scope?.largeClientHeaderBufferSize ?? 8192)
                    // Outbound header validation is off: the front writes its own headers, and an upstream's are
                    // checked where they are parsed (UwsgiUpstream.parse), once.
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withPipeliningAssistance: true, withErrorHandling: false, withOutboundHeaderValidation: false,
                        withEncoderConfiguration: .init(), withDecoderLimitConfiguration: limits)
                    try channel.pipeline.syncOperations.addHandler(FrontHandler(front: front, listen: address, connection: number))
                }
            }
        do {
            switch address {
            case .tcp(let host, let port): return try bootstrap.bind(host: host, port: port).wait()
            case .unix(let path):
                unlink(path)
                return try bootstrap.bind(unixDomainSocketPath: path).wait()
            }
        } catch let error as IOError {
            throw FrontStartError(problem: "bind() to \(Self.describe(address)) failed (\(error.errnoCode): \(String(cString: strerror(error.errnoCode))))")
        }
    }

    static func describe(_ address: NginxListen.Address) -> String {
        switch address {
        case .tcp(let host, let port): return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .unix(let path): return "unix:\(path)"
        }
    }

    /// The addresses bound, as `host:port` / `unix:path` (port 0 resolved).
    public var boundAddresses: [String] {
        channels.compactMap { channel in
            guard let local = channel.localAddress else { return nil }
            if let path = local.pathname { return "unix:" + path }
            return "\(local.ipAddress ?? ""):\(local.port ?? 0)"
        }
    }

    /// Re-reads the configuration for new connections (SIGHUP). Listening addresses cannot change without a
    /// restart; a config that moves them, or does not load, is refused with an error-log line and the old one kept.
    public func reload(from file: String, prefix: String?) {
        do {
            let (fresh, _) = try NginxConfig.load(file: file, prefix: prefix)
            guard Set(fresh.servers.flatMap { $0.listens.map(\.address) }) == Set(config.servers.flatMap { $0.listens.map(\.address) }) else {
                context.withLockedValue { $0 }.errorLog.write(.alert, connection: nil, "reload refused: the listen addresses changed; restart to move them")
                return
            }
            let front = try FrontContext(config: fresh, loops: loops)
            context.withLockedValue { $0 = front }
            front.errorLog.write(.notice, connection: nil, "reconfiguring")
        } catch {
            context.withLockedValue { $0 }.errorLog.write(.emerg, connection: nil, "\(error)")
        }
    }

    /// Flushes the access logs every second until stopped.
    public func startFlushing() {
        for loop in loops {
            let front = context
            loop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in
                front.withLockedValue { $0 }.loopState(loop).accessLog.flush()
            }
        }
    }

    /// Closes the listening sockets, lets connections go, writes what the logs hold, stops the loops.
    public func stop() {
        for channel in channels { try? channel.close().wait() }
        for case .unix(let path) in Set(config.servers.flatMap { $0.listens.map(\.address) }) { unlink(path) }
        let front = context.withLockedValue { $0 }
        try? front.flushAccessLogs(loops).wait()
        try? group.syncShutdownGracefully()
    }
}

/// The front could not start: a socket could not be bound, a log could not be opened.
public struct FrontStartError: UserFacingError {
    public let problem: String
    public init(problem: String) { self.problem = problem }
    public var exitStatus: ExitStatus { .thresholdsFailed }
    public var description: String { "front: [emerg] \(problem)" }
}
