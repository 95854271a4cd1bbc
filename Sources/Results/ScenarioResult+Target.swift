import BenchSupport
import Foundation
import LoadEngine

// A target's windows in one configuration, the values each metric takes over them, and their medians.

extension ScenarioResult {
    @PublicInit
    public struct Target: Codable, Sendable {
        public var name: String
        public var kind: TargetKind
        public var url: String
        public var repetitions: [Repetition]
        public var median: Summary?
        /// The spread of req/s over the repetitions (nil with one).
        public var noise: NoiseCheck? = nil
        /// One capacity search per repetition (load.search); each repetition is then the window at capacity.
        public var searches: [SearchResult]? = nil
        /// The matrix keys this target does not read (the dev server ignores the pool's `workers`): every cell that
        /// differs from another only in them shares its configuration, measured once per round in one of them
        /// (each window names its cell). Nil in results written before the run planned by dependency.
        public var ignores: [String]? = nil

        /// `metric` in each repetition, in order. Server CPU per request and memory count only the processes that
        /// serve this kind of target (front and pool for proxied-dynamic); the others idle meanwhile.
        public func values(_ metric: Metric) -> [Double] {
            if metric == .capacity { return capacities }
            let roles = kind.servingRoles
            if metric == .pss, !repetitions.allSatisfy({ $0.processes.filter { roles.contains($0.role) }.allSatisfy { $0.pssKiB != nil } }) {
                return []  // written before PSS was measured: not comparable
            }
            return repetitions.map { repetition in
                let load = repetition.load
                switch metric {
                case .rps: return load.summary.responsesPerSecond
                case .p50, .p75, .p90, .p99, .p999: return metric.percentile.map { load.latency[$0] } ?? 0
                case .errors: return Double(load.summary.errors)
                case .non2xx: return Double(load.summary.non2xx3xx)
                case .cpuPerRequest:
                    return repetition.processes.filter { roles.contains($0.role) }.reduce(0) { $0 + $1.cpuMicrosecondsPerRequest }
                case .rss: return Double(repetition.processes.filter { roles.contains($0.role) }.reduce(0) { $0 + $1.rssKiB })
                case .pss: return Double(repetition.processes.filter { roles.contains($0.role) }.reduce(0) { $0 + ($1.pssKiB ?? 0) })
                case .capacity: return 0  // replaced below
                }
            }
        }

        /// The requests of a mix by name (`GET /notes/`: method, path and query; host and port differ between
        /// stacks), when every repetition recorded each of them once; empty for a target sending one request.
        public var mixRequests: [String] {
            guard let first = repetitions.first?.load.perRequest?.map(Self.requestName), Set(first).count == first.count, first.count > 1,
                  repetitions.allSatisfy({ $0.load.perRequest?.map(Self.requestName) == first }) else { return [] }
            return first
        }

        /// `metric` for one request of the mix in each repetition (`mixRequests` names them); empty for a metric
        /// not measured per request (`Metric.perRequest`).
        public func values(_ metric: Metric, request: String) -> [Double] {
            guard metric.perRequest else { return [] }
            return repetitions.compactMap { $0.load.perRequest?.first { Self.requestName($0) == request } }.map { row in
                switch metric {
                case .rps: row.responsesPerSecond
                case .errors: Double(row.errors)
                case .non2xx: Double(row.non2xx3xx)
                default: metric.percentile.map { row.latency[$0] } ?? 0
                }
            }
        }

        static func requestName(_ row: RunResult.RequestBreakdown) -> String { row.method + " " + RequestURL.pathAndQuery(row.url) }

        /// Each search's capacity (0 where none was found); empty without a search.
        public var capacities: [Double] { (searches ?? []).map { $0.capacity ?? 0 } }

        /// This target with a later measurement's windows (and searches) added after its own.
        public func appending(_ later: Target) -> Target {
            var merged = self
            merged.repetitions += later.repetitions
            if let searches = later.searches { merged.searches = (self.searches ?? []) + searches }
            return merged
        }
    }

    /// Medians over the repetitions; latencies in microseconds.
    @PublicInit
    public struct Summary: Codable, Sendable {
        public var rps: Double
        public var p50: Double
        public var p75: Double
        public var p90: Double
        public var p99: Double
        public var p999: Double
        public var errors: Double
        public var non2xx: Double
        /// Server CPU per request of the processes serving the target.
        public var cpuPerRequest: Double
        /// Peak memory of the processes serving the target, KiB.
        public var rss: Double
        /// Memory of the processes serving the target as PSS, KiB (nil when no repetition measured it).
        public var pss: Double? = nil
        /// Median capacity found by the searches, req/s (nil without a search).
        public var capacity: Double? = nil

        /// What settings are ranked by: the capacity when a search ran, else req/s.
        public var rankingValue: Double { capacity ?? rps }

        public func value(_ metric: Metric) -> Double {
            switch metric {
            case .rps: rps
            case .p50: p50
            case .p75: p75
            case .p90: p90
            case .p99: p99
            case .p999: p999
            case .errors: errors
            case .non2xx: non2xx
            case .cpuPerRequest: cpuPerRequest
            case .rss: rss
            case .pss: pss ?? 0
            case .capacity: capacity ?? 0
            }
        }

        /// Medians of every metric over the target's repetitions.
        public static func median(of target: Target) -> Summary? {
            guard !target.repetitions.isEmpty else { return nil }
            func med(_ metric: Metric) -> Double { Statistics.median(target.values(metric)) }
            let pss = target.values(.pss)
            return Summary(rps: med(.rps), p50: med(.p50), p75: med(.p75), p90: med(.p90), p99: med(.p99), p999: med(.p999),
                           errors: med(.errors), non2xx: med(.non2xx), cpuPerRequest: med(.cpuPerRequest), rss: med(.rss),
                           pss: pss.isEmpty ? nil : Statistics.median(pss),
                           capacity: target.searches == nil ? nil : med(.capacity))
        }
    }
}
