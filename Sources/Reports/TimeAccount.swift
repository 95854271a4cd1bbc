import BenchSupport
import Results

/// Where the time of one configuration's requests went, and which tier held it: the analysis behind the
/// "Where the time went" answers.
///
/// Owns: reading a target's windows (client-bound ones left out) into medians over windows of the client's p50,
/// the pool's time per request (uWSGI's running_time over its requests: from a worker taking the request to its
/// end — the app, reading the request and writing the answer), the rest of the median request spent outside a
/// worker (waiting for a free one in the socket's backlog, the front and the network: not told apart without the
/// front's log), how busy the pool's slots (workers × threads) and the stack's cores were; and from those the
/// bottleneck, said only when a figure shows it. Must not: guess — without the pool's figures or the cores it
/// says what it cannot tell.
struct TimeAccount: Equatable {
    enum Bottleneck: Equatable {
        /// The pool's slots were busy 90% of the window or more: requests queued for a worker.
        case pool
        /// The serving processes used 90% or more of the stack's cores, two thirds of it or more the front's: the
        /// requests queued in the front's sockets until it got to them.
        case front
        /// The serving processes used 90% or more of the stack's cores.
        case cores
        /// Neither: the client's connections set the pace (a fixed wait, or too few connections to fill the stack).
        case none
    }

    var medianMicros: Double
    /// The pool's time per request (µs), its slots and how busy they were (0...1); nil without a pool or figures.
    var workerMicros: Double?
    var slots: Int?
    var poolBusy: Double?
    /// Connections waiting in the pool's accept queue for a worker: the median over windows of each window's mean
    /// of its samples, and the most seen in any sample; nil without samples.
    var queuedMean: Double?
    var queuedMax: Int?
    /// The serving processes' CPU over the window, as a share of the stack's cores (0...1); nil when unknown.
    var coresBusy: Double?
    var cores: Int?
    /// Threads of the serving processes runnable but waiting for a core, on average over the window; nil when unknown.
    var waitingForCores: Double?
    /// The front's share of the serving processes' CPU over the window (0...1); nil without a front or figures.
    var frontShareOfCPU: Double?
    var connections: Int
    /// From the front's timing log (medians, µs): its `$request_time`, and of the requests it passed to the pool
    /// the time to the pool's answer head and to the answer's end; nil without a front or its log.
    var frontMicros: Double?
    var upstreamHeaderMicros: Double?
    var upstreamResponseMicros: Double?
    /// Most of the windows were flagged latency-bound: a fixed wait with the server idle.
    var stalled = false
    /// The client's median time to the answer's first byte (µs); nil in results from before it was recorded.
    var firstByteMicros: Double?
    /// The front's connects to the pool that took a second or more, over all the windows; nil with none.
    var slowConnects: Int?

    var bottleneck: Bottleneck? {
        if let poolBusy, poolBusy >= 0.9 { return .pool }
        if let coresBusy, coresBusy >= 0.9 { return (frontShareOfCPU ?? 0) >= 2.0 / 3 ? .front : .cores }
        return coresBusy == nil && poolBusy == nil ? nil : Bottleneck.none
    }

    /// The account of `target`'s windows; nil when every window was client-bound (they measured the client).
    init?(target: ScenarioResult.Target, cores: Int?, connections: Int) {
        let windows = target.repetitions.filter { !$0.windowFlags.contains { $0.kind == .clientBound } && $0.load.summary.responses > 0 }
        guard !windows.isEmpty else { return nil }
        func median(_ values: [Double]) -> Double? { values.isEmpty ? nil : Statistics.median(values.sorted()) }
        medianMicros = median(windows.map { $0.load.latency[.p50] }) ?? 0
        workerMicros = median(windows.compactMap { $0.pool?.busyMicrosPerRequest })
        poolBusy = median(windows.compactMap { $0.pool?.busyShare(over: $0.load.summary.elapsedSeconds) })
        slots = windows.compactMap { $0.pool?.slots }.first
        queuedMean = median(windows.compactMap { $0.pool?.listenQueue?.mean })
        queuedMax = windows.compactMap { $0.pool?.listenQueue?.max }.max()
        let roles = target.kind.servingRoles
        /// The CPU seconds of the processes serving the target in a window; nil when none was measured (unknown,
        /// not idle).
        func servingCPU(_ window: ScenarioResult.Repetition) -> Double? {
            let serving = window.processes.filter { roles.contains($0.role) }
            return serving.isEmpty ? nil : serving.reduce(0) { $0 + $1.cpuSeconds }
        }
        if let cores, cores > 0, !roles.isEmpty {
            coresBusy = median(windows.compactMap { window in
                servingCPU(window).map { $0 / max(window.load.summary.elapsedSeconds, 0.001) / Double(cores) }
            })
        }
        if roles.contains(.front) {
            frontShareOfCPU = median(windows.compactMap { window in
                guard let serving = servingCPU(window), serving > 0,
                      let front = window.processes.first(where: { $0.role == .front }) else { return nil }
                return front.cpuSeconds / serving
            })
        }
        waitingForCores = median(windows.compactMap { window in
            let serving = window.processes.filter { roles.contains($0.role) }
            let waits = serving.compactMap(\.runnableSeconds)
            guard !serving.isEmpty, waits.count == serving.count else { return nil }
            return waits.reduce(0, +) / max(window.load.summary.elapsedSeconds, 0.001)
        })
        frontMicros = median(windows.compactMap { $0.front.map { $0.requestMillis * 1000 } })
        upstreamHeaderMicros = median(windows.compactMap { $0.front?.headerMillis.map { $0 * 1000 } })
        upstreamResponseMicros = median(windows.compactMap { $0.front?.responseMillis.map { $0 * 1000 } })
        self.cores = cores
        self.connections = connections
        firstByteMicros = median(windows.compactMap { $0.load.firstByteLatency?[.p50] })
        let slow = windows.compactMap { $0.front?.slowConnects }.reduce(0, +)
        slowConnects = slow > 0 ? slow : nil
        stalled = 2 * windows.filter { $0.windowFlags.contains { $0.kind == .latencyBound } }.count > windows.count
    }

    /// The parts a median request is split into, in the order a chart lays them end to end.
    enum Tier: String, CaseIterable {
        case worker = "in a worker"
        case waitingForWorker = "waiting for a worker"
        case front = "in the front"
        case clientSide = "client ↔ front"
        case waitingForFront = "waiting for the front"
        case outsideWorker = "outside a worker (not split further)"
        case toFirstByte = "to the answer's first byte"
        case afterFirstByte = "first byte to last"
        case unsplit = "not split (no figures from the servers)"

        /// How the sentence says a part of this tier; nil for the whole, unsplit.
        var phrase: String? {
            switch self {
            case .worker: "in a worker"
            case .waitingForWorker: "waiting for one"
            case .front: "in the front"
            case .clientSide: "between the client and the front"
            case .waitingForFront: "waiting for the front to read it (queued in its socket) and on the network"
            case .outsideWorker: "outside one (waiting for a free worker, the front, the network)"
            case .toFirstByte: "to the answer's first byte (the server's work and any wait for it)"
            case .afterFirstByte: "from its first byte to its last"
            case .unsplit: nil
            }
        }

        /// Worked out from the front's log, which counts whole milliseconds (nginx's and ours).
        var fromFrontLog: Bool { self == .waitingForWorker || self == .front || self == .clientSide || self == .waitingForFront }
    }

    /// The median request by tier (µs, none negative), as `sentence` splits it: with the front's log and the pool's
    /// figures into four parts, with one of them into two, with neither (a dev server) at the answer's first byte as
    /// the client saw it, else whole and not split. The parts add up to the median
    /// but for the answer's streaming after its head (nginx's response less header time), which no part holds.
    /// The time before the front's log starts (its first byte read) is the client's side; when the front held
    /// the cores, it is the front's queue.
    var tiers: [(tier: Tier, micros: Double)] {
        let part = { (micros: Double) in max(0, micros) }
        let beforeFront: Tier = bottleneck == .front ? .waitingForFront : .clientSide
        if let worker = workerMicros, let front = frontMicros, let header = upstreamHeaderMicros, let response = upstreamResponseMicros {
            // The pool's head came `header` after the front connected: the worker's own time, the rest waiting for one.
            return [(.worker, part(worker)), (.waitingForWorker, part(header - worker)), (.front, part(front - response)),
                    (beforeFront, part(medianMicros - front))]
        }
        if let worker = workerMicros { return [(.worker, part(worker)), (.outsideWorker, part(medianMicros - worker))] }
        if let front = frontMicros { return [(.front, part(front)), (beforeFront, part(medianMicros - front))] }
        // No figures from the servers (a dev server): the client's own split at the answer's first byte.
        if let firstByte = firstByteMicros { return [(.toFirstByte, part(firstByte)), (.afterFirstByte, part(medianMicros - firstByte))] }
        return [(.unsplit, part(medianMicros))]
    }

    /// One clause: the tier that held the time, its figures and what would change it, or that none saturated;
    /// then the front's slow connects to the pool, where there were any.
    var sentence: String {
        guard let slowConnects else { return verdict }
        return verdict + "; \(slowConnects) of the front's connects to the pool took a second or more — the kernel sends a SYN again "
            + "a second after the pool's socket dropped it, its accept queue full: a larger `listen` lets connections wait in the queue instead"
    }

    /// Where a latency-bound window's wait fell, when the client's split shows it inside the answer: most of the
    /// median after its first byte.
    private var stallInsideTheAnswer: String {
        guard let firstByte = firstByteMicros, medianMicros - firstByte >= 0.8 * medianMicros else { return "" }
        return " — the wait came after the answer's first byte: as when a server writes the head and the body apart and the second "
            + "write waits for the client's delayed ACK (Nagle's algorithm)"
    }

    private var verdict: String {
        // CPU read in clock ticks can come to a little over the window: shown as at most 100%.
        let percent = { (share: Double) in "\(Int((min(share, 1) * 100).rounded()))%" }
        let median = Units.formatMicroseconds(medianMicros)
        // The median's parts as `tiers` splits it; a part from the front's log below its resolution is said as
        // such, not as a figure the log cannot give, and an answer whose last byte came with its first (one read,
        // the same histogram bucket) has nothing measurable after it.
        let parts = tiers.compactMap { part in
            part.tier.phrase.map { phrase in
                let figure = part.tier.fromFrontLog && part.micros < 1000 ? "under 1ms"
                    : part.tier == .afterFirstByte && part.micros < 1 ? "nothing measurable" : Units.formatMicroseconds(part.micros)
                return figure + " " + phrase
            }
        }
        let split = parts.isEmpty ? "" : "; the median request took \(median): " + parts.dropLast().joined(separator: ", ") + " and " + parts.last!
        // How many of the serving threads, on average, were ready to run with no core free: the crowding of more
        // workers than cores, said where it is worth a word (a tenth of a thread or more).
        let crowding = waitingForCores.flatMap { $0 >= 0.1 ? ", with \(Units.formatTenths($0)) thread(s) on average waiting for one" : nil } ?? ""
        let coresText = coresBusy.map { "the stack's \(cores ?? 0) core(s) were \(percent($0)) busy" + crowding }
        switch bottleneck {
        case .pool?:
            let slotsText = slots.map { "\($0) slot(s) (workers × threads)" } ?? "slots"
            let advice = (coresBusy ?? 0) >= 0.9
                ? "more workers need more cores (\(coresText!))"
                : "more workers or threads would serve more at once" + (coresText.map { " (\($0))" } ?? "")
            let queue = queuedMean.map { ", with \(Units.formatTenths($0)) connection(s) on average (at most \(queuedMax ?? 0)) waiting in its accept queue" } ?? ""
            return "the pool: its \(slotsText) were busy \(percent(poolBusy!)) of the window\(queue)\(split); \(advice)"
        case .front?:
            return "the front: \(coresText!), \(percent(frontShareOfCPU!)) of it the front's own, so requests queued in its socket until it "
                + "read them; more front workers (worker_processes) need more cores" + split
        case .cores?:
            let who = workerMicros != nil || slots != nil ? "more workers or threads" : "more server processes or threads"
            return "the cores: \(coresText!), so \(who) cannot help without more cores"
                + (poolBusy.map { " (the pool's slots were busy \(percent($0)))" } ?? "") + split
        case .none?:
            let parts = [poolBusy.map { "the pool's slots were busy \(percent($0))" }, coresText].compactMap { $0 }
            return "no tier saturated (\(parts.joined(separator: ", "))): \(connections) connection(s) waiting \(median) each set the rate"
                + (stalled ? ", a fixed wait with the server idle (latency-bound)" : "") + split + (stalled ? stallInsideTheAnswer : "")
        case nil:
            return "cannot tell: neither the pool's figures nor the stack's cores are known (an external target)"
        }
    }
}

extension RunAnalysis {
    /// The stack's cores: `server-cpus` when pinned, else the machine's.
    var serverCores: Int? {
        if let text = load.serverCPUs, let set = try? CPUSet(parsing: text) { return set.cpus.count }
        return machine.cores > 0 ? machine.cores : nil
    }

    /// "Where the time went" for each target: one finding per target, a clause per configuration.
    var timeFindings: [String] {
        targetNames.compactMap { name in
            let configurations = configurations(of: name)
            let clauses = configurations.compactMap { configuration -> String? in
                guard let account = TimeAccount(target: configuration.target, cores: serverCores, connections: load.connections) else { return nil }
                return (configurations.count > 1 ? "\(configuration.label): " : "") + account.sentence
            }
            guard !clauses.isEmpty else { return nil }
            return "Where \(name)'s time went — " + clauses.joined(separator: " · ")
        }
    }
}
