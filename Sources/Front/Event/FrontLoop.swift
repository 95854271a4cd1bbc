import CLinux
import Foundation
import StackConfig

/// One worker of the front: an epoll loop on its own thread, as an nginx worker process runs one (ngx_epoll_module,
/// ngx_event_accept, the timer tree). It accepts from the shared listening sockets (EPOLLEXCLUSIVE, so one loop
/// wakes per connection), owns the connections it accepted and their upstream sockets, the access-log buffers,
/// the clock, and the timers. Nothing in it is touched by another thread except through `FrontServer`'s shared
/// state (the current config, the stop flag) and its eventfd.
final class FrontLoop: @unchecked Sendable {  // its state is touched by its own thread only; others write to `wakeup`
    enum Owner {
        case none
        case listener(Listener)
        case client(Connection)
        case upstream(Connection)
        case wakeup
    }

    struct Listener {
        let descriptor: CInt
        let address: NginxListen.Address
    }

    let index: Int
    let clock = LogClock()
    /// Monotonic milliseconds at the start of this iteration.
    private(set) var now = 0
    private let epoll: CInt
    let wakeup: CInt
    private let shared: FrontShared
    private let listeners: [Listener]
    private var owners: [Owner] = []
    /// The client connections, for the timer scan (each knows its index here).
    private var clients: [Connection] = []
    /// Clients and upstream sockets open: nginx counts both against worker_connections.
    private var active = 0
    private var earliestDeadline = Int.max
    private var acceptPausedUntil: Int?
    /// Connections accepted by this loop (numbers them as nginx's `$connection`, unique across loops).
    private var accepted = 0
    private var warnedFull = false
    /// Access-log buffers of each config in use on this loop: the current one, and older ones until their
    /// connections are gone.
    private var logs: [ObjectIdentifier: (context: FrontContext, buffers: AccessLogBuffers, users: Int)] = [:]

    init(index: Int, listeners: [Listener], shared: FrontShared) throws {
        self.index = index
        self.listeners = listeners
        self.shared = shared
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        wakeup = eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
        guard epoll >= 0, wakeup >= 0 else { throw FrontStartError(problem: "epoll_create1() failed (\(errno): \(String(cString: strerror(errno))))") }
        own(wakeup, .wakeup)
        _ = sb_epoll_set(epoll, EPOLL_CTL_ADD, wakeup, EPOLLIN.rawValue)
        for listener in listeners {
            own(listener.descriptor, .listener(listener))
            _ = sb_epoll_set(epoll, EPOLL_CTL_ADD, listener.descriptor, EPOLLIN.rawValue | EPOLLEXCLUSIVE.rawValue)
        }
    }

    deinit {
        close(epoll)
        close(wakeup)
    }

    // MARK: running

    /// Runs until the server stops: then every connection is closed and every log buffer written.
    func run() {
        var descriptors = [CInt](repeating: 0, count: 256)
        var events = [UInt32](repeating: 0, count: 256)
        tick()
        while !shared.isStopping {
            let ready = sb_epoll_wait(epoll, &descriptors, &events, 256, waitNanoseconds())
            tick()
            if ready < 0 { if errno == EINTR { continue }; break }
            for slot in 0..<Int(ready) {
                let descriptor = Int(descriptors[slot])
                guard descriptor < owners.count else { continue }
                switch owners[descriptor] {
                case .client(let connection): connection.clientEvent(events[slot])
                case .upstream(let connection): connection.upstreamEvent(events[slot])
                case .listener(let listener): accept(listener)
                case .wakeup:
                    var value: UInt64 = 0
                    _ = read(wakeup, &value, 8)
                case .none: break
                }
            }
            if now >= earliestDeadline { expireTimers() }
            if let until = acceptPausedUntil, now >= until { resumeAccepting() }
            for entry in logs.values { entry.buffers.endOfIteration(now: clock.milliseconds) }
        }
        for connection in clients.reversed() { connection.close() }
        for entry in logs.values { entry.buffers.flushAll() }
        logs.removeAll()
    }

    private func tick() {
        var monotonic = timespec()
        clock_gettime(CLOCK_MONOTONIC, &monotonic)
        now = Int(monotonic.tv_sec) * 1000 + Int(monotonic.tv_nsec) / 1_000_000
        clock.update()
    }

    /// Until the earliest timer, a paused accept, or a buffered log's flush time (checked every 100 ms).
    private func waitNanoseconds() -> Int64 {
        var wait = earliestDeadline == Int.max ? Int.max : max(0, earliestDeadline - now)
        if let until = acceptPausedUntil { wait = min(wait, max(0, until - now)) }
        if logs.values.contains(where: { $0.buffers.waitingForFlush }) { wait = min(wait, 100) }
        return wait == Int.max ? -1 : Int64(wait) * 1_000_000
    }

    // MARK: descriptors

    func own(_ descriptor: CInt, _ owner: Owner) {
        let index = Int(descriptor)
        if index >= owners.count { owners.append(contentsOf: repeatElement(.none, count: index + 1 - owners.count + 64)) }
        owners[index] = owner
    }

    /// Registers an upstream socket of `connection` (edge-triggered, in and out).
    func addUpstream(_ descriptor: CInt, for connection: Connection) {
        own(descriptor, .upstream(connection))
        active += 1
        _ = sb_epoll_set(epoll, EPOLL_CTL_ADD, descriptor, EPOLLIN.rawValue | EPOLLOUT.rawValue | EPOLLRDHUP.rawValue | EPOLLET.rawValue)
    }

    func removeUpstream(_ descriptor: CInt) {
        owners[Int(descriptor)] = .none
        active -= 1
        close(descriptor)  // close removes it from the epoll set
    }

    /// A connection's deadline changed to `deadline` (monotonic ms): the loop wakes for it at the latest then.
    func noteDeadline(_ deadline: Int) {
        if deadline < earliestDeadline { earliestDeadline = max(deadline, now + 1) }
    }

    /// Looks at every connection: the expired ones time out; the next scan is at the earliest deadline left, at
    /// most every 10 ms (a deadline is a field write per request, so scans are how they are found).
    private func expireTimers() {
        var earliest = Int.max
        for connection in clients.reversed() {  // (a copy: a connection that times out may leave `clients`)
            guard connection.deadline != 0 else { continue }
            if connection.deadline <= now { connection.timedOut() }
            // A connection that timed out may run a new timer (an error page's send_timeout, lingering close).
            if connection.deadline != 0 { earliest = min(earliest, connection.deadline) }
        }
        earliestDeadline = earliest == Int.max ? Int.max : max(earliest, now + 10)
    }

    // MARK: accepting

    private func accept(_ listener: Listener) {
        for _ in 0..<16 {
            var address = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let descriptor = sb_accept_nonblocking(listener.descriptor, &address, &length)
            if descriptor < 0 {
                let code = errno
                if code == EMFILE || code == ENFILE {
                    // nginx's answer: stop accepting for half a second instead of spinning on a ready listener.
                    shared.context.errorLog.write(.crit, connection: nil, "accept4() failed (\(code): \(String(cString: strerror(code))))")
                    pauseAccepting()
                }
                return
            }
            guard active + listeners.count < shared.workerConnections else {
                if !warnedFull {
                    shared.context.errorLog.write(.alert, connection: nil, "\(shared.workerConnections) worker_connections are not enough")
                    warnedFull = true
                }
                close(descriptor)
                continue
            }
            warnedFull = false
            let context = shared.context
            let connection = Connection(descriptor: descriptor, loop: self, context: context, listen: listener.address,
                                        number: accepted * shared.loopCount + index + 1, peer: address)
            accepted += 1
            users(of: context, +1)
            own(descriptor, .client(connection))
            connection.loopIndex = clients.count
            clients.append(connection)
            active += 1
            _ = sb_epoll_set(epoll, EPOLL_CTL_ADD, descriptor, EPOLLIN.rawValue | EPOLLOUT.rawValue | EPOLLRDHUP.rawValue | EPOLLET.rawValue)
            connection.start()
        }
    }

    private func pauseAccepting() {
        guard acceptPausedUntil == nil else { return }
        acceptPausedUntil = now + 500
        for listener in listeners { _ = sb_epoll_set(epoll, EPOLL_CTL_DEL, listener.descriptor, 0) }
    }

    private func resumeAccepting() {
        acceptPausedUntil = nil
        for listener in listeners {
            _ = sb_epoll_set(epoll, EPOLL_CTL_ADD, listener.descriptor, EPOLLIN.rawValue | EPOLLEXCLUSIVE.rawValue)
        }
    }

    /// A connection closed: its descriptor leaves the tables.
    func closed(_ connection: Connection) {
        owners[Int(connection.descriptor)] = .none
        let index = connection.loopIndex
        if index < clients.count, clients[index] === connection {
            let last = clients.removeLast()
            if index < clients.count {
                clients[index] = last
                last.loopIndex = index
            }
        }
        active -= 1
        users(of: connection.context, -1)
    }

    // MARK: access logs

    /// The access-log buffers of `context` on this loop.
    func accessLogs(_ context: FrontContext) -> AccessLogBuffers {
        logs[ObjectIdentifier(context)]!.buffers
    }

    private func users(of context: FrontContext, _ change: Int) {
        let key = ObjectIdentifier(context)
        if logs[key] == nil {
            // A config's first connection here: configs replaced since, whose connections are all gone, are let go
            // (their log files close), also those whose last connection closed while they were still in force.
            for (old, entry) in logs where entry.users == 0 && entry.context !== shared.context {
                entry.buffers.flushAll()
                logs[old] = nil
            }
            logs[key] = (context, AccessLogBuffers(context.logPolicies), 0)
        }
        logs[key]!.users += change
        if logs[key]!.users == 0, context !== shared.context {  // a config replaced by a reload, now unused
            logs[key]!.buffers.flushAll()
            logs[key] = nil
        }
    }
}
