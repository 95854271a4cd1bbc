import BenchSupport
import CCurl
import Foundation

/// One kind of request in a load: what `-m`, `-H` and `--body` describe, with a weight in a mix; GET without
/// headers or body by default.
@PublicInit
public struct RequestSpec: Sendable, Equatable {
    /// Absolute `http://` or `https://` URL. With a unix socket, its host only fills the Host header.
    public var url: String
    /// HTTP method, upper case.
    public var method: String = "GET"
    /// Header lines as `Name: value`.
    public var headers: [String] = []
    /// Request body; nil sends none.
    public var body: [UInt8]?
    /// Relative share of this request in a mix (> 0).
    public var weight: Double = 1
}

/// How a client thread uses libcurl.
public enum Engine: String, Sendable, Equatable, CaseIterable, Codable {
    /// libcurl connects (TLS included) and moves every byte; stackbench writes each HTTP/1.1 request and finds
    /// where its response ends, as wrk does. A mix sent to more than one origin, or with credentials in a URL,
    /// runs as `.curl`.
    case framed
    /// libcurl runs each request as a transfer of its own (its request building, header parsing and connection
    /// cache): any mix, at about 1.7-1.9 times the client CPU per request.
    case curl
}

/// The load model a result names (`closed`, `open`): the kind of `Schedule`, without the rate.
public enum LoadModel: String, Sendable, Equatable, Codable {
    case closed, open
}

/// When a load sends its requests.
public enum Schedule: Sendable, Equatable {
    /// Each connection sends its next request when the previous one completes (wrk, oha).
    case closed
    /// A constant arrival rate in requests per second over all threads; latency counts from the intended send
    /// time (wrk2's coordinated-omission correction).
    case open(requestsPerSecond: Double)
}

/// When a load ends, counted after the warm-up.
public enum StopCondition: Sendable, Equatable {
    /// After this many nanoseconds of measurement.
    case duration(nanoseconds: UInt64)
    /// After this many requests have completed (or failed).
    case count(Int)
}

/// Everything the engine needs to run one load: targets, shape, stop condition and client placement; wrk-like
/// defaults (50 connections, 1 thread, 10 s, closed model).
@PublicInit
public struct LoadPlan: Sendable {
    /// The requests, picked by weight for every send.
    public var requests: [RequestSpec]
    /// Send HTTP over this unix domain socket instead of TCP.
    public var unixSocketPath: String?
    /// Concurrent connections over all threads.
    public var connections: Int = 50
    /// Client threads, each with one libcurl multi handle.
    public var threads: Int = 1
    public var schedule: Schedule = .closed
    public var stop: StopCondition = .duration(nanoseconds: 10_000_000_000)
    /// Load before the measured window, not recorded.
    public var warmupNanoseconds: UInt64 = 0
    /// Per-request timeout (connect included).
    public var timeoutNanoseconds: UInt64 = 30_000_000_000
    /// When sending begins (the warm-up first), on the wall clock, so that agents on several machines start
    /// together; nil starts at once.
    public var startAt: Date?
    /// A name for this load in its result (an agent's host, say), recorded as given.
    public var tag: String?
    /// Reuse connections (HTTP keep-alive); false opens a new connection per request.
    public var keepAlive: Bool = true
    /// Who writes requests and frames responses.
    public var engine: Engine = .framed
    /// CPUs the client threads are pinned to; nil leaves them where the scheduler puts them.
    public var cpus: CPUSet?
    /// https: verify the server's certificate and name (false is curl's `--insecure`).
    public var verifyPeer: Bool = true
    /// https: trust the certificates in this PEM file instead of the system's (curl's `--cacert`).
    public var caCertificatePath: String?

    /// Checks the plan and throws the first problem (LoadPlanError), naming the setting a person would change.
    public func validate() throws {
        guard !requests.isEmpty else { throw LoadPlanError(.url, "is required") }
        for request in requests {
            try URLCheck.validate(request.url)
            guard request.weight > 0, request.weight.isFinite else {
                throw LoadPlanError(.weight, "must be > 0, got \(request.weight)")
            }
            guard !request.method.isEmpty, request.method.allSatisfy({ $0.isLetter && $0.isUppercase }) else {
                throw LoadPlanError(.method, "must be an HTTP method such as GET or POST, got \"\(request.method)\"")
            }
            for header in request.headers {
                guard let colon = header.firstIndex(of: ":"), colon != header.startIndex,
                      !header.contains("\r"), !header.contains("\n")
                else { throw LoadPlanError(.header, "must be \"Name: value\", got \"\(header)\"") }
            }
        }
        guard connections > 0 else { throw LoadPlanError(.connections, "must be > 0, got \(connections)") }
        guard threads > 0 else { throw LoadPlanError(.threads, "must be > 0, got \(threads)") }
        guard threads <= 1024 else { throw LoadPlanError(.threads, "must be at most 1024, got \(threads)") }
        guard connections >= threads else {
            throw LoadPlanError(.connections, "must be >= threads (\(threads)), got \(connections)")
        }
        switch stop {
        case .duration(let nanos) where nanos == 0: throw LoadPlanError(.duration, "must be > 0")
        case .count(let n) where n <= 0: throw LoadPlanError(.requests, "must be > 0, got \(n)")
        default: break
        }
        if case .open(let rate) = schedule, !(rate > 0 && rate.isFinite) {
            throw LoadPlanError(.rate, "must be > 0, got \(rate)")
        }
        guard timeoutNanoseconds >= 1_000_000 else { throw LoadPlanError(.timeout, "must be at least 1ms") }
        if let path = caCertificatePath, !FileManager.default.isReadableFile(atPath: path) {
            throw LoadPlanError(.caCertificate, "cannot read \"\(path)\"")
        }
        if let path = unixSocketPath, path.isEmpty || path.utf8.count > 107 {
            throw LoadPlanError(.unixSocket, "must be a path of 1 to 107 bytes, got \"\(path)\"")
        }
    }
}

/// What is wrong with a plan: the setting at fault and the problem. The library does not know how a person set it:
/// `stackbench load` says it as its flag (`-c/--connections must be > 0`), a scenario as its `load:` key.
@PublicInit(.unlabeled)
public struct LoadPlanError: UserFacingError, Equatable {
    public enum Setting: String, Sendable {
        case url = "URL", weight, method, header, connections, threads, duration, requests, rate, timeout
        case caCertificate = "CA certificate", unixSocket = "unix socket"
    }

    public let setting: Setting
    public let problem: String

    public var exitStatus: ExitStatus { .usage }
    public var description: String { "\(setting.rawValue) \(problem)" }
}

extension LoadPlan {
    /// Part `index` of `total` shared among `count` (threads, agents) as evenly as whole numbers allow.
    public static func share(of total: Int, part index: Int, among count: Int) -> Int {
        total / count + (index < total % count ? 1 : 0)
    }
}

/// The URL forms the engine accepts: `http[s]://host[:port][/path][?query]`.
enum URLCheck {
    static func validate(_ url: String) throws {
        guard let components = URLComponents(string: url), ["http", "https"].contains(components.scheme?.lowercased()),
              let host = components.host, !host.isEmpty, !url.contains(where: { $0.isWhitespace })
        else { throw LoadPlanError(.url, "must be an http:// or https:// URL such as http://127.0.0.1:8080/, got \"\(url)\"") }
        if let port = components.port, !(1...65535).contains(port) {
            throw LoadPlanError(.url, "has port \(port), outside 1-65535")
        }
        let handle = curl_url()
        defer { curl_url_cleanup(handle) }
        let status = curl_url_set(handle, CURLUPART_URL, url, 0)
        guard status == CURLUE_OK else {
            throw LoadPlanError(.url, "is rejected by libcurl (\(String(cString: curl_url_strerror(status)))): \"\(url)\"")
        }
    }
}
