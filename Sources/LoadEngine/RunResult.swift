import BenchSupport
import Foundation

/// The result of one load, as written by `stackbench load --json` (schema documented in docs/load-json.md).
/// Latencies are microseconds, and say so in their JSON keys; rates are per second of the measured window.
/// Throughput and latency count completed responses only: a failed connect is counted, by kind, beside them.
@PublicInit
public struct RunResult: Codable, Sendable {
    /// Schema name and version; bumped on any incompatible change.
    /// /2: latency, rates and the per-second series from responses only; units in the keys; `perRequest`.
    public static let currentSchema = "stackbench.load/2"

    public var schema: String = RunResult.currentSchema
    /// When the measured window began (ISO 8601, UTC, to the millisecond).
    public var startedAt: String
    /// `--tag`: a name for this load (an agent's host), as given.
    public var tag: String?
    public var config: Config
    public var summary: Summary
    /// From the intended send time in the open model; from the actual send time in the closed one.
    public var latency: LatencySummary
    /// From the actual send time; present in the open model only.
    public var uncorrectedLatency: LatencySummary?
    /// To the response's first byte from the request's actual send, answered requests only (the rest of the
    /// latency is the answer's transfer); nil in results of load agents merged (percentiles do not merge) and in
    /// results written before it was recorded.
    public var firstByteLatency: LatencySummary?
    /// Responses by status code ("200") and by class ("2xx").
    public var statusCodes: [String: Int]
    public var statusClasses: [String: Int]
    public var errors: ErrorCounts
    public var clientCPU: ClientCPU
    public var perSecond: [SecondSample]
    /// The latency histogram behind `latency`, exact and mergeable.
    public var histogram: EncodedHistogram
    /// The histogram behind `uncorrectedLatency` (open model only).
    public var uncorrectedHistogram: EncodedHistogram?
    /// Each request of the mix on its own, in `config.requests` order; nil when the load had one request.
    public var perRequest: [RequestBreakdown]?
    /// Each client thread's connections, responses and CPU: whether the load was spread evenly (absent before
    /// it was recorded).
    public var perThread: [ThreadBalance]?
    /// A merged result (`stackbench merge`): each agent's part, with its own client CPU and warnings.
    public var agents: [AgentPart]?
    /// Things a reader must know before trusting the numbers, one sentence each.
    public var warnings: [String]

    enum CodingKeys: String, CodingKey {
        case schema, startedAt, tag, config, summary, statusCodes, statusClasses, errors, clientCPU, perSecond, perRequest,
             perThread, agents, warnings
        case latency = "latencyMicroseconds"
        case uncorrectedLatency = "uncorrectedLatencyMicroseconds"
        case firstByteLatency = "firstByteMicroseconds"
        case histogram = "latencyHistogramMicroseconds"
        case uncorrectedHistogram = "uncorrectedLatencyHistogramMicroseconds"
    }

    /// The load as it was asked for.
    @PublicInit
    public struct Config: Codable, Sendable {
        public var requests: [Request]
        public var unixSocket: String?
        public var connections: Int
        public var threads: Int
        public var model: LoadModel
        /// Intended arrival rate, open model only.
        public var rate: Double?
        public var durationSeconds: Double?
        public var count: Int?
        public var warmupSeconds: Double
        public var timeoutSeconds: Double
        public var keepAlive: Bool
        /// Client CPUs as a `taskset -c` list, or nil when unpinned.
        public var cpus: String?
        /// https: certificates were not verified (`--insecure`).
        public var insecure: Bool?
        /// https: the PEM file of trusted certificates (`--cacert`).
        public var caCertificate: String?
        /// The engine that ran the load; absent in results from before it existed.
        public var engine: Engine?
    }

    /// A request of the mix, without its body (only its size).
    @PublicInit
    public struct Request: Codable, Sendable {
        public var method: String
        public var url: String
        public var headers: [String]
        public var bodyBytes: Int
        public var weight: Double
    }

    @PublicInit
    public struct Summary: Codable, Sendable {
        /// Requests that ended inside the measured window: `responses` + `errors`.
        public var requests: Int
        /// Responses received (any status): what the rate and the latency count.
        public var responses: Int
        /// Requests that failed in libcurl (connect, tls, timeout, read, other), with no response.
        public var errors: Int
        /// Responses with a status outside 200-399.
        public var non2xx3xx: Int
        /// Requests in flight when the window closed (in the closed model also one sent in the warm-up, which held its
        /// connection through the window; in the open model also those due but not sent).
        public var unfinished: Int
        public var elapsedSeconds: Double
        /// Responses per second of the window (failed requests are not throughput).
        public var responsesPerSecond: Double
        /// Bytes received, headers and bodies.
        public var bytes: Int
        public var bytesPerSecond: Double
        /// Open model: requests the schedule intended to send inside the window.
        public var intended: Int?
        /// How long the oldest unfinished request had waited when the window closed (since it was due), seconds;
        /// nil with none unfinished (and in results written before it was recorded). The latency percentiles
        /// count only answered requests: one far older than the p99 is a request they leave out.
        public var oldestUnfinishedSeconds: Double?
    }

    /// Latency of the responses, µs (all zeros when there was none).
    @PublicInit
    public struct LatencySummary: Codable, Sendable {
        public var min: Double
        public var mean: Double
        public var stdev: Double
        public var max: Double
        /// Keys "50", "75", "90", "99", "99.9", "99.99".
        public var percentiles: [String: Double]
    }

    @PublicInit
    public struct ErrorCounts: Codable, Sendable {
        /// Keys are `ErrorCategory` raw values: connect, tls, timeout, read, other.
        public var byCategory: [String: Int]
        /// Keys are libcurl codes ("7"), values their counts.
        public var byCurlCode: [String: Int]
        /// libcurl's text for each code seen.
        public var curlMessages: [String: String]
    }

    /// One client thread's part of the load.
    @PublicInit
    public struct ThreadBalance: Codable, Sendable, Equatable {
        public var connections: Int
        public var responses: Int
        public var errors: Int
        /// The thread's own CPU time (user + system) over the measured window, and its share of one core.
        public var cpuSeconds: Double
        public var shareOfCore: Double
    }

    @PublicInit
    public struct ClientCPU: Codable, Sendable {
        public var userSeconds: Double
        public var systemSeconds: Double
        /// Cores the client could use: threads, capped by the pinned CPUs.
        public var cores: Int
        /// CPU time over (elapsed × cores), 0...1.
        public var shareOfCores: Double
        /// Client CPU per ended request (`summary.requests`, failed ones included).
        public var microsecondsPerRequest: Double
        /// More than 90% busy over a window of at least 0.5 s: the numbers measure the client, not the server.
        public var saturated: Bool
    }

    /// One second of the window, by completion time; p50 and p99 of its responses, µs.
    @PublicInit
    public struct SecondSample: Codable, Sendable {
        public var second: Int
        public var responses: Int
        public var errors: Int
        /// Responses with a status outside 200-399.
        public var non2xx3xx: Int
        public var p50: Double
        public var p99: Double

        enum CodingKeys: String, CodingKey {
            case second, responses, errors, non2xx3xx
            case p50 = "p50Microseconds"
            case p99 = "p99Microseconds"
        }
    }

    /// One request of a mix: its responses, failures and latency, apart from the others'.
    @PublicInit
    public struct RequestBreakdown: Codable, Sendable {
        public var method: String
        public var url: String
        public var responses: Int
        public var errors: Int
        public var non2xx3xx: Int
        public var responsesPerSecond: Double
        /// Responses by status code.
        public var statusCodes: [String: Int]
        /// 2 significant digits.
        public var latency: LatencySummary

        enum CodingKeys: String, CodingKey {
            case method, url, responses, errors, non2xx3xx, responsesPerSecond, statusCodes
            case latency = "latencyMicroseconds"
        }
    }
}

/// A latency percentile every summary reports; its raw value is its key in `LatencySummary.percentiles` (and in
/// the JSON), "99.9".
public enum Percentile: String, CaseIterable, Sendable {
    case p50 = "50", p75 = "75", p90 = "90", p99 = "99", p999 = "99.9", p9999 = "99.99"

    /// As a number, 99.9.
    public var value: Double { Double(rawValue)! }
}

extension RunResult.LatencySummary {
    /// The percentile's latency, µs (0 when a result lacks it).
    public subscript(_ percentile: Percentile) -> Double { percentiles[percentile.rawValue] ?? 0 }
}
