import Foundation

/// Where a socket of the front binds (`listen`) or connects (`uwsgi_pass`): a unix path, or a numeric IPv4 or
/// IPv6 host and a port, turned into the sockaddr the system call takes.
enum SocketAddress {
    case unix(path: String)
    case tcp(host: String, port: Int)

    var isIPv6: Bool { if case .tcp(let host, _) = self { host.contains(":") } else { false } }

    /// A non-blocking, close-on-exec stream socket of this address's family.
    func makeSocket() -> CInt {
        let family = switch self {
        case .unix: AF_UNIX
        case .tcp: isIPv6 ? AF_INET6 : AF_INET
        }
        return socket(family, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
    }

    /// `call` (bind or connect) with the sockaddr; -1 with errno ENAMETOOLONG when a unix path does not fit.
    func withSockaddr(_ call: (UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
        switch self {
        case .unix(let path):
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path.utf8)
            guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { errno = ENAMETOOLONG; return -1 }
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
            return Self.passing(&address, call)
        case .tcp(let host, let port) where isIPv6:
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET6, host, &address.sin6_addr)
            return Self.passing(&address, call)
        case .tcp(let host, let port):
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET, host, &address.sin_addr)
            return Self.passing(&address, call)
        }
    }

    private static func passing<Address>(_ address: inout Address, _ call: (UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
        withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { call($0, socklen_t(MemoryLayout<Address>.size)) }
        }
    }
}
