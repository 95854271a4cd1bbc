import BenchSupport
import Foundation
import Results
import LoadEngine

/// Whether a measured window can be trusted, recorded beside its numbers so reports and `compare` can say so:
/// - client-bound: the load generator's cores were over 90% busy, so the window measured the client;
/// - under-delivered: in the open model the achieved rate fell under 95% of the intended one;
/// - disturbed: a stack process ended or a new one started during the window (a crash, a respawned worker, a
///   restart) when the scenario scheduled no event that would explain it;
/// - latency-bound and stalled-requests: below.
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
            flags.append(.init(kind: .clientBound, detail: "the client's core(s) \(load.config.cpus ?? "") were \(Units.percent(busy)) busy "
                                                                  + "(the load generator itself used \(Units.percent(cpu.shareOfCores)))"
                               + ": the window may have measured the client, not the stack"))
        } else if clientCoresBusy == nil, let agents = load.agents, cpu.saturated {
            // Load agents: each judged on its own share, and the busy ones named.
            let busy = agents.filter(\.clientCPU.saturated).map { "\($0.name) at \(Units.percent($0.clientCPU.shareOfCores)) of \($0.clientCPU.cores) core(s)" }
            flags.append(.init(kind: .clientBound, detail: "load agent(s) " + busy.joined(separator: ", ")
                               + ": the window measured the clients, not the stack"))
        } else if clientCoresBusy == nil, cpu.saturated {
            flags.append(.init(kind: .clientBound, detail: "the load generator used \(Units.percent(cpu.shareOfCores)) of its \(cpu.cores) core(s)"
                               + ": the window measured the client, not the stack"))
        }
        if let rate = load.config.rate, rate > 0 {
            let achieved = load.summary.responsesPerSecond
            if achieved < 0.95 * rate {
                flags.append(.init(kind: .underDelivered, detail: "\(Units.formatWhole(achieved)) req/s achieved of \(Units.formatWhole(rate)) intended (\(Units.percent(achieved / rate)))"))
            }
        }
        if let flag = latencyBound(load: load, servingCPUSeconds: servingCPUSeconds, pool: pool) { flags.append(flag) }
        if let flag = stalledRequests(load: load) { flags.append(flag) }
        if !eventsScheduled {
            var causes = changes.map { "\($0.role.rawValue) pid \($0.pid) \($0.change.rawValue) at \(Units.formatTenths($0.at)) s" }
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
        return .init(kind: .latencyBound, detail: "the serving processes used \(Units.percent(share)) of a core while every request waited at least "
                                                         + "\(Units.formatMicroseconds(floor)) (p50 \(Units.formatMicroseconds(median)))"
                     + ": req/s here is connections over that wait, not what the server can do — a fixed stall with the server idle, "
                     + "such as a delayed ACK (40 ms); try keepalive: false or more connections")
    }

    /// stalled-requests: a request of the window was still unanswered when it closed, after waiting 10 times the
    /// answered ones' p99 and at least 100 ms. The percentiles count answers only, so they leave the slowest
    /// requests out, and in the closed model a connection stuck on one asks nothing more, so req/s falls with
    /// no latency to show for it. A connect retried a second after the server's full backlog dropped its SYN is
    /// the case this names (uWSGI's `listen` over TCP).
    static func stalledRequests(load: RunResult) -> ScenarioResult.WindowFlag? {
        guard load.summary.unfinished > 0, let oldest = load.summary.oldestUnfinishedSeconds else { return nil }
        let p99 = load.summary.responses > 0 ? load.latency[.p99] : 0
        guard oldest * 1e6 >= max(10 * p99, 100_000) else { return nil }
        return .init(kind: .stalledRequests, detail: "\(load.summary.unfinished) request(s) still unanswered when the window closed, the oldest after "
                                                          + "\(Units.formatMicroseconds(oldest * 1e6)) (the answered ones' p99: \(Units.formatMicroseconds(p99)))"
                     + ": the percentiles count answers only and leave these out, and a connection waiting on one asked nothing more")
    }
}

