import BenchSupport

/// UwsgiProtocol: the uwsgi wire format nginx's `uwsgi_pass` speaks, shared by the front (which writes packets)
/// and the pool (which reads them).
///
/// Owns: the 4-byte header (modifier1, little-endian datasize, modifier2), the vars block of
/// `u16 keylen | key | u16 vallen | value` pairs, and the checks uWSGI 2.0 applies to it, with uWSGI's own log
/// wording for each refusal.
/// Must not: do I/O; it works on bytes handed to it.
/// Mirrors: uWSGI 2.0 `proto/uwsgi.c` and nginx 1.22 `ngx_http_uwsgi_module.c`; see shared/spec/uwsgi-protocol.md.

/// The fixed header in front of every uwsgi packet.
@PublicInit
public struct UwsgiHeader: Equatable, Sendable {
    /// 0 for a WSGI request.
    public var modifier1: UInt8 = 0
    /// The length of the vars block (not the body).
    public var datasize: Int
    public var modifier2: UInt8 = 0

    /// The header's size on the wire.
    public static let size = 4

    /// Reads the first four bytes of `bytes` (which must hold at least four).
    public init(_ bytes: UnsafeRawBufferPointer) {
        modifier1 = bytes[0]
        datasize = Int(bytes[1]) | Int(bytes[2]) << 8
        modifier2 = bytes[3]
    }
}

/// Why a packet is refused; `description` is uWSGI's log line for it. uWSGI closes the connection without an
/// answer in every case.
public enum UwsgiPacketError: Error, Equatable, CustomStringConvertible {
    case blockTooLarge(size: Int, maximum: Int)
    case empty
    case nullKey
    case overrun(stringSize: Int)
    case tooManyVariables
    case unavailableModifier(UInt8)

    public var description: String {
        switch self {
        case .blockTooLarge(let size, let maximum): return "invalid request block size: \(size) (max \(maximum))...skip"
        case .empty: return "Empty python request. skip."
        case .nullKey: return "uwsgi key cannot be null. skip this var."
        case .overrun(let size): return "invalid uwsgi request (current strsize: \(size)). skip."
        case .tooManyVariables: return "max vec size reached. skip this var."
        case .unavailableModifier(let modifier): return "-- unavailable modifier requested: \(modifier) --"
        }
    }
}
