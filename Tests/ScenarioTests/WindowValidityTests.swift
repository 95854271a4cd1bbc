import Foundation
import LoadEngine
import Results
@testable import Scenario
import StackbenchTesting
import Testing

/// The latency-bound flag: an idle server with every request on the same floor (runserver's 40 ms delayed-ACK
/// stall) is flagged; a busy server, a fast one, a spread of latencies or an open-model window is not.
@Suite struct WindowValidityTests {
    /// A 2 s closed-model window at `rps` whose fastest request took `floor` µs and the median `median` µs.
    static func window(rps: Double, floor: Double, median: Double, rate: Double? = nil) -> RunResult {
        var load = SyntheticRuns.loadResult(rps: rps, p99: median * 1.1, errors: 0)
        load.summary.elapsedSeconds = 2
        load.latency.min = floor
        load.latency.percentiles["50"] = median
        load.config.rate = rate
        return load
    }

    static func kinds(_ load: RunResult, cpu: Double?) -> [ScenarioResult.WindowFlag.Kind] {
        WindowValidity.flags(load: load, clientCoresBusy: 0.3, changes: [], eventsScheduled: false, pool: nil, servingCPUSeconds: cpu).map(\.kind)
    }

    @Test func anIdleServerWithEveryRequestOnAFortyMillisecondFloorIsLatencyBound() throws {
        let stalled = Self.window(rps: 727, floor: 40_200, median: 44_030)
        #expect(Self.kinds(stalled, cpu: 0.08) == [.latencyBound])
        let flag = try #require(WindowValidity.latencyBound(load: stalled, servingCPUSeconds: 0.08))
        #expect(flag.detail.contains("4% of a core") && flag.detail.contains("40.20ms"), "\(flag.detail)")
    }

    /// A request left unanswered far past the p99 when the window closed is a stall the percentiles hide; the
    /// connections' own requests in flight at the close (younger than the p99's tenfold, or 100 ms) are not.
    @Test func aRequestUnansweredFarPastTheP99IsAStalledWindow() throws {
        var load = Self.window(rps: 194, floor: 5_000, median: 15_000)
        load.summary.unfinished = 3
        load.summary.oldestUnfinishedSeconds = 3.3
        let flag = try #require(WindowValidity.stalledRequests(load: load))
        #expect(flag.kind == .stalledRequests && flag.detail.hasPrefix("3 request(s) still unanswered") && flag.detail.contains("3.30s"), "\(flag.detail)")
        #expect(Self.kinds(load, cpu: 0.3).contains(.stalledRequests))
        load.summary.oldestUnfinishedSeconds = 0.09
        #expect(WindowValidity.stalledRequests(load: load) == nil, "under 100 ms")
        load.latency.percentiles["99"] = 200_000
        load.summary.oldestUnfinishedSeconds = 1.5
        #expect(WindowValidity.stalledRequests(load: load) == nil, "under ten times a 200 ms p99")
        load.summary.unfinished = 0
        load.summary.oldestUnfinishedSeconds = nil
        #expect(WindowValidity.stalledRequests(load: load) == nil)
    }

    /// Load agents: the window is client-bound when any agent was, and the flag names the busy ones.
    @Test func aBusyLoadAgentMakesTheWindowClientBoundAndIsNamed() throws {
        func agent(_ source: String, share: Double) -> RunResult {
            var load = Self.window(rps: 5000, floor: 100, median: 300)
            load.tag = source
            load.startedAt = "2026-12-02T17:00:00.000Z"
            load.clientCPU.shareOfCores = share
            load.clientCPU.saturated = share > 0.9
            load.summary.requests += source.count  // two different loads
            return load
        }
        let merged = try RunResult.merge([("ssh://a", agent("a", share: 0.95)), ("ssh://bb", agent("bb", share: 0.4))])
        let flags = WindowValidity.flags(load: merged, clientCoresBusy: nil, changes: [], eventsScheduled: false, pool: nil)
        #expect(flags.map(\.kind) == [.clientBound])
        #expect(flags.first?.detail.contains("a (ssh://a) at 95%") == true && flags.first?.detail.contains("bb") == false, "\(flags)")
        let calm = try RunResult.merge([("ssh://a", agent("a", share: 0.5)), ("ssh://bb", agent("bb", share: 0.4))])
        #expect(WindowValidity.flags(load: calm, clientCoresBusy: nil, changes: [], eventsScheduled: false, pool: nil).isEmpty)
    }

    /// One worker, one thread, a view that sleeps 5 ms, 8 connections: every request waits about 40 ms with the
    /// CPU idle, as under a stall — but the pool's one slot was busy the whole window, so this is what that pool can
    /// do (Little's law), not a stall: not flagged.
    @Test func aSaturatedPoolIsNotLatencyBound() {
        let queued = Self.window(rps: 190, floor: 36_000, median: 42_000)
        func pool(busyMicros: Int) -> ScenarioResult.PoolWindow {
            .init(workers: [.init(id: 1, pid: 9, requests: 380, respawns: 0, harakiris: 0, averageResponseMicros: 5_200,
                                  busyMicros: busyMicros, threads: 1)], listenQueueErrors: 0)
        }
        let flags = { (pool: ScenarioResult.PoolWindow?) in
            WindowValidity.flags(load: queued, clientCoresBusy: 0.3, changes: [], eventsScheduled: false, pool: pool, servingCPUSeconds: 0.1).map(\.kind)
        }
        #expect(flags(pool(busyMicros: 1_976_000)).isEmpty, "the pool's slot was busy 99% of the 2 s")
        #expect(flags(pool(busyMicros: 200_000)) == [.latencyBound], "an idle pool with every request on a floor is a stall")
        #expect(flags(nil) == [.latencyBound], "without the pool's figures, the flag stands as before")
    }

    @Test func busyFastSpreadOrOpenModelWindowsAreNot() {
        #expect(Self.kinds(Self.window(rps: 727, floor: 40_200, median: 44_030), cpu: 1.9).isEmpty, "the server was busy")
        #expect(Self.kinds(Self.window(rps: 9000, floor: 900, median: 3_500), cpu: 0.2).isEmpty, "fast requests")
        #expect(Self.kinds(Self.window(rps: 700, floor: 12_000, median: 45_000), cpu: 0.2).isEmpty, "no common floor")
        #expect(Self.kinds(Self.window(rps: 700, floor: 40_200, median: 44_030, rate: 350), cpu: 0.08).isEmpty, "open model: the rate was chosen")
        #expect(Self.kinds(Self.window(rps: 700, floor: 40_200, median: 44_030), cpu: nil).isEmpty, "an external server is not watched")
    }
}
