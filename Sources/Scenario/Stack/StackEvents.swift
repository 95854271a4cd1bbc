import BenchSupport
import Foundation
import Results
import LoadEngine

/// The events of one measured window, each carried out at its time on a thread of its own: signals by pid to the
/// pool's master, one of its workers or the front; the pool stopped and started again; a request that trips
/// harakiri. Nothing here waits on the load; the window goes on around them.
final class StackEvents: @unchecked Sendable {  // threads is touched by the caller of start/finish only; records are locked
    let events: [Scenario.Event]
    let stack: RunningStack
    let baseURL: String
    let harakiriSeconds: Int
    let elapsed: () -> Double
    let stopped: () -> Bool
    private let records = Locked<[ScenarioResult.EventRecord]>([])
    private var threads: [JoinableThread] = []

    init(events: [Scenario.Event], stack: RunningStack, baseURL: String, harakiriSeconds: Int,
         elapsed: @escaping () -> Double, stopped: @escaping () -> Bool) {
        self.events = events.sorted { $0.at < $1.at }
        self.stack = stack
        self.baseURL = baseURL
        self.harakiriSeconds = harakiriSeconds
        self.elapsed = elapsed
        self.stopped = stopped
    }

    func start() {
        threads = events.map { event in
            JoinableThread { [self] in
                let at = Double(event.at) / 1e9
                while elapsed() < at && !stopped() { usleep(5_000) }
                guard !stopped() else { return }
                let startedAt = elapsed()
                let detail = perform(event)
                records.withLock { $0.append(.init(action: event.action.rawValue, at: at, startedAt: startedAt, detail: detail, failedRequests: 0)) }
            }
        }
    }

    /// Waits for every event to finish and charges each with the failures that followed it.
    func finish(perSecond: [RunResult.SecondSample]) -> [ScenarioResult.EventRecord] {
        threads.forEach { $0.join() }
        return Self.chargeFailures(records.value.sorted { $0.startedAt < $1.startedAt }, perSecond: perSecond)
    }

    static func chargeFailures(_ records: [ScenarioResult.EventRecord], perSecond: [RunResult.SecondSample]) -> [ScenarioResult.EventRecord] {
        guard let first = records.first else { return records }
        func failures(_ sample: RunResult.SecondSample) -> Int { sample.errors + sample.non2xx3xx }
        let before = perSecond.filter { Double($0.second + 1) <= first.startedAt }
        let baseline = before.isEmpty ? 0 : Double(before.map(failures).reduce(0, +)) / Double(before.count)
        return records.enumerated().map { index, record in
            var record = record
            let from = Int(record.startedAt.rounded(.down))
            let until = index + 1 < records.count ? Int(records[index + 1].startedAt.rounded(.down)) : Int.max
            let seconds = perSecond.filter { $0.second >= from && $0.second < until }
            let charged = Double(seconds.map(failures).reduce(0, +)) - baseline * Double(seconds.count)
            record.failedRequests = max(0, Int(charged.rounded()))
            return record
        }
    }

    // MARK: actions

    private func perform(_ event: Scenario.Event) -> String {
        switch event.action {
        case .reloadPool:
            guard let pool = stack.process(role: .pool) else { return "no pool running" }
            kill(pool.pid, SIGHUP)
            return "SIGHUP to the pool's master (pid \(pool.pid)): graceful reload"
        case .killWorker:
            guard let pool = stack.process(role: .pool) else { return "no pool running" }
            let worker = stack.poolStats()?.workers.first { $0.pid > 0 }.map { pid_t($0.pid) }
                ?? ProcessSample.tree(pool.pid).dropFirst().first
            guard let worker else { return "the pool has no worker to kill" }
            kill(worker, SIGKILL)
            return "SIGKILL to pool worker pid \(worker)"
        case .stopPool:
            return stopPool(for: Double(event.duration ?? 0) / 1e9)
        case .reloadFront:
            guard let front = stack.process(role: .front) else { return "no front running" }
            kill(front.pid, SIGHUP)
            return "SIGHUP to the front (pid \(front.pid)): graceful reload"
        case .harakiri:
            return tripHarakiri()
        }
    }

    private func stopPool(for seconds: Double) -> String {
        guard let pool = stack.process(role: .pool) else { return "no pool running" }
        let start = elapsed()
        stack.remove(pool)
        let graceful = pool.stop(SIGINT)
        let down = elapsed()
        while elapsed() < start + seconds && !stopped() { usleep(5_000) }
        do {
            let restarted = try pool.restarted()
            stack.add(restarted)
            return "pool (pid \(pool.pid)) stopped in \(Units.fixed(down - start, 2)) s" + (graceful ? "" : " (killed after 10 s)")
                + "; started again at \(Units.formatTenths(elapsed())) s (pid \(restarted.pid))"
        } catch {
            return "pool (pid \(pool.pid)) stopped; starting it again failed: \(error)"
        }
    }

    /// GET /sleep for harakiri + 2 s: the master kills the worker at harakiri, the front answers 502.
    private func tripHarakiri() -> String {
        let sleep = (harakiriSeconds + 2) * 1000
        let started = elapsed()
        let outcome = HTTPProbe.fetch(Scenario.Request(path: "/sleep?ms=\(sleep)"), baseURL: baseURL,
                                      timeoutMilliseconds: (harakiriSeconds + 15) * 1000)
        let took = elapsed() - started
        switch outcome {
        case .success(let answer):
            return "GET /sleep?ms=\(sleep) (harakiri \(harakiriSeconds) s) answered \(answer.status) after \(Units.formatTenths(took)) s"
        case .failure(let failure):
            return "GET /sleep?ms=\(sleep) (harakiri \(harakiriSeconds) s) failed after \(Units.formatTenths(took)) s: \(failure.reason)"
        }
    }
}
