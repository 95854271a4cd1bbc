import BenchSupport
import Atomics
import Foundation
import ServerCore
import StackConfig
import WSGI

/// Set by SIGHUP (graceful stop) and by max-requests; the write end of the pipe that wakes every thread's poll().
nonisolated(unsafe) private var workerWakeDescriptor: Int32 = -1
private let workerStopping = ManagedAtomic<Bool>(false)

/// One worker process: `threads` threads, each in a loop of wait → accept → serve one connection, on the listening
/// sockets the master handed down. With thunder-lock one thread of the whole pool waits at a time (the robust lock
/// in the scoreboard); without it the threads of this worker take turns (uWSGI's local lock when threads > 1).
/// SIGHUP, or reaching max-requests, stops accepting, lets the requests in progress finish, and exits 0.
public final class Worker: Sendable {
    /// A listening socket and what it speaks.
    @PublicInit
    public struct Listener: Sendable {
        public enum Speaks: String, Sendable { case uwsgi, http }
        public let socket: ListeningSocket
        public let proto: Speaks
    }

    let id: Int
    let config: UwsgiConfig
    let app: Application
    let scoreboard: Scoreboard
    let listeners: [Listener]
    private let localLock = NSLock()
    private let wakePipe: (read: Int32, write: Int32)
    private let started = Date()
    private let counters = WorkerCounters()

    /// A worker numbered `id` (1-based).
    public init(id: Int, config: UwsgiConfig, app: Application, scoreboard: Scoreboard, listeners: [Listener]) throws {
        self.id = id
        self.config = config
        self.app = app
        self.scoreboard = scoreboard
        self.listeners = listeners
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw PoolError.system("pipe", errno) }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        wakePipe = (fds[0], fds[1])
    }

    /// Serves until stopped; returns the process's exit status.
    public func run() -> Int32 {
        workerWakeDescriptor = wakePipe.write
        signal(SIGHUP) { _ in Worker.beginGracefulStop() }
        signal(SIGPIPE, SIG_IGN)
        let slot = scoreboard.slot(id)
        let options = serveOptions(slot: slot)
        let finished = DispatchGroup()
        for core in 0..<config.threads {
            finished.enter()
            let thread = Thread { [self] in
                loop(core: core, options: options, slot: slot)
                finished.leave()
            }
            thread.stackSize = 8 << 20  // as a pthread's default: a Python app (Django templates) recurses deeply
            thread.start()
        }
        finished.wait()
        return 0
    }

    static func beginGracefulStop() {
        workerStopping.store(true, ordering: .relaxed)
        var byte: UInt8 = 1
        _ = write(workerWakeDescriptor, &byte, 1)
    }

    private func loop(core: Int, options: UwsgiServeOptions, slot: WorkerSlot) {
        let httpOptions = httpConnectionOptions(options)
        let observedApp = ObservedApplication(app: app, observer: ScoreboardObserver(slot: slot, harakiriSeconds: config.harakiri))
        while !workerStopping.load(ordering: .relaxed) {
            guard let (connection, listener) = nextConnection() else { continue }
            switch listener.proto {
            case .uwsgi:
                UwsgiConnection.serve(connection, app: app, options: options, counters: counters, core: core)
            case .http:
                HTTPConnection.serve(connection, app: observedApp, options: httpOptions)
            }
            if config.maxRequests > 0, slot.deltaRequests >= config.maxRequests, Date().timeIntervalSince(started) >= 10,
               !workerStopping.exchange(true, ordering: .relaxed) {
                PoolLog.write("...The work of process \(getpid()) is done. Seeya!")
                Worker.beginGracefulStop()
            }
        }
    }

    /// Waits (holding the accept lock) until a listener has a connection or the worker is told to stop.
    private func nextConnection() -> (ConnectedSocket, Listener)? {
        if config.thunderLock {
            guard let recovered = scoreboard.thunderLock.lock(unless: { workerStopping.load(ordering: .relaxed) }) else {
                return nil
            }
            if recovered { PoolLog.write("[deadlock-detector] a process holding a robust mutex died. recovering...") }
        } else if config.threads > 1 {
            localLock.lock()
        }
        defer {
            if config.thunderLock { scoreboard.thunderLock.unlock() } else if config.threads > 1 { localLock.unlock() }
        }
        var descriptors = listeners.map { pollfd(fd: $0.socket.descriptor, events: Int16(POLLIN), revents: 0) }
        descriptors.append(pollfd(fd: wakePipe.read, events: Int16(POLLIN), revents: 0))
        while !workerStopping.load(ordering: .relaxed) {
            let ready = poll(&descriptors, nfds_t(descriptors.count), -1)
            if ready < 0 { continue }  // EINTR
            for (index, listener) in listeners.enumerated() where descriptors[index].revents != 0 {
                if let connection = try? listener.socket.acceptIfReady() { return (connection, listener) }
            }
        }
        return nil
    }

    private func serveOptions(slot: WorkerSlot) -> UwsgiServeOptions {
        var options = UwsgiServeOptions(
            bufferSize: config.bufferSize, postBuffering: config.postBuffering, socketTimeout: config.socketTimeout,
            requestLogging: !config.disableLogging, multithread: config.threads > 1, multiprocess: config.workers > 1,
            log: { PoolLog.write($0) }, errors: PoolErrorLog())
        options.observer = ScoreboardObserver(slot: slot, harakiriSeconds: config.harakiri)
        return options
    }

    private func httpConnectionOptions(_ options: UwsgiServeOptions) -> HTTPConnectionOptions {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "localhost"
        let logging = options.requestLogging
        var http = HTTPConnectionOptions(
            style: .uwsgiHTTPSocket, identity: .init(name: host, port: "80", software: nil), serverHeader: nil,
            keepAlive: false, multithread: options.multithread, multiprocess: options.multiprocess, answerToAppError: nil,
            log: { [counters] record in
                guard logging else { return }
                let parts = record.requestLine.split(separator: " ", maxSplits: 2).map(String.init)
                guard parts.count == 3 else { return }
                let done = counters.requests.wrappingIncrementThenLoad(ordering: .relaxed)
                PoolLog.write(UwsgiRequestLog(
                    pid: getpid(), appRequests: done, workerRequests: done, remoteAddress: record.remoteAddress,
                    remoteUser: "", variableCount: record.variableCount, datasize: 0, started: record.started,
                    method: parts[0], uri: parts[1], bodyBytes: record.bodyBytes, milliseconds: record.durationMicros / 1000,
                    proto: parts[2], status: record.status, headerCount: record.headerCount, headerBytes: 0, switches: 1,
                    core: 0).line)
            },
            errors: PoolErrorLog())
        http.maximumHeadBytes = config.bufferSize
        return http
    }
}

/// `wsgi.errors` in a pool process: the pool's log.
struct PoolErrorLog: ErrorLog {
    func write(_ line: String) { PoolLog.write(line) }
}
