import BenchSupport
import Foundation

/// One accepted connection: blocking reads, gathered writes, sendfile. Closed when released.
///
/// Servers ignore SIGPIPE process-wide (`ConnectedSocket.ignoreBrokenPipes()`), so a peer that went away shows up
/// as EPIPE from a write, not as a signal.
@PublicInit
public final class ConnectedSocket: @unchecked Sendable {  // one thread at a time: the accepting thread hands it over whole
    /// The descriptor, owned: closed with the socket.
    public let descriptor: Int32
    /// The peer's address (empty host for unix sockets).
    public let peer: PeerAddress
    private var isClosed = false
    /// A receive timeout not yet given to the kernel: set at the first read that would wait (see `read`).
    private var pendingReceiveTimeout: Int?
    private static let maximumVectors = 1024  // IOV_MAX on Linux

    deinit { close() }

    /// Makes writes to a closed peer fail with EPIPE instead of killing the process.
    public static func ignoreBrokenPipes() {
        signal(SIGPIPE, SIG_IGN)
    }

    /// The local port of a TCP connection (SERVER_PORT), or nil for unix sockets.
    public var localPort: Int? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard status == 0 else { return nil }
        let address = PeerAddress(storage)
        return address.host.isEmpty ? nil : address.port
    }

    /// Turns Nagle's algorithm off (TCP only; a no-op on unix sockets), as nginx does on keep-alive connections:
    /// a response's head and a body written after it then leave at once instead of waiting for the peer's
    /// delayed ACK — the 40 ms stall Django's runserver shows.
    public func disableNagle() {
        var one: Int32 = 1
        _ = setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Makes each read that waits give up after `seconds` (SO_RCVTIMEO; the read then throws). The option is set
    /// only when a read would wait: a request that has arrived by the time it is read (nearly all behind nginx)
    /// costs no setsockopt, which uWSGI spares too (it polls only when a read would block).
    public func setReceiveTimeout(seconds: Int) {
        pendingReceiveTimeout = seconds
    }

    /// Reads what is available (blocking until something is); 0 means the peer closed its side.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let flags = pendingReceiveTimeout == nil ? Int32(0) : Int32(MSG_DONTWAIT)
            let count = recv(descriptor, buffer.baseAddress, buffer.count, flags)
            if count >= 0 { return count }
            if errno == EINTR { continue }
            if let seconds = pendingReceiveTimeout, errno == EAGAIN || errno == EWOULDBLOCK {
                var timeout = timeval(tv_sec: seconds, tv_usec: 0)
                setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                pendingReceiveTimeout = nil
                continue
            }
            throw SocketError("read")
        }
    }

    /// Writes every byte of `parts`, in order, with as few system calls as the kernel allows.
    public func write(_ parts: [UnsafeRawBufferPointer]) throws {
        var vectors = parts.filter { $0.count > 0 }.map {
            iovec(iov_base: UnsafeMutableRawPointer(mutating: $0.baseAddress), iov_len: $0.count)
        }
        var first = 0
        while first < vectors.count {
            let written = vectors[first...].withUnsafeBufferPointer {
                writev(descriptor, $0.baseAddress, Int32(min($0.count, ConnectedSocket.maximumVectors)))
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw SocketError("write")
            }
            var remaining = written
            while first < vectors.count && remaining >= vectors[first].iov_len {
                remaining -= vectors[first].iov_len
                first += 1
            }
            if remaining > 0 {
                vectors[first].iov_base = vectors[first].iov_base.map { $0 + remaining }
                vectors[first].iov_len -= remaining
            }
        }
    }

    /// Writes all of `bytes`.
    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write([$0]) }
    }

    /// Sends `count` bytes of `file` from `offset` with sendfile(2).
    public func sendFile(_ file: Int32, offset: Int, count: Int) throws {
        var position = off_t(offset)
        var remaining = count
        while remaining > 0 {
            let sent = sendfile(descriptor, file, &position, remaining)
            if sent < 0 {
                if errno == EINTR { continue }
                throw SocketError("sendfile")
            }
            if sent == 0 { throw SocketError("sendfile", code: EIO) }
            remaining -= sent
        }
    }

    /// Ends the write side (after the last response), letting the peer read to EOF.
    public func shutdownWrite() {
        _ = shutdown(descriptor, Int32(SHUT_WR))
    }

    /// Closes the descriptor (idempotent).
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        Glibc.close(descriptor)
    }
}
