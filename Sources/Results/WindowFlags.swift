import BenchSupport
import Foundation

/// What a result records about the trust a window deserves: its flags (client-bound, under-delivered, disturbed, latency-bound,
/// stalled-requests;
/// decided by the harness's WindowValidity while it measures), the processes that changed during it, and across
/// repetitions the noise check of the median req/s (the distribution-free 95% interval from order statistics of
/// the binomial), which both the run and `compare` compute.
extension ScenarioResult {
    @PublicInit
    public struct WindowFlag: Codable, Sendable, Equatable {
        public enum Kind: String, Codable, Sendable, CaseIterable {
            case clientBound = "client-bound", underDelivered = "under-delivered", disturbed
            /// The serving processes mostly idle while every request waited on a fixed floor (a delayed-ACK stall,
            /// a sleep in the app): the window measured the wait, not what the server can do.
            case latencyBound = "latency-bound"
            /// A request still unanswered when the window closed, far older than the answered ones' p99: the
            /// percentiles, which count only answers, leave the slowest requests out.
            case stalledRequests = "stalled-requests"
        }

        public var kind: Kind
        public var detail: String
    }

    /// A process of the stack that ended or appeared during a window, seconds into it.
    @PublicInit
    public struct ProcessChange: Codable, Sendable, Equatable {
        public var role: StackRole
        public var pid: Int32
        public var change: Kind
        public var at: Double

        public enum Kind: String, Codable, Sendable, CustomStringConvertible {
            case ended, started
            public var description: String { rawValue }
        }
    }

    @PublicInit
    public struct NoiseCheck: Codable, Sendable, Equatable {
        public var repetitions: Int
        /// The interval of the median req/s.
        public var low: Double
        public var high: Double
        /// Its coverage: 0.95 or more from 6 repetitions on; fewer give the full range, covering less.
        public var coverage: Double
        /// (high - low) / median.
        public var share: Double
        public var limit: Double
        public var noisy: Bool
    }
}

extension ScenarioResult.Repetition {
    /// The window's flags (none in results written before they were recorded).
    public var windowFlags: [ScenarioResult.WindowFlag] { flags ?? [] }
    /// Neither client-bound, under-delivered, disturbed nor latency-bound.
    public var isValid: Bool { windowFlags.isEmpty }
}

/// The noise check over the repetitions of one target.
public enum Noise {
    /// The noise check of req/s over `values`; nil with fewer than 2 repetitions.
    public static func check(of values: [Double], limit: Double) -> ScenarioResult.NoiseCheck? {
        let n = values.count
        guard n >= 2 else { return nil }
        let sorted = values.sorted()
        // Largest k with P(k <= B <= n-k) >= 0.95, B ~ Binomial(n, 1/2): [x(k), x(n-k+1)] then covers the median.
        func lowerTail(_ k: Int) -> Double {  // P(B <= k - 1)
            (0..<k).reduce(0.0) { $0 + binomial(n, $1) } / pow(2, Double(n))
        }
        var k = 1
        while k + 1 <= n / 2, 1 - 2 * lowerTail(k + 1) >= 0.95 { k += 1 }
        let coverage = 1 - 2 * lowerTail(k)
        let (low, high) = (sorted[k - 1], sorted[n - k])
        let median = Statistics.median(values)
        let share = median > 0 ? (high - low) / median : 0
        return .init(repetitions: n, low: low, high: high, coverage: coverage, share: share, limit: limit, noisy: share > limit)
    }

    private static func binomial(_ n: Int, _ k: Int) -> Double {
        var result = 1.0
        for i in 0..<k { result = result * Double(n - i) / Double(i + 1) }
        return result
    }
}
