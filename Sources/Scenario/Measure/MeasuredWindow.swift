import BenchSupport
import Foundation
import Results
import LoadEngine

/// One measured window of one target: the load (warm-up, then the window) on the client CPUs, while a sampler on
/// the same CPUs reads every stack process tree from /proc every 200 ms (CPU time, peak RSS, processes that end
/// or appear) and the pool's accept queue, the pool's stats are read before and after, and the target's events are carried out. A stack
/// process that dies unasked stops the load at once and fails the cell. The result carries the window's validity
/// flags (WindowValidity) and what each event did and cost.
struct MeasuredWindow {
    let stack: RunningStack
    let target: Scenario.Target
    let plan: LoadPlan
    let baseURL: String
    let harakiriSeconds: Int
    let currentLoad: Locked<(any WindowLoad)?>
    /// Makes the window's load: this machine's engine, or the agents.
    let makeLoad: (LoadPlan) throws -> any WindowLoad
    let interrupted: () -> Bool
    /// Heads the live line; nil: no live line.
    let label: String
    let live: ((String) -> Void)?

    struct Died: Error {
        var process: StackProcess
    }

    /// CPU seconds and run-queue seconds per role across the window, also for a process replaced meanwhile
    /// (stop-pool).
    private final class CPUAccount: Sendable {
        typealias Times = (cpu: Double, runnable: Double)
        private let state = Locked<(base: [ObjectIdentifier: Times], spent: [StackRole: Times])>(([:], [:]))

        func open(_ process: StackProcess, _ times: Times) { state.withLock { $0.base[ObjectIdentifier(process)] = times } }

        func close(_ process: StackProcess, _ times: Times) {
            state.withLock { state in
                let base = state.base.removeValue(forKey: ObjectIdentifier(process)) ?? (0, 0)
                let spent = state.spent[process.role] ?? (0, 0)
                state.spent[process.role] = (spent.cpu + max(0, times.cpu - base.cpu), spent.runnable + max(0, times.runnable - base.runnable))
            }
        }

        func spent(_ role: StackRole) -> Times { state.value.spent[role] ?? (0, 0) }
    }

    /// Reads the pool's accept queue where the target's requests enter it: the uwsgi socket behind the front, the
    /// http-socket of pool-direct; nil for a target the pool does not serve.
    private var poolQueueReader: (@Sendable () -> ListenQueue?)? {
        switch target.kind {
        case .proxiedDynamic:
            if let port = stack.layout.upstreamPort { return { ListenQueue.of(tcpPort: port) } }
            let path = stack.layout.uwsgiSocket
            return { ListenQueue.of(unixPath: path) }
        case .poolDirect:
            guard let port = URLComponents(string: baseURL)?.port else { return nil }
            return { ListenQueue.of(tcpPort: port) }
        default:
            return nil
        }
    }

    func measure() throws -> ScenarioResult.Repetition {
        let run = try makeLoad(plan)
        currentLoad.value = run
        defer { currentLoad.value = nil }
        run.start()
        while run.elapsedSeconds < 0 && !interrupted() { usleep(2_000) }
        let coresBefore = plan.cpus.flatMap(CPUTimes.now)
        let account = CPUAccount()
        var known: [ObjectIdentifier: (process: StackProcess, pids: Set<pid_t>)] = [:]
        var peakRSS: [StackRole: Int] = [:]
        for process in stack.processes {
            let usage = ProcessSample.usage(of: process.pid)
            account.open(process, (usage.cpuSeconds, usage.runnableSeconds))
            known[ObjectIdentifier(process)] = (process, Set(usage.pids))
            peakRSS[process.role] = usage.rssKiB
        }
        let poolBefore = target.kind.servingRoles.contains(.pool) ? stack.poolStats() : nil
        let events = StackEvents(events: target.events, stack: stack, baseURL: baseURL, harakiriSeconds: harakiriSeconds,
                                 elapsed: { run.elapsedSeconds }, stopped: { [interrupted] in interrupted() || run.isStopRequested })
        events.start()
        let shared = Locked((known: known, peakRSS: peakRSS, changes: [ScenarioResult.ProcessChange](), died: StackProcess?.none,
                             queue: [ListenQueue]()))
        let readQueue = poolQueueReader
        let samplingDone = Locked(false)
        let sampler = JoinableThread { [stack, plan, label, live] in
            _ = plan.cpus?.pinCurrentThread()
            var (lastRequests, lastTime, tick) = (run.progressSoFar.responses, monotonicNanoseconds(), 0)
            while !samplingDone.value {
                usleep(200_000)
                let current = stack.processes
                if let dead = current.first(where: { !$0.isRunning }) {
                    shared.withLock { $0.died = dead }
                    run.requestStop()
                    return
                }
                let at = run.elapsedSeconds
                let queue = readQueue?()
                shared.withLock { state in
                    if let queue { state.queue.append(queue) }
                    // A process that left the list (stopped by an event) is closed; a new one opened.
                    for (id, entry) in state.known where !current.contains(where: { ObjectIdentifier($0) == id }) {
                        let usage = ProcessSample.usage(of: entry.process.pid)
                        account.close(entry.process, (usage.cpuSeconds, usage.runnableSeconds))
                        state.known[id] = nil
                    }
                    for process in current {
                        let usage = ProcessSample.usage(of: process.pid)
                        let id = ObjectIdentifier(process)
                        let now = Set(usage.pids)
                        if let previous = state.known[id]?.pids {
                            state.changes += previous.subtracting(now).sorted().map { .init(role: process.role, pid: $0, change: .ended, at: at) }
                            state.changes += now.subtracting(previous).sorted().map { .init(role: process.role, pid: $0, change: .started, at: at) }
                        } else {
                            account.open(process, (0, 0))  // started during the window: all its CPU counts
                            state.changes.append(.init(role: process.role, pid: process.pid, change: .started, at: at))
                        }
                        state.known[id] = (process, now)
                        state.peakRSS[process.role] = max(state.peakRSS[process.role] ?? 0, usage.rssKiB)
                    }
                }
                tick += 1
                guard let live, tick % 5 == 0 else { continue }
                let (progress, time) = (run.progressSoFar, monotonicNanoseconds())
                let requests = progress.responses
                let rate = Double(requests - lastRequests) / max(Double(time - lastTime) / 1e9, 0.001)
                live("\(label): \(Units.formatWhole(run.elapsedSeconds))s, \(Units.formatCount(rate)) req/s, \(progress.errors) errors")
                (lastRequests, lastTime) = (requests, time)
            }
        }
        let finished = Result { try run.finish() }
        let coresBusy = plan.cpus.flatMap(CPUTimes.now).flatMap { now in coresBefore.map { now.busyShare(since: $0) } }
        samplingDone.value = true
        sampler.join()
        let result = try finished.get()
        let eventRecords = events.finish(perSecond: result.perSecond)
        let state = shared.value
        if let dead = state.died ?? stack.processes.first(where: { !$0.isRunning }) { throw Died(process: dead) }
        // One last reading per process serves both its CPU account and its memory.
        let finals = stack.processes.map { process in (process: process, usage: ProcessSample.usage(of: process.pid)) }
        for (process, usage) in finals {
            if state.known[ObjectIdentifier(process)] == nil { account.open(process, (0, 0)) }
            account.close(process, (usage.cpuSeconds, usage.runnableSeconds))
        }
        var pool = poolBefore.flatMap { before in stack.poolStats().map { PoolStats.window(from: before, to: $0) } }
        if !state.queue.isEmpty {
            pool?.listenQueue = .init(samples: state.queue.count, mean: Double(state.queue.reduce(0) { $0 + $1.queued }) / Double(state.queue.count),
                                      max: state.queue.map(\.queued).max()!, backlog: state.queue.last?.backlog)
        }
        let requests = Double(max(result.summary.requests, 1))
        let usage = finals.map { process, now in
            let (cpu, runnable) = account.spent(process.role)
            let memory = ProcessSample.memory(of: now.pids)
            return ScenarioResult.ProcessUsage(role: process.role, cpuSeconds: cpu, cpuMicrosecondsPerRequest: cpu * 1e6 / requests,
                                               rssKiB: max(state.peakRSS[process.role] ?? 0, now.rssKiB), pssKiB: memory?.pssKiB,
                                               ussKiB: memory?.ussKiB, processes: now.processes, runnableSeconds: runnable)
        }
        let serving = target.kind.servingRoles
        let servingCPU = serving.isEmpty ? nil : usage.filter { serving.contains($0.role) }.reduce(0) { $0 + $1.cpuSeconds }
        let flags = WindowValidity.flags(load: result, clientCoresBusy: coresBusy, changes: state.changes,
                                         eventsScheduled: !target.events.isEmpty, pool: pool, servingCPUSeconds: servingCPU)
        return ScenarioResult.Repetition(load: result, processes: usage, pool: pool, clientCoresBusy: coresBusy, flags: flags,
                                         processChanges: state.changes.isEmpty ? nil : state.changes,
                                         events: eventRecords.isEmpty ? nil : eventRecords)
    }
}
