import BenchSupport
import Foundation
import LoadEngine

// The names a result is written in, shared by the harness that records them and the reports and `compare` that
// read them: what a target drives, the metrics, and one setting of a matrix cell.

/// What a target drives.
public enum TargetKind: String, Codable, Sendable, CaseIterable {
    /// `stackbench runserver`, straight.
    case devServer = "dev-server"
    /// The front serving a file from the alias or root.
    case proxiedStatic = "proxied-static"
    /// The front passing to the pool, which calls the app.
    case proxiedDynamic = "proxied-dynamic"
    /// The pool's own http-socket, no front.
    case poolDirect = "pool-direct"
    /// Any URL, stood up by someone else.
    case external

    /// The stack processes that do the work for this kind of target.
    public var servingRoles: Set<StackRole> {
        switch self {
        case .devServer: [.runserver]
        case .proxiedStatic: [.front]
        case .proxiedDynamic: [.front, .pool]
        case .poolDirect: [.pool]
        case .external: []
        }
    }
}

/// What a process of the stack is: the dev server, the front, the pool (master and workers counted together), or
/// the collectstatic run before them.
public enum StackRole: String, Codable, Sendable, CustomStringConvertible {
    case runserver, front, pool, collectstatic
    public var description: String { rawValue }
}

/// How a cell of the matrix ended.
public enum CellStatus: String, Codable, Sendable, CustomStringConvertible {
    /// Measured: its targets carry repetitions.
    case ok
    /// Its stack failed to start or died; the cell's failure and log tail say why.
    case failed
    /// Not run: a program its stack variant needs is not installed (the failure names it).
    case skipped
    public var description: String { rawValue }
}

/// A measured quantity of a target, as thresholds, reports and `compare` name it.
public enum Metric: String, Sendable, CaseIterable {
    case rps, p50, p75, p90, p99, p999 = "p99.9", errors, non2xx, cpuPerRequest = "cpu-per-request", rss
    /// Memory of the serving processes as PSS (shared pages divided among the processes sharing them).
    case pss
    /// The highest rate a capacity search found within its limits (load.search).
    case capacity

    public var isLatency: Bool { [.p50, .p75, .p90, .p99, .p999].contains(self) }

    /// The latency percentile this metric is, nil for the other metrics.
    public var percentile: Percentile? { isLatency ? Percentile(rawValue: String(rawValue.dropFirst())) : nil }

    /// Whether a larger value is better (req/s) or worse (latency, errors, CPU, memory).
    public var higherIsBetter: Bool { self == .rps || self == .capacity }

    /// Measured per request of a mix too (the client's counts and latencies), not only per target (the servers'
    /// CPU and memory, a capacity search).
    public var perRequest: Bool { self == .rps || isLatency || self == .errors || self == .non2xx }
}

/// One key of a matrix cell and its value, and whose file it changes.
@PublicInit
public struct CellSetting: Sendable, Equatable, Codable {
    public var name: String
    public var value: String
    public var component: Component

    public enum Component: String, Sendable, Codable {
        /// The `stack` key: which front and pool (StackVariant).
        case stack
        case uwsgi, nginx
    }
}

/// How results name a URL a target sent: its path and query, as the server sees them (host and port differ between
/// stacks and runs).
public enum RequestURL {
    public static func pathAndQuery(_ url: String) -> String {
        guard let components = URLComponents(string: url) else { return url }
        let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        return components.percentEncodedQuery.map { path + "?" + $0 } ?? path
    }
}
