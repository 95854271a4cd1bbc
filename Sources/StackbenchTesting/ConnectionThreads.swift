import BenchSupport
import Foundation

/// A listening socket served by one thread per accepted connection, for the test servers (FixtureHTTPServer,
/// and the raw peers of the engine tests): blocking sockets, simple enough to trust as a reference.
/// `shutdown()` stops listening, shuts every open connection down, waits for every thread and closes the listener.
@PublicInit
public final class ConnectionThreads: @unchecked Sendable {  // open and stopping are read and written under `lock`
    /// A listening socket, taken over; nothing is accepted before `start`.
    private let listener: Int32
    private let lock = NSLock()
    private var open: Set<Int32> = []
    private var stopping = false
    private let threads = DispatchGroup()

    /// Accepts connections and runs `serve` for each on a thread of its own; the socket is closed after it.
    public func start(_ serve: @escaping @Sendable (Int32) -> Void) {
        threads.enter()
        Thread { [self] in acceptLoop(serve) }.start()
    }

    /// Later calls do nothing.
    public func shutdown() {
        let sockets: Set<Int32>? = lock.withLock {
            if stopping { return nil }
            stopping = true
            return open
        }
        guard let sockets else { return }
        Glibc.shutdown(listener, Int32(SHUT_RDWR))
        sockets.forEach { _ = Glibc.shutdown($0, Int32(SHUT_RDWR)) }
        threads.wait()
        close(listener)
    }

    private func acceptLoop(_ serve: @escaping @Sendable (Int32) -> Void) {
        defer { threads.leave() }
        while true {
            let socket = accept(listener, nil, nil)
            let accepted: Bool = lock.withLock {
                guard socket >= 0, !stopping else { return false }
                open.insert(socket)
                return true
            }
            guard accepted else {
                if socket >= 0 { close(socket) }
                if lock.withLock({ stopping }) { return }
                continue
            }
            threads.enter()
            Thread { [self] in
                serve(socket)
                lock.withLock { _ = open.remove(socket) }
                close(socket)
                threads.leave()
            }.start()
        }
    }
}
