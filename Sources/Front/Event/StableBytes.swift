import Foundation

/// Bytes at an address that never moves for the owner's lifetime (a server name, a peer address): views of them
/// can sit in a `RequestFacts` without a closure around every use. Immutable after creation.
final class StableBytes: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer

    init<Bytes: Collection>(_ source: Bytes) where Bytes.Element == UInt8 {
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(source.count, 1), alignment: 1)
        storage.copyBytes(from: source)
        bytes = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(storage)[0..<source.count])
    }

    convenience init(_ text: String) { self.init(Array(text.utf8)) }

    deinit { UnsafeMutableRawPointer(mutating: bytes.baseAddress!).deallocate() }
}

/// A peer's address and port as logs write them (`127.0.0.1`, `::1`; `unix:` and no port for a unix socket).
enum PeerAddress {
    static func strings(_ peer: sockaddr_storage) -> (address: StableBytes, port: StableBytes) {
        var peer = peer
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        switch Int32(peer.ss_family) {
        case AF_INET:
            return withUnsafePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address in
                    var raw = address.pointee.sin_addr
                    inet_ntop(AF_INET, &raw, &text, socklen_t(text.count))
                    return (StableBytes(String(cString: text)), StableBytes(String(UInt16(bigEndian: address.pointee.sin_port))))
                }
            }
        case AF_INET6:
            return withUnsafePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in
                    var raw = address.pointee.sin6_addr
                    inet_ntop(AF_INET6, &raw, &text, socklen_t(text.count))
                    return (StableBytes(String(cString: text)), StableBytes(String(UInt16(bigEndian: address.pointee.sin6_port))))
                }
            }
        default:
            return (StableBytes("unix:"), StableBytes(""))
        }
    }
}
