#if canImport(Glibc)
import BenchSupport
import Glibc
#else
import Darwin
#endif

/// What an app answers: status, headers and body (`start_response` plus the returned iterable, in one value).
///
/// The headers are the app's own; servers add only what they own (Date, Server, Content-Length when they can
/// compute it, Connection and framing) and never alter the app's. Hop-by-hop headers are not the app's to send.
public struct Response {
    /// The status code, e.g. 200.
    public var status: Int
    /// The reason phrase, e.g. `OK`.
    public var reason: String
    /// The app's headers, in order.
    public var headers: [(name: String, value: String)]
    /// The body.
    public var body: ResponseBody

    /// Creates a response; the reason defaults to the standard phrase for `status`.
    public init(status: Int, reason: String? = nil, headers: [(name: String, value: String)] = [],
                body: ResponseBody = .bytes([])) {
        self.status = status
        self.reason = reason ?? HTTPReason.phrase(for: status)
        self.headers = headers
        self.body = body
    }

    /// The first value of header `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.equalsIgnoringASCIICase(name) }?.value
    }
}

/// A response body.
public enum ResponseBody {
    /// The whole body in memory.
    case bytes([UInt8])
    /// A body produced piece by piece; the server sends each chunk as it comes and calls `close()` at the end,
    /// also when the client went away or a chunk threw.
    case chunks(ChunkSource)
    /// A region of an open file, which servers may send with sendfile.
    case file(FileRegion)

    /// The body's length when it is known without producing it.
    public var knownLength: Int? {
        switch self {
        case .bytes(let bytes): return bytes.count
        case .file(let region): return region.count
        case .chunks: return nil
        }
    }
}

/// A body that is produced one chunk at a time (a WSGI app returning an iterable).
public protocol ChunkSource: AnyObject {
    /// The next chunk, or nil at the end.
    func nextChunk() throws -> [UInt8]?
    /// Releases what the source holds; called exactly once by the server.
    func close()
}

/// A region of an open file; owns the descriptor and closes it when released.
@PublicInit
public final class FileRegion {
    /// The open file.
    public let descriptor: Int32
    /// Where the region starts.
    public let offset: Int
    /// How many bytes it spans.
    public let count: Int

    deinit { close(descriptor) }
}

/// Standard reason phrases, as Python's `http.HTTPStatus` and nginx spell them.
public enum HTTPReason {
    /// The phrase for `status`, or `Unknown` for codes outside the table.
    public static func phrase(for status: Int) -> String {
        switch status {
        case 100: return "Continue"
        case 200: return "OK"
        case 201: return "Created"
        case 204: return "No Content"
        case 206: return "Partial Content"
        case 301: return "Moved Permanently"
        case 302: return "Found"
        case 304: return "Not Modified"
        case 400: return "Bad Request"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 411: return "Length Required"
        case 413: return "Request Entity Too Large"
        case 414: return "Request-URI Too Long"
        case 416: return "Requested Range Not Satisfiable"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        default: return "Unknown"
        }
    }
}
