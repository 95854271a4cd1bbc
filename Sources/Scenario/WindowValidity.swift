import BenchSupport
import Foundation
import LoadEngine

/// Whether a measured window can be trusted, recorded beside its numbers so reports and `compare` can say so:
/// - client-bound: the load generator's cores were over 90% busy, so the window measured the client;
/// - under-delivered: in the open model the achieved rate fell under 95% of the intended one;
/// - disturbed: a stack process ended or a new one started during the window (a crash, a respawned worker, a
///   restart) when the scenario scheduled no event that would explain it.
/// And across repetitions, `noise`: the distribution-free 95% interval of the median req/s (order statistics of the
/// binomial), flagged when wider than the scenario's share (`load.noise`, 10% by default).
extension ScenarioResult {
    public struct WindowFlag: Codable, Sendable, Equatable {
        public enum Kind: String, Codable, Sendable, CaseIterable {
            case clientBound = "client-bound", underDelivered = "under-delivered", disturbed
        }

        public var kind: Kind
        public var detail: String
    }

    /// A process of the stack that ended or appeared during a window, seconds into it.
    public struct ProcessChange: Codable, Sendable, Equatable {
        public var role: String
        public var pid: Int32
        /// "ended" or "started".
        public var change: String
        public var at: Double
    }

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

enum WindowValidity {
    /// The flags of one window. `eventsScheduled`: the scenario asked for something to happen in this window, so
    /// process changes are expected.
    /// `clientCoresBusy`: how busy the client's pinned cores were over the window, whoever used them (nil when
    /// the client is not pinned: then only its own CPU share counts, as `stackbench load` judges it).
    static func flags(load: RunResult, clientCoresBusy: Double?, changes: [ScenarioResult.ProcessChange], eventsScheduled: Bool,
                      pool: ScenarioResult.PoolWindow?) -> [ScenarioResult.WindowFlag] {
        var flags: [ScenarioResult.WindowFlag] = []
        let cpu = load.clientCPU
        if let busy = clientCoresBusy, busy > 0.9, load.summary.elapsedSeconds >= 0.5 {
            flags.append(.init(kind: .clientBound, detail: String(format: "the client's core(s) %@ were %.0f%% busy (the load generator itself used %.0f%%)",
                                                                  load.config.cpus ?? "", busy * 100, cpu.shareOfCores * 100)
                               + ": the window may have measured the client, not the stack"))
        } else if clientCoresBusy == nil, cpu.saturated {
            flags.append(.init(kind: .clientBound, detail: String(format: "the load generator used %.0f%% of its %d core(s)", cpu.shareOfCores * 100, cpu.cores)
                               + ": the window measured the client, not the stack"))
        }
        if let rate = load.config.rate, rate > 0 {
            let achieved = Double(load.summary.requests) / max(load.summary.elapsedSeconds, 1e-9)
            if achieved < 0.95 * rate {
                flags.append(.init(kind: .underDelivered, detail: String(format: "%.0f req/s achieved of %.0f intended (%.0f%%)", achieved, rate, achieved / rate * 100)))
            }
        }
        if !eventsScheduled {
            var causes = changes.map { String(format: "%@ pid %d %@ at %.1f s", $0.role, $0.pid, $0.change, $0.at) }
            let respawns = pool?.workers.filter { $0.respawns > 0 } ?? []
            if causes.isEmpty && !respawns.isEmpty {
                causes = respawns.map { "pool worker \($0.id) respawned \($0.respawns) time(s)" }
            }
            if !causes.isEmpty { flags.append(.init(kind: .disturbed, detail: causes.joined(separator: "; "))) }
        }
        return flags
    }

    /// The noise check of req/s over `values`; nil with fewer than 2 repetitions.
    static func noise(of values: [Double], limit: Double) -> ScenarioResult.NoiseCheck? {
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

extension ScenarioResult.Repetition {
    /// The window's flags (none in results written before they were recorded).
    public var windowFlags: [ScenarioResult.WindowFlag] { flags ?? [] }
    /// Neither client-bound, under-delivered nor disturbed.
    public var isValid: Bool { windowFlags.isEmpty }
}
