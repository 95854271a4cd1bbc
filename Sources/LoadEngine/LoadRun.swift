/// LoadEngine: stackbench's libcurl load generator, the part every measurement rests on.
///
/// Owns: client threads (`CurlMultiDriver`, one libcurl multi handle each; its `RequestCarrier` chosen once: libcurl's
/// own transfers, `CurlTransfers`, or libcurl's connections with HTTP/1.1 framed here, `FramedRequests` with
/// `HTTP1RequestBytes` and `HTTP1ResponseFramer`), the closed and open schedules with
/// their stop conditions, per-thread recording (`ThreadRecorder`, HdrHistogram) merged once into a `RunResult`,
/// error categories and the client's own CPU use.
/// Must not: know about stacks, scenarios or servers; format text for people (the CLI and reports do that).
/// Mirrors: wrk (closed model, thread/connection layout), wrk2 (open model, coordinated-omission correction)
/// and oha (per-second series, JSON output).
import Atomics
import BenchSupport
import CCurl
import Foundation

/// One load in progress: `start()`, poll `progress` as often as you like, then `wait()` for the result.
public final class LoadRun: @unchecked Sendable {  // start/wait from its maker's thread; progress, stop flag and CPU reading are atomic or locked
    public let plan: LoadPlan
    /// Live counts for a progress display.
    public let progress: ProgressCounters
    private let templates: CurlRequestTemplates
    private let stopFlag = ManagedAtomic(false)
    private var timeline: Timeline?
    private var drivers: [CurlMultiDriver] = []
    private var threads: [JoinableThread] = []
    private let cpuAtMeasureStart = Locked<CPUUsage?>(nil)

    /// Validates `plan` and prepares its requests; throws a `LoadPlanError` naming the setting at fault.
    public init(plan: LoadPlan) throws {
        try plan.validate()
        // One socket per connection, plus the process's own files and an epoll set per thread.
        let limit = FileDescriptorLimit.raiseToHard()
        let needed = plan.connections + plan.threads + 64
        guard needed <= limit else {
            throw LoadPlanError(.connections, "needs about \(needed) open files, but this process may open at most "
                            + "\(limit) (ulimit -n)")
        }
        LoadRun.initializeCurlOnce
        templates = CurlRequestTemplates(plan.requests)
        // The engine that runs: a mix the framed engine cannot send runs on libcurl's own transfers.
        var running = plan
        if templates.wire == nil { running.engine = .curl }
        self.plan = running
        progress = ProgressCounters(threads: plan.threads)
    }

    private static let initializeCurlOnce: Void = { curl_global_init(Int(CURL_GLOBAL_ALL)) }()

    /// Runs a load from start to end on the calling thread's behalf.
    public static func run(_ plan: LoadPlan) throws -> RunResult {
        let run = try LoadRun(plan: plan)
        run.start()
        return run.wait()
    }

    /// Starts the client threads; sending begins a few milliseconds later, all threads at once.
    public func start() {
        // Saturating: a warm-up and a duration of millions of hours each are legal and must not overflow.
        func later(_ time: UInt64, by nanos: UInt64) -> UInt64 {
            let (sum, overflow) = time.addingReportingOverflow(nanos)
            return overflow ? .max - 1 : min(sum, .max - 1)
        }
        // At --start-at: the wall clock's distance to it, on the monotonic clock (which NTP does not step).
        let wait = plan.startAt.map { max(0, $0.timeIntervalSinceNow) } ?? 0
        let runStart = monotonicNanoseconds() + max(5_000_000, UInt64(min(wait, 1e9) * 1e9))
        let measureStart = later(runStart, by: plan.warmupNanoseconds)
        let end: UInt64
        switch plan.stop {
        case .duration(let nanos): end = later(measureStart, by: nanos)
        case .count: end = .max
        }
        let timeline = Timeline(runStart: runStart, measureStart: measureStart, end: end)
        self.timeline = timeline
        let expectedSeconds = end == .max ? 60 : Int(min((end - measureStart) / 1_000_000_000, 3_600))
        drivers = (0..<plan.threads).map {
            CurlMultiDriver(index: $0, plan: plan, templates: templates, timeline: timeline, stopFlag: stopFlag,
                            progress: progress.threads[$0], expectedSeconds: expectedSeconds)
        }
        threads = drivers.map { driver in JoinableThread { driver.run() } }
        threads.append(JoinableThread { [cpuAtMeasureStart, stopFlag] in
            while monotonicNanoseconds() < measureStart && !stopFlag.load(ordering: .relaxed) {
                sleepUntil(monotonicNanoseconds: min(measureStart, monotonicNanoseconds() + 10_000_000))
            }
            cpuAtMeasureStart.value = CPUUsage.currentProcess()
        })
    }

    /// Seconds into the measured window (negative during warm-up), for a progress display.
    public var elapsedSeconds: Double {
        guard let timeline else { return 0 }
        return (Double(monotonicNanoseconds()) - Double(timeline.measureStart)) / 1e9
    }

    /// Seconds until sending begins (a --start-at wait); 0 once it has.
    public var secondsUntilSending: Double {
        guard let timeline else { return 0 }
        return max(0, (Double(timeline.runStart) - Double(monotonicNanoseconds())) / 1e9)
    }

    /// Asks every client thread to stop now (e.g. on Ctrl-C); `wait()` then returns what was measured so far.
    public func requestStop() {
        stopFlag.store(true, ordering: .relaxed)
    }

    /// Whether `requestStop()` was called.
    public var isStopRequested: Bool { stopFlag.load(ordering: .relaxed) }

    /// Waits for the client threads and merges what they recorded.
    public func wait() -> RunResult {
        threads.forEach { $0.join() }
        let cpuAtEnd = CPUUsage.currentProcess()
        guard let timeline else { preconditionFailure("wait() before start()") }
        let measuredEnd = min(monotonicNanoseconds(), timeline.end)
        let stoppedAt: UInt64
        if case .count = plan.stop {
            stoppedAt = max(drivers.map(\.recorder.lastCompletion).max() ?? measuredEnd, timeline.measureStart + 1)
        } else {
            stoppedAt = max(measuredEnd, timeline.measureStart + 1)
        }
        let cpu = cpuAtEnd.since(cpuAtMeasureStart.value ?? cpuAtEnd)
        // Stopped during the warm-up, the window has not begun: it is then dated from now.
        let sinceMeasureStart = (Double(monotonicNanoseconds()) - Double(timeline.measureStart)) / 1e9
        return RunResult(plan: plan, recorders: drivers.map(\.recorder),
                         elapsedSeconds: Double(stoppedAt - timeline.measureStart) / 1e9, cpu: cpu,
                         cpuSeconds: max(sinceMeasureStart, 1e-9),
                         startedAt: Date(timeIntervalSinceNow: -max(sinceMeasureStart, 0)))
    }
}
