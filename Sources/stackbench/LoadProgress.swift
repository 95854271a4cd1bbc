import Atomics
import BenchSupport
import Foundation
import LoadEngine

/// Live progress on stderr while a load runs: a redrawn line on a terminal (about 10 times a second), one plain
/// line per second otherwise. Ctrl-C stops the load early; the summary then covers what was measured.
struct LoadProgress {
    let run: LoadRun

    func runToEnd() -> RunResult {
        interrupted.store(false, ordering: .relaxed)
        Signals.unblock([SIGINT])
        signal(SIGINT) { _ in interrupted.store(true, ordering: .relaxed) }
        defer { signal(SIGINT, SIG_DFL) }
        let terminal = isatty(STDERR_FILENO) == 1
        let total: Double? = {
            if case .duration(let nanos) = run.plan.stop { return Double(nanos) / 1e9 } else { return nil }
        }()
        let done = ManagedAtomic(false)
        let finished = Locked<RunResult?>(nil)
        let waiter = Thread { [run] in
            finished.value = run.wait()
            done.store(true, ordering: .releasing)
        }
        run.start()
        waiter.start()
        var lastRequests = 0
        var lastTime = monotonicNanoseconds()
        var nextLine = lastTime + 1_000_000_000
        while !done.load(ordering: .acquiring) {
            usleep(terminal ? 100_000 : 20_000)
            if interrupted.load(ordering: .relaxed) { run.requestStop() }
            let now = monotonicNanoseconds()
            guard terminal || now >= nextLine else { continue }
            let requests = run.progress.responses
            let rate = Double(requests - lastRequests) / (Double(now - lastTime) / 1e9)
            let elapsed = run.elapsedSeconds
            let wait = run.secondsUntilSending
            let clock = wait > 0 ? "starts in \(Units.formatTenths(wait))s"
                : elapsed < 0 ? "warm-up \(Units.formatTenths(-elapsed))s"
                : Units.formatTenths(elapsed) + "s" + (total.map { "/\(Units.formatWhole($0))s" } ?? "")
            let line = "\(clock)  \(requests) responses  \(Units.formatCount(rate)) req/s  \(run.progress.errors) errors"
            FileHandle.standardError.write(Data((terminal ? "\r\u{1B}[K" + line : line + "\n").utf8))
            (lastRequests, lastTime, nextLine) = (requests, now, nextLine + 1_000_000_000)
        }
        if terminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        return finished.value!
    }
}

private let interrupted = ManagedAtomic(false)
