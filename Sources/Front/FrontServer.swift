/// stackbench's nginx: `stackbench front -c nginx.conf` serves static files from disk and passes everything else
/// over the uwsgi protocol, from the same nginx.conf a user runs nginx with (shared/spec/nginx-subset.md; nginx
/// 1.22's behaviour is the reference). Built as nginx is: one epoll loop per `worker_processes` (threads of one
/// process here), a per-connection state machine over buffers allocated once per connection, log formats compiled
/// at load, the time strings cached per second, upstream connects non-blocking inside the same loop.
///
/// Layout: FrontServer (listening sockets, loops, reload, stop), FrontContext (one config, compiled), FrontRoutes
/// (server and location choice), Admission (refuse / static / proxy), Event/ (FrontLoop, Connection and its
/// phases, the static answers and the upstream relay), HTTP/ (request head parser, path normalisation, response
/// heads), Static/ (root/alias, index, validators, ranges), Upstream/ (the uwsgi packet, the exchange, the
/// upstream's head, failures), Logs/ (access-log formats and buffers, the error log, the clock). It does not own
/// the pool behind it.
import BenchSupport
import CLinux
import Foundation
import ServerCore
import StackConfig

public final class FrontServer: @unchecked Sendable {  // immutable after init; each loop is confined to its thread, FrontShared locks itself
    private let shared: FrontShared
    private let loops: [FrontLoop]
    private let threads: [Thread]
    private let finished: DispatchGroup
    private let listeners: [FrontLoop.Listener]
    private let config: NginxConfig

    /// Binds every `listen` of `config` and starts serving; throws a one-line error when a socket cannot be bound.
    public init(config: NginxConfig) throws {
        signal(SIGPIPE, SIG_IGN)
        self.config = config
        let context = try FrontContext(config: config, loops: config.workerProcesses)
        var bound: [FrontLoop.Listener] = []
        do {
            for address in Set(config.servers.flatMap { $0.listens.map(\.address) }).sorted(by: { "\($0)" < "\($1)" }) {
                bound.append(FrontLoop.Listener(descriptor: try Self.bind(address, backlog: Int32(min(config.workerConnections, 4096))),
                                                address: address))
            }
        } catch {
            for listener in bound { close(listener.descriptor) }
            throw error
        }
        listeners = bound
        let shared = FrontShared(context: context, workerConnections: config.workerConnections, loopCount: config.workerProcesses)
        self.shared = shared
        loops = try (0..<config.workerProcesses).map { try FrontLoop(index: $0, listeners: bound, shared: shared) }
        let finished = DispatchGroup()
        self.finished = finished
        var threads: [Thread] = []
        for loop in loops {
            finished.enter()
            let thread = Thread { [finished] in
                loop.run()
                finished.leave()
            }
            thread.name = "front-worker-\(loop.index)"
            thread.stackSize = 1 << 20
            threads.append(thread)
            thread.start()
        }
        self.threads = threads
    }

    private static func bind(_ address: NginxListen.Address, backlog: Int32) throws -> CInt {
        do {
            return try Sockets.listen(socketAddress(address), backlog: backlog, flags: Int32(SOCK_NONBLOCK.rawValue), v6Only: true).descriptor
        } catch {
            throw FrontStartError(problem: "bind() to \(describe(address)) failed (\(error.code): \(String(cString: strerror(error.code))))")
        }
    }

    static func socketAddress(_ address: NginxListen.Address) -> SocketAddress {
        switch address {
        case .tcp(let host, let port): .tcp(host: host, port: port)
        case .unix(let path): .unix(path: path)
        }
    }

    static func describe(_ address: NginxListen.Address) -> String { socketAddress(address).description }

    /// The addresses bound, as `host:port` / `unix:path` (port 0 resolved).
    public var boundAddresses: [String] {
        listeners.map { listener in
            var address = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener.descriptor, $0, &length) } }
            if case .unix(let path) = listener.address { return "unix:" + path }
            let bound = PeerAddress(address)
            return bound.host + ":" + String(bound.port)
        }
    }

    /// Re-reads the configuration for new connections (SIGHUP). Listening addresses cannot change without a
    /// restart; a config that moves them, or does not load, is refused with an error-log line and the old one kept.
    public func reload(from file: String, prefix: String?) {
        do {
            let (fresh, _) = try NginxConfig.load(file: file, prefix: prefix)
            guard Set(fresh.servers.flatMap { $0.listens.map(\.address) }) == Set(config.servers.flatMap { $0.listens.map(\.address) }) else {
                shared.context.errorLog.write(.alert, connection: nil, "reload refused: the listen addresses changed; restart to move them")
                return
            }
            let context = try FrontContext(config: fresh, loops: shared.loopCount)
            shared.context = context
            context.errorLog.write(.notice, connection: nil, "reconfiguring")
        } catch {
            shared.context.errorLog.write(.emerg, connection: nil, "\(error)")
        }
    }

    /// Stops the loops (each closes its connections and writes its log buffers), then the listening sockets.
    public func stop() {
        guard !shared.isStopping else { return }
        shared.isStopping = true
        for loop in loops {
            var one: UInt64 = 1
            _ = write(loop.wakeup, &one, 8)
        }
        finished.wait()
        for listener in listeners { close(listener.descriptor) }
        for case .unix(let path) in Set(config.servers.flatMap { $0.listens.map(\.address) }) { unlink(path) }
    }
}

/// What the loops share with the server: the config in force (replaced on reload), the stop flag, the limits.
final class FrontShared: @unchecked Sendable {  // current and stopping are read and written under `lock`
    private let lock = NSLock()
    private var current: FrontContext
    private var stopping = false
    let workerConnections: Int
    let loopCount: Int

    init(context: FrontContext, workerConnections: Int, loopCount: Int) {
        current = context
        self.workerConnections = workerConnections
        self.loopCount = loopCount
    }

    var context: FrontContext {
        get { lock.lock(); defer { lock.unlock() }; return current }
        set { lock.lock(); current = newValue; lock.unlock() }
    }

    var isStopping: Bool {
        get { lock.lock(); defer { lock.unlock() }; return stopping }
        set { lock.lock(); stopping = newValue; lock.unlock() }
    }
}

/// The front could not start: a socket could not be bound, a log could not be opened.
public struct FrontStartError: UserFacingError {
    public let problem: String
    public init(problem: String) { self.problem = problem }
    public var exitStatus: ExitStatus { .thresholdsFailed }
    public var description: String { "front: [emerg] \(problem)" }
}
