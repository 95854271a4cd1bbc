import Foundation

/// Where a socket binds or connects: a unix path, or a host and port. The one place the sockaddr structures are
/// filled in, for the servers (front, pool, dev server), the harness and the test support alike.
public enum SocketAddress: Sendable, Hashable {
    case unix(path: String)
    case tcp(host: String, port: Int)

    /// The address as the kernel takes it: numeric hosts parsed in place, names through getaddrinfo (its first
    /// answer); nil with errno ENAMETOOLONG (a unix path over sun_path) or EADDRNOTAVAIL (a name that does not
    /// resolve).
    public func resolved() -> ResolvedSocketAddress? {
        var resolved = ResolvedSocketAddress()
        switch self {
        case .unix(let path):
            let bytes = Array(path.utf8)
            var address = sockaddr_un()
            guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { errno = ENAMETOOLONG; return nil }
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
            resolved.store(address, family: AF_UNIX)
        case .tcp(let host, let port):
            if host.contains(":") {
                var address = sockaddr_in6()
                address.sin6_family = sa_family_t(AF_INET6)
                address.sin6_port = in_port_t(UInt16(truncatingIfNeeded: port).bigEndian)
                if inet_pton(AF_INET6, host, &address.sin6_addr) == 1 { resolved.store(address, family: AF_INET6); return resolved }
            } else {
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_port = in_port_t(UInt16(truncatingIfNeeded: port).bigEndian)
                if inet_pton(AF_INET, host, &address.sin_addr) == 1 { resolved.store(address, family: AF_INET); return resolved }
            }
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            hints.ai_flags = AI_NUMERICSERV
            var list: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else { errno = EADDRNOTAVAIL; return nil }
            defer { freeaddrinfo(list) }
            withUnsafeMutableBytes(of: &resolved.storage) {
                $0.copyMemory(from: UnsafeRawBufferPointer(start: first.pointee.ai_addr, count: Int(first.pointee.ai_addrlen)))
            }
            resolved.length = first.pointee.ai_addrlen
            resolved.family = first.pointee.ai_family
        }
        return resolved
    }

    /// `host:port`, `[v6]:port` or `unix:path`, as nginx and uWSGI print addresses.
    public var description: String {
        switch self {
        case .tcp(let host, let port): host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .unix(let path): "unix:\(path)"
        }
    }
}

/// A sockaddr ready for bind or connect.
public struct ResolvedSocketAddress {
    fileprivate var storage = sockaddr_storage()
    fileprivate(set) var length: socklen_t = 0
    public fileprivate(set) var family: Int32 = AF_UNSPEC

    fileprivate mutating func store<Address>(_ address: Address, family: Int32) {
        withUnsafeMutableBytes(of: &storage) { target in withUnsafeBytes(of: address) { target.copyMemory(from: $0) } }
        length = socklen_t(MemoryLayout<Address>.size)
        self.family = family
    }

    /// A stream socket of this family; `flags` adds SOCK_NONBLOCK and the like (SOCK_CLOEXEC always).
    public func makeSocket(flags: Int32 = 0) -> Int32 {
        socket(family, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue) | flags, 0)
    }

    /// `call` (bind or connect) with the sockaddr.
    public func withSockaddr(_ call: (UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
        var copy = storage
        return withUnsafePointer(to: &copy) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { call($0, length) } }
    }
}

/// Blocking connect, listen and a free port, over SocketAddress.
public enum Sockets {
    /// A connected blocking descriptor, or nil (nothing there, refused, or an address that cannot be built).
    public static func connect(_ address: SocketAddress) -> Int32? {
        guard let target = address.resolved() else { return nil }
        let fd = target.makeSocket()
        guard fd >= 0 else { return nil }
        if target.withSockaddr({ Glibc.connect(fd, $0, $1) }) == 0 { return fd }
        close(fd)
        return nil
    }

    /// A socket bound and listening at `address` (a unix path that exists is replaced, as nginx and uWSGI do;
    /// SO_REUSEADDR on TCP; IPV6_V6ONLY on IPv6 when `v6Only`, as nginx sets it) and the TCP port bound (port 0
    /// resolved), nil for unix. `flags` as for `makeSocket`. On failure, the call that failed (`bind PATH` for a unix
    /// path too long, `resolve HOST` for a name that does not resolve) and its errno.
    public static func listen(_ address: SocketAddress, backlog: Int32, flags: Int32 = 0,
                              v6Only: Bool = false) throws(SocketError) -> (descriptor: Int32, port: Int?) {
        guard let target = address.resolved() else {
            switch address {
            case .unix(let path): throw SocketError("bind \(path)", code: ENAMETOOLONG)
            case .tcp(let host, _): throw SocketError("resolve \(host)", code: EADDRNOTAVAIL)
            }
        }
        if case .unix(let path) = address { unlink(path) }
        let fd = target.makeSocket(flags: flags)
        guard fd >= 0 else { throw SocketError("socket") }
        var one: Int32 = 1
        if target.family != AF_UNIX { setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size)) }
        if v6Only, target.family == AF_INET6 { setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size)) }
        guard target.withSockaddr({ bind(fd, $0, $1) }) == 0 else { let error = SocketError("bind"); close(fd); throw error }
        guard Glibc.listen(fd, backlog) == 0 else { let error = SocketError("listen"); close(fd); throw error }
        return (fd, target.family == AF_UNIX ? nil : boundPort(fd))
    }

    /// A TCP port on 127.0.0.1 that was free a moment ago (the kernel's choice for port 0).
    public static func freePort() throws(SocketError) -> Int {
        let (fd, port) = try listen(.tcp(host: "127.0.0.1", port: 0), backlog: 1)
        close(fd)
        return port ?? 0
    }

    /// The local port of a bound IPv4 or IPv6 socket.
    public static func boundPort(_ fd: Int32) -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return withUnsafeBytes(of: storage) { bytes in
            switch Int32(storage.ss_family) {
            case AF_INET: Int(UInt16(bigEndian: bytes.load(as: sockaddr_in.self).sin_port))
            case AF_INET6: Int(UInt16(bigEndian: bytes.load(as: sockaddr_in6.self).sin6_port))
            default: 0
            }
        }
    }
}

/// A socket could not be set up or used; the message reads like the real servers' (`That port is already in
/// use.` is runserver's wording and is left to it).
@PublicInit(.firstUnlabeled)
public struct SocketError: Error, CustomStringConvertible {
    /// The failed call, e.g. `bind`.
    public let call: String
    /// errno after the call (by default errno when the error is made).
    public var code: Int32 = errno

    public var description: String { "\(call): \(String(cString: strerror(code)))" }
}
