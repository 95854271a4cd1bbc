import Foundation
import ServerCore

/// Bytes at an address that never moves for the owner's lifetime (a server name, a peer address): views of them
/// can sit in a `RequestFacts` without a closure around every use. Immutable after creation.
final class StableBytes: @unchecked Sendable {  // owns bytes that are never written after creation
    let bytes: UnsafeRawBufferPointer

    init<Bytes: Collection>(_ source: Bytes) where Bytes.Element == UInt8 {
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(source.count, 1), alignment: 1)
        storage.copyBytes(from: source)
        bytes = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(storage)[0..<source.count])
    }

    convenience init(_ text: String) { self.init(Array(text.utf8)) }

    deinit { UnsafeMutableRawPointer(mutating: bytes.baseAddress!).deallocate() }
}

extension PeerAddress {
    /// The address and port as logs write them (`127.0.0.1`, `::1`; `unix:` and no port for a unix socket).
    var logBytes: (address: StableBytes, port: StableBytes) {
        host.isEmpty ? (StableBytes("unix:"), StableBytes("")) : (StableBytes(host), StableBytes(String(port)))
    }
}
