import BenchSupport
import Foundation

extension ScenarioResult {
    /// A capacity search of one target in one cell (one per repetition).
    @PublicInit
    public struct SearchResult: Codable, Sendable {
        public var criteria: String
        /// The latency limits, µs, by percentile key ("99").
        public var latencyLimits: [String: Double]
        /// The highest rate that met the limits in a valid window, req/s; nil when even the first step failed.
        public var capacity: Double?
        /// Every step in the order run.
        public var steps: [Step]
        /// Why the search ended.
        public var ended: String

        @PublicInit
        public struct Step: Codable, Sendable {
            public var offered: Double
            public var achieved: Double
            public var p50: Double
            public var p99: Double
            public var p999: Double
            public var failed: Int
            public var passed: Bool
            /// What broke the limits, or why the window does not count.
            public var reason: String?
            public var flags: [WindowFlag]
        }
    }
}

