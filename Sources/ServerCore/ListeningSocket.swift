import BenchSupport
import CLinux
import Foundation

/// A bound, listening socket (TCP or unix), blocking, close-on-exec.
public final class ListeningSocket: Sendable {
    /// The descriptor.
    public let descriptor: Int32
    /// The address it was asked to listen on.
    public let address: ListenAddress
    /// The TCP port actually bound (useful with port 0), or nil for unix sockets.
    public let boundPort: Int?

    /// Binds and listens. A unix socket path that exists is replaced, as uWSGI does.
    public init(address: ListenAddress, backlog: Int32 = 128) throws {
        self.address = address
        let target: SocketAddress
        switch address {
        case .unix(let path): target = .unix(path: path)
        case .tcp(let host, let port): target = .tcp(host: host, port: port)
        }
        (descriptor, boundPort) = try Sockets.listen(target, backlog: backlog)
    }

    /// Adopts a listening socket inherited from a parent process (a pool worker's), making it non-blocking so
    /// that several processes can wait on it with poll() and race for accept() safely.
    public init(inheritedDescriptor: Int32, address: ListenAddress) {
        descriptor = inheritedDescriptor
        self.address = address
        boundPort = nil
        let flags = fcntl(inheritedDescriptor, F_GETFL)
        _ = fcntl(inheritedDescriptor, F_SETFL, flags | O_NONBLOCK)
        _ = fcntl(inheritedDescriptor, F_SETFD, FD_CLOEXEC)
    }

    /// The next connection if one is waiting now, else nil (non-blocking sockets; another process may have won it).
    public func acceptIfReady() throws -> ConnectedSocket? {
        try acceptRetrying(nilWhenNoneWaits: true)
    }

    /// Waits for the next connection; retries on EINTR and on the errors accept(2) says to treat as transient.
    public func accept() throws -> ConnectedSocket {
        try acceptRetrying(nilWhenNoneWaits: false)!
    }

    private func acceptRetrying(nilWhenNoneWaits: Bool) throws -> ConnectedSocket? {
        while true {
            var storage = sockaddr_storage()
            var length = UInt32(MemoryLayout<sockaddr_storage>.size)
            let fd = sb_accept_cloexec(descriptor, &storage, &length)
            if fd >= 0 { return ConnectedSocket(descriptor: fd, peer: PeerAddress(storage)) }
            let code = errno
            if nilWhenNoneWaits && (code == EAGAIN || code == EWOULDBLOCK) { return nil }
            switch code {
            case EINTR, ECONNABORTED, EPROTO, ENETDOWN, ENOPROTOOPT, EHOSTDOWN, ENONET, EHOSTUNREACH, EOPNOTSUPP,
                 ENETUNREACH:
                continue
            default: throw SocketError("accept", code: code)
            }
        }
    }

    /// Closes the socket (and removes a unix socket's file when `removeFile`).
    public func close(removeFile: Bool = false) {
        Glibc.close(descriptor)
        if removeFile, case .unix(let path) = address { unlink(path) }
    }
}

/// A socket address as text: host and port for IP, empty for unix sockets.
@PublicInit
public struct PeerAddress: Sendable, Equatable {
    /// `127.0.0.1`, `::1`, or empty for a unix socket peer.
    public let host: String
    /// The port, 0 for unix sockets.
    public let port: Int

    /// The address of an accepted peer or a bound socket, as `accept` or `getsockname` filled it in.
    public init(_ storage: sockaddr_storage) {
        var storage = storage
        switch Int32(storage.ss_family) {
        case AF_INET:
            let address = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee } }
            self.init(host: Self.text(AF_INET, address.sin_addr), port: Int(UInt16(bigEndian: address.sin_port)))
        case AF_INET6:
            let address = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee } }
            self.init(host: Self.text(AF_INET6, address.sin6_addr), port: Int(UInt16(bigEndian: address.sin6_port)))
        default:
            self.init(host: "", port: 0)
        }
    }

    private static func text<Address>(_ family: Int32, _ address: Address) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        withUnsafeBytes(of: address) { _ = inet_ntop(family, $0.baseAddress, &buffer, socklen_t(buffer.count)) }
        return String(cString: buffer)
    }
}
