import BenchSupport
import Foundation
import Results
import LoadEngine

/// Whether a measured window can be trusted, recorded beside its numbers so reports and `compare` can say so:
/// - client-bound: the load generator's cores were over 90% busy, so the window measured the client;
/// - under-delivered: in the open model the achieved rate fell under 95% of the intended one;
/// - disturbed: a stack process ended or a new one started during the window (a crash, a respawned worker, a
///   restart) when the scenario scheduled no event that would explain it.
/// (Across repetitions, the noise check is Results' `Noise`.)
enum WindowValidity {
    /// The flags of one window. `eventsScheduled`: the scenario asked for something to happen in this window, so
    /// process changes are expected.
    /// `clientCoresBusy`: how busy the client's pinned cores were over the window, whoever used them (nil when
    /// the client is not pinned: then only its own CPU share counts, as `stackbench load` judges it).
    /// `servingCPUSeconds`: CPU time of the processes that serve the target over the window (nil for an external
    /// target, whose server is not ours to watch).
    static func flags(load: RunResult, clientCoresBusy: Double?, changes: [ScenarioResult.ProcessChange], eventsScheduled: Bool,
                      pool: ScenarioResult.PoolWindow?, servingCPUSeconds: Double? = nil) -> [ScenarioResult.WindowFlag] {
        var flags: [ScenarioResult.WindowFlag] = []
        let cpu = load.clientCPU
        if let busy = clientCoresBusy, busy > 0.9, load.summary.elapsedSeconds >= 0.5 {
            flags.append(.init(kind: .clientBound, detail: String(format: "the client's core(s) %@ were %.0f%% busy (the load generator itself used %.0f%%)",
                                                                  load.config.cpus ?? "", busy * 100, cpu.shareOfCores * 100)
                               + ": the window may have measured the client, not the stack"))
        } else if clientCoresBusy == nil, let agents = load.agents, cpu.saturated {
            // Load agents: each judged on its own share, and the busy ones named.
            let busy = agents.filter(\.clientCPU.saturated).map { String(format: "%@ at %.0f%% of %d core(s)", $0.name, $0.clientCPU.shareOfCores * 100, $0.clientCPU.cores) }
            flags.append(.init(kind: .clientBound, detail: "load agent(s) " + busy.joined(separator: ", ")
                               + ": the window measured the clients, not the stack"))
        } else if clientCoresBusy == nil, cpu.saturated {
            flags.append(.init(kind: .clientBound, detail: String(format: "the load generator used %.0f%% of its %d core(s)", cpu.shareOfCores * 100, cpu.cores)
                               + ": the window measured the client, not the stack"))
        }
        if let rate = load.config.rate, rate > 0 {
            let achieved = load.summary.responsesPerSecond
            if achieved < 0.95 * rate {
                flags.append(.init(kind: .underDelivered, detail: String(format: "%.0f req/s achieved of %.0f intended (%.0f%%)", achieved, rate, achieved / rate * 100)))
            }
        }
        if let flag = latencyBound(load: load, servingCPUSeconds: servingCPUSeconds, pool: pool) { flags.append(flag) }
        if !eventsScheduled {
            var causes = changes.map { String(format: "%@ pid %d %@ at %.1f s", $0.role.rawValue, $0.pid, $0.change.rawValue, $0.at) }
            let respawns = pool?.workers.filter { $0.respawns > 0 } ?? []
            if causes.isEmpty && !respawns.isEmpty {
                causes = respawns.map { "pool worker \($0.id) respawned \($0.respawns) time(s)" }
            }
            if !causes.isEmpty { flags.append(.init(kind: .disturbed, detail: causes.joined(separator: "; "))) }
        }
        return flags
    }

    /// latency-bound: in the closed model, the serving processes used under a third of one core while even the
    /// fastest request waited at least 10 ms and at least 80% of the median — every request sat on the same floor,
    /// so req/s is connections over that wait, not the server's capacity. Runserver's 44 ms p50 at 1 ms of CPU a
    /// request (Nagle's algorithm against the client's delayed ACK) is the case this names. Not when the pool's
    /// slots were busy most of the window: requests then waited for a worker (a view that sleeps, one worker, more
    /// connections than slots), and req/s is what that pool can do — a result, which the Answers name.
    static func latencyBound(load: RunResult, servingCPUSeconds: Double?, pool: ScenarioResult.PoolWindow? = nil) -> ScenarioResult.WindowFlag? {
        guard load.config.rate == nil, let cpu = servingCPUSeconds, load.summary.elapsedSeconds >= 0.5, load.summary.responses > 0 else { return nil }
        if let busy = pool?.busyShare(over: load.summary.elapsedSeconds), busy >= 0.8 { return nil }
        let share = cpu / load.summary.elapsedSeconds
        let (floor, median) = (load.latency.min, load.latency[.p50])
        guard share < 1.0 / 3, floor >= 10_000, floor >= 0.8 * median else { return nil }
        return .init(kind: .latencyBound, detail: String(format: "the serving processes used %.0f%% of a core while every request waited at least %@ (p50 %@)",
                                                         share * 100, Units.formatMicroseconds(floor), Units.formatMicroseconds(median))
                     + ": req/s here is connections over that wait, not what the server can do — a fixed stall with the server idle, "
                     + "such as a delayed ACK (40 ms); try keepalive: false or more connections")
    }
}

