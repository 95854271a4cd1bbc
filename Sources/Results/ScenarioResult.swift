import BenchSupport
import Foundation
import LoadEngine

/// What `stackbench run` writes to `result.json` (schema `stackbench.run/1`): the scenario, the machine, the load
/// settings, and per matrix cell and target every repetition's full load result (histogram and per-second series
/// included) with the CPU time and memory of each stack process over the measured window. Written atomically, once
/// at the end (also after Ctrl-C, marked `interrupted`, with the cells that finished).
public struct ScenarioResult: Codable, Sendable {
    public static let currentSchema = "stackbench.run/2"

    public var schema = ScenarioResult.currentSchema
    public var scenario: ScenarioInfo
    public var machine: Machine
    public var stackbench: Build
    public var startedAt: String
    public var finishedAt: String?
    public var interrupted = false
    public var load: LoadInfo
    public var cells: [Cell] = []
    public var thresholds: [ThresholdOutcome] = []
    /// The windows in the order they were measured (round, cell, target, repetition); nil in files written
    /// before it was recorded.
    public var order: [OrderEntry]? = []
    /// Everything `stackbench run --replay` needs to measure the same again (nil in older results).
    public var reproduction: Reproduction? = nil
    /// How the project copies were made ready before the first cell (collectstatic, migrate, `setup:`), one line
    /// per step; nil in older results.
    public var preparation: [String]? = nil
    /// What the run measured, in the user's words: `stackbench run --label`, else the commit of the project under
    /// test when it is a git checkout (`3f2a9c1d7e4b`, `+dirty` with uncommitted changes); nil when neither.
    public var label: String? = nil

    public init(scenario: ScenarioInfo, machine: Machine, stackbench: Build, startedAt: String, finishedAt: String? = nil, load: LoadInfo, cells: [Cell] = [], thresholds: [ThresholdOutcome] = [], order: [OrderEntry]? = [], reproduction: Reproduction? = nil) {
        self.scenario = scenario
        self.machine = machine
        self.stackbench = stackbench
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.load = load
        self.cells = cells
        self.thresholds = thresholds
        self.order = order
        self.reproduction = reproduction
    }

    public struct Reproduction: Codable, Sendable {
        /// The scenario as written, and the folder its relative paths resolve against.
        public var scenarioText: String
        public var scenarioFolder: String
        /// The user's uwsgi.ini and nginx.conf as read at run time ("uwsgi", "nginx" → text).
        public var stackFiles: [String: String]
        public var quick: Bool
        public var rounds: Int
        /// The command line that ran it.
        public var command: String
        /// How the load generator draws its random numbers (the request mix): fixed seeds, the same every run.
        public var randomness: String
        /// Versions of the programs besides stackbench that served (nginx, uWSGI, Python and Django).
        public var programs: [String: String]

        public init(scenarioText: String, scenarioFolder: String, stackFiles: [String: String], quick: Bool, rounds: Int, command: String, randomness: String, programs: [String: String]) {
            self.scenarioText = scenarioText
            self.scenarioFolder = scenarioFolder
            self.stackFiles = stackFiles
            self.quick = quick
            self.rounds = rounds
            self.command = command
            self.randomness = randomness
            self.programs = programs
        }
    }

    public struct OrderEntry: Codable, Sendable, Equatable {
        public var round: Int
        public var cell: String
        public var target: String
        public var repetition: Int

        public init(round: Int, cell: String, target: String, repetition: Int) {
            self.round = round
            self.cell = cell
            self.target = target
            self.repetition = repetition
        }
    }

    public struct ScenarioInfo: Codable, Sendable {
        public var name: String
        public var file: String
        public var stack: [String: String]

        public init(name: String, file: String, stack: [String: String]) {
            self.name = name
            self.file = file
            self.stack = stack
        }
    }

    public struct Machine: Codable, Sendable {
        public var cpuModel: String
        public var cores: Int
        public var kernel: String
        /// MemTotal of /proc/meminfo.
        public var memoryKiB: Int? = nil

        public init(cpuModel: String, cores: Int, kernel: String, memoryKiB: Int? = nil) {
            self.cpuModel = cpuModel
            self.cores = cores
            self.kernel = kernel
            self.memoryKiB = memoryKiB
        }

        public static func current() -> Machine {
            let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
            let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
                .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" } ?? "unknown"
            var names = utsname()
            uname(&names)
            let release = withUnsafeBytes(of: &names.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            let meminfo = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? ""
            let memory = meminfo.split(separator: "\n").first { $0.hasPrefix("MemTotal:") }
                .flatMap { $0.split(separator: " ").dropFirst().first.flatMap { Int($0) } }
            return Machine(cpuModel: model, cores: ProcessInfo.processInfo.activeProcessorCount, kernel: release, memoryKiB: memory)
        }
    }

    public struct Build: Codable, Sendable {
        public var version: String
        public var gitSha: String?

        public init(version: String, gitSha: String? = nil) {
            self.version = version
            self.gitSha = gitSha
        }
    }

    public struct LoadInfo: Codable, Sendable {
        public var connections: Int
        public var threads: Int
        public var durationSeconds: Double?
        public var count: Int?
        public var warmupSeconds: Double
        public var rate: Double?
        public var repetitions: Int
        public var keepAlive: Bool
        public var clientCPUs: String?
        public var serverCPUs: String?
        /// `--repeat N`: the cells were stood up and measured once per round (nil: one).
        public var rounds: Int?
        /// A capacity search's limits, when the load searched (load.search).
        public var search: String? = nil
        /// The load generator's engine (load.engine): "framed" or "curl"; nil in results from before it existed.
        public var engine: String? = nil

        public init(connections: Int, threads: Int, durationSeconds: Double? = nil, count: Int? = nil, warmupSeconds: Double, rate: Double? = nil, repetitions: Int, keepAlive: Bool, clientCPUs: String? = nil, serverCPUs: String? = nil, rounds: Int? = nil, search: String? = nil, engine: String? = nil) {
            self.connections = connections
            self.threads = threads
            self.durationSeconds = durationSeconds
            self.count = count
            self.warmupSeconds = warmupSeconds
            self.rate = rate
            self.repetitions = repetitions
            self.keepAlive = keepAlive
            self.clientCPUs = clientCPUs
            self.serverCPUs = serverCPUs
            self.rounds = rounds
            self.search = search
            self.engine = engine
        }
    }

    public struct Cell: Codable, Sendable {
        public var index: Int
        public var label: String
        public var settings: [CellSetting]
        /// With `failed` or `skipped`, the reason (and for a failure the failing process's log tail).
        public var status: CellStatus
        public var failure: String?
        public var logTail: String?
        /// Rewrites the run made to the user's files, and anything left behind at stop.
        public var notes: [String]
        public var targets: [Target]
        /// The configs the cell's stack ran from (file name → text).
        public var configs: [String: String]? = nil

        public init(index: Int, label: String, settings: [CellSetting], status: CellStatus, failure: String? = nil, logTail: String? = nil, notes: [String], targets: [Target], configs: [String: String]? = nil) {
            self.index = index
            self.label = label
            self.settings = settings
            self.status = status
            self.failure = failure
            self.logTail = logTail
            self.notes = notes
            self.targets = targets
            self.configs = configs
        }
    }

    public struct Target: Codable, Sendable {
        public var name: String
        public var kind: String
        public var url: String
        public var repetitions: [Repetition]
        public var median: Summary?
        /// The spread of req/s over the repetitions (nil with one).
        public var noise: NoiseCheck? = nil
        /// One capacity search per repetition (load.search); each repetition is then the window at capacity.
        public var searches: [SearchResult]? = nil
        /// The matrix keys this target does not read (the dev server ignores the pool's `workers`): every cell that
        /// differs from this one only in them carries the same windows, measured once per round in one of them
        /// (each window names its cell). Nil in results written before the run planned by dependency.
        public var ignores: [String]? = nil
        /// In result.json only: the windows are those of this target in the cell with this label (shared, stored
        /// once); `RunFolder.read` puts them back.
        public var windowsIn: String? = nil

        public init(name: String, kind: String, url: String, repetitions: [Repetition], median: Summary? = nil, noise: NoiseCheck? = nil, searches: [SearchResult]? = nil,
                    ignores: [String]? = nil) {
            self.ignores = ignores
            self.name = name
            self.kind = kind
            self.url = url
            self.repetitions = repetitions
            self.median = median
            self.noise = noise
            self.searches = searches
        }

        /// `metric` in each repetition, in order. Server CPU per request and memory count only the processes that
        /// serve this kind of target (front and pool for proxied-dynamic); the others idle meanwhile.
        public func values(_ metric: Metric) -> [Double] {
            if metric == .capacity { return capacities }
            let roles = TargetKind(rawValue: kind)?.servingRoles ?? []
            if metric == .pss, !repetitions.allSatisfy({ $0.processes.filter { roles.contains($0.role) }.allSatisfy { $0.pssKiB != nil } }) {
                return []  // written before PSS was measured: not comparable
            }
            return repetitions.map { repetition in
                let load = repetition.load
                switch metric {
                case .rps: return load.summary.responsesPerSecond
                case .p50, .p75, .p90, .p99, .p999: return metric.percentile.map { load.latency[$0] } ?? 0
                case .errors: return Double(load.summary.errors)
                case .non2xx: return Double(load.summary.non2xx3xx)
                case .cpuPerRequest:
                    return repetition.processes.filter { roles.contains($0.role) }.reduce(0) { $0 + $1.cpuMicrosecondsPerRequest }
                case .rss: return Double(repetition.processes.filter { roles.contains($0.role) }.reduce(0) { $0 + $1.rssKiB })
                case .pss: return Double(repetition.processes.filter { roles.contains($0.role) }.reduce(0) { $0 + ($1.pssKiB ?? 0) })
                case .capacity: return 0  // replaced below
                }
            }
        }

        /// The requests of a mix by name (`GET /notes/`: method, path and query; host and port differ between
        /// stacks), when every repetition recorded each of them once; empty for a target sending one request.
        public var mixRequests: [String] {
            guard let first = repetitions.first?.load.perRequest?.map(Self.requestName), Set(first).count == first.count, first.count > 1,
                  repetitions.allSatisfy({ $0.load.perRequest?.map(Self.requestName) == first }) else { return [] }
            return first
        }

        /// `metric` for one request of the mix in each repetition (`mixRequests` names them); empty for a metric
        /// not measured per request (`Metric.perRequest`).
        public func values(_ metric: Metric, request: String) -> [Double] {
            guard metric.perRequest else { return [] }
            return repetitions.compactMap { $0.load.perRequest?.first { Self.requestName($0) == request } }.map { row in
                switch metric {
                case .rps: row.responsesPerSecond
                case .errors: Double(row.errors)
                case .non2xx: Double(row.non2xx3xx)
                default: metric.percentile.map { row.latency[$0] } ?? 0
                }
            }
        }

        static func requestName(_ row: RunResult.RequestBreakdown) -> String { row.method + " " + RequestURL.pathAndQuery(row.url) }

        /// Each search's capacity (0 where none was found); empty without a search.
        public var capacities: [Double] { (searches ?? []).map { $0.capacity ?? 0 } }

        /// This target with a later measurement's windows (and searches) added after its own.
        public func appending(_ later: Target) -> Target {
            var merged = self
            merged.repetitions += later.repetitions
            if let searches = later.searches { merged.searches = (self.searches ?? []) + searches }
            return merged
        }
    }

    public struct Repetition: Codable, Sendable {
        public var load: RunResult
        /// Per stack process (pool = master and workers together), over the measured window.
        public var processes: [ProcessUsage]
        /// What the pool's stats server counted over the window; nil without a pool or when it did not answer.
        public var pool: PoolWindow?
        /// What the front's timing log says of the window's requests; nil without a front, or in older results.
        public var front: FrontWindow? = nil
        /// How busy the client's pinned cores were over the window (every process on them), 0...1.
        public var clientCoresBusy: Double? = nil
        /// Why the window cannot be trusted, if it cannot (WindowValidity); nil in older results.
        public var flags: [WindowFlag]? = nil
        /// Stack processes that ended or started during the window.
        public var processChanges: [ProcessChange]? = nil
        /// The target's events, as carried out in this window.
        public var events: [EventRecord]? = nil
        /// The cell whose stack served this window, and the round (1-based); nil in older results.
        public var cell: String? = nil
        public var round: Int? = nil

        public init(load: RunResult, processes: [ProcessUsage], pool: PoolWindow? = nil, clientCoresBusy: Double? = nil, flags: [WindowFlag]? = nil, processChanges: [ProcessChange]? = nil, events: [EventRecord]? = nil) {
            self.load = load
            self.processes = processes
            self.pool = pool
            self.clientCoresBusy = clientCoresBusy
            self.flags = flags
            self.processChanges = processChanges
            self.events = events
        }
    }

    /// The front's own account of one window's requests, from the timing log the run adds beside the user's
    /// access_log (nginx's `$request_time` and `$upstream_*_time`, millisecond resolution): medians, ms.
    public struct FrontWindow: Codable, Sendable, Equatable {
        /// Requests the front finished in the window.
        public var requests: Int
        /// `$request_time`: from the request's first byte read to the answer's last byte sent; median and p99.
        public var requestMillis: Double
        public var requestP99Millis: Double
        /// The requests passed to the pool, and the medians of their `$upstream_connect_time` (to the connection),
        /// `$upstream_header_time` (to the pool's answer head: waiting for a worker, then its work) and
        /// `$upstream_response_time` (to the answer's end); nil with none.
        public var upstreamRequests: Int
        public var connectMillis: Double?
        public var headerMillis: Double?
        public var responseMillis: Double?

        public init(requests: Int, requestMillis: Double, requestP99Millis: Double, upstreamRequests: Int,
                    connectMillis: Double?, headerMillis: Double?, responseMillis: Double?) {
            self.requests = requests
            self.requestMillis = requestMillis
            self.requestP99Millis = requestP99Millis
            self.upstreamRequests = upstreamRequests
            self.connectMillis = connectMillis
            self.headerMillis = headerMillis
            self.responseMillis = responseMillis
        }
    }

    /// The pool's own counters over one measured window, per worker.
    public struct PoolWindow: Codable, Sendable {
        public struct Worker: Codable, Sendable {
            public var id: Int
            public var pid: Int
            public var requests: Int
            public var respawns: Int
            public var harakiris: Int
            /// uWSGI's avg_rt at the end of the window (its running average), µs.
            public var averageResponseMicros: Int
            /// Time this worker spent on requests during the window (the growth of uWSGI's `running_time`: from
            /// the request's start to its end, summed over its threads), µs; nil in older results.
            public var busyMicros: Int? = nil
            /// Its threads (uWSGI's `cores`), each able to hold one request; nil in older results.
            public var threads: Int? = nil

            public init(id: Int, pid: Int, requests: Int, respawns: Int, harakiris: Int, averageResponseMicros: Int,
                        busyMicros: Int? = nil, threads: Int? = nil) {
                self.id = id
                self.pid = pid
                self.requests = requests
                self.respawns = respawns
                self.harakiris = harakiris
                self.averageResponseMicros = averageResponseMicros
                self.busyMicros = busyMicros
                self.threads = threads
            }
        }

        /// The accept queue of the socket the window's requests entered the pool through, sampled every 200 ms
        /// (as `ss -l` reads it): connections no worker had accepted yet. nil in older results or when unreadable.
        public struct ListenQueueSamples: Codable, Sendable, Equatable {
            public var samples: Int
            public var mean: Double
            public var max: Int
            /// The most the queue can hold (the socket's `listen`); nil for a TCP socket, where /proc does not say.
            public var backlog: Int?

            public init(samples: Int, mean: Double, max: Int, backlog: Int?) {
                self.samples = samples
                self.mean = mean
                self.max = max
                self.backlog = backlog
            }
        }

        public var workers: [Worker]
        public var listenQueueErrors: Int
        public var listenQueue: ListenQueueSamples?

        public init(workers: [Worker], listenQueueErrors: Int, listenQueue: ListenQueueSamples? = nil) {
            self.workers = workers
            self.listenQueueErrors = listenQueueErrors
            self.listenQueue = listenQueue
        }

        /// Request slots: workers times threads; nil when the stats did not say (older results).
        public var slots: Int? {
            let threads = workers.map(\.threads)
            return threads.contains(nil) || workers.isEmpty ? nil : threads.reduce(0) { $0 + $1! }
        }

        /// How much of the window the pool's slots were holding a request, 0...1 (busy time over `seconds` times
        /// the slots): near 1, requests queued for a free worker; nil without the figures.
        public func busyShare(over seconds: Double) -> Double? {
            guard let slots, slots > 0, seconds > 0, let busy = busyMicros else { return nil }
            return min(1, Double(busy) / 1e6 / seconds / Double(slots))
        }

        /// The pool's time per request over the window, µs: what a request spent in a worker (the app, reading the
        /// request and writing the answer); nil without the figures or requests.
        public var busyMicrosPerRequest: Double? {
            let requests = workers.reduce(0) { $0 + $1.requests }
            guard let busy = busyMicros, requests > 0 else { return nil }
            return Double(busy) / Double(requests)
        }

        /// Busy time summed over the workers, µs; nil when a worker's is unknown.
        public var busyMicros: Int? {
            let each = workers.map(\.busyMicros)
            return each.contains(nil) ? nil : each.reduce(0) { $0 + $1! }
        }
    }

    public struct ProcessUsage: Codable, Sendable {
        public var role: StackRole
        public var cpuSeconds: Double
        public var cpuMicrosecondsPerRequest: Double
        /// Peak RSS summed over the process tree, KiB: counts the shared binary and libraries once per process, so
        /// it overstates a pool of many processes; kept for reference, never added across roles.
        public var rssKiB: Int
        /// Proportional set size at the window's end, summed over the tree (shared pages split among their users,
        /// so sums are honest), KiB; nil in results written before it was measured or where smaps_rollup is not
        /// readable.
        public var pssKiB: Int? = nil
        /// Unique set size (private pages only) at the window's end, summed over the tree, KiB.
        public var ussKiB: Int? = nil
        public var processes: Int
        /// Seconds its threads spent runnable but waiting for a core over the window, summed over the threads (from
        /// /proc/PID/task/TID/schedstat); nil in older results.
        public var runnableSeconds: Double? = nil

        public init(role: StackRole, cpuSeconds: Double, cpuMicrosecondsPerRequest: Double, rssKiB: Int, pssKiB: Int? = nil,
                    ussKiB: Int? = nil, processes: Int, runnableSeconds: Double? = nil) {
            self.runnableSeconds = runnableSeconds
            self.pssKiB = pssKiB
            self.ussKiB = ussKiB
            self.role = role
            self.cpuSeconds = cpuSeconds
            self.cpuMicrosecondsPerRequest = cpuMicrosecondsPerRequest
            self.rssKiB = rssKiB
            self.processes = processes
        }
    }

    /// Medians over the repetitions; latencies in microseconds.
    public struct Summary: Codable, Sendable {
        public var rps: Double
        public var p50: Double
        public var p75: Double
        public var p90: Double
        public var p99: Double
        public var p999: Double
        public var errors: Double
        public var non2xx: Double
        /// Server CPU per request of the processes serving the target.
        public var cpuPerRequest: Double
        /// Peak memory of the processes serving the target, KiB.
        public var rss: Double
        /// Memory of the processes serving the target as PSS, KiB (nil when no repetition measured it).
        public var pss: Double? = nil
        /// Median capacity found by the searches, req/s (nil without a search).
        public var capacity: Double? = nil

        public init(rps: Double, p50: Double, p75: Double, p90: Double, p99: Double, p999: Double, errors: Double, non2xx: Double, cpuPerRequest: Double, rss: Double, pss: Double? = nil, capacity: Double? = nil) {
            self.pss = pss
            self.rps = rps
            self.p50 = p50
            self.p75 = p75
            self.p90 = p90
            self.p99 = p99
            self.p999 = p999
            self.errors = errors
            self.non2xx = non2xx
            self.cpuPerRequest = cpuPerRequest
            self.rss = rss
            self.capacity = capacity
        }

        /// What settings are ranked by: the capacity when a search ran, else req/s.
        public var rankingValue: Double { capacity ?? rps }

        public func value(_ metric: Metric) -> Double {
            switch metric {
            case .rps: rps
            case .p50: p50
            case .p75: p75
            case .p90: p90
            case .p99: p99
            case .p999: p999
            case .errors: errors
            case .non2xx: non2xx
            case .cpuPerRequest: cpuPerRequest
            case .rss: rss
            case .pss: pss ?? 0
            case .capacity: capacity ?? 0
            }
        }

        /// Medians of every metric over the target's repetitions.
        public static func median(of target: Target) -> Summary? {
            guard !target.repetitions.isEmpty else { return nil }
            func med(_ metric: Metric) -> Double { Statistics.median(target.values(metric)) }
            let pss = target.values(.pss)
            return Summary(rps: med(.rps), p50: med(.p50), p75: med(.p75), p90: med(.p90), p99: med(.p99), p999: med(.p999),
                           errors: med(.errors), non2xx: med(.non2xx), cpuPerRequest: med(.cpuPerRequest), rss: med(.rss),
                           pss: pss.isEmpty ? nil : Statistics.median(pss),
                           capacity: target.searches == nil ? nil : med(.capacity))
        }
    }

    public struct ThresholdOutcome: Codable, Sendable {
        public var threshold: String
        public var line: Int?
        public var cell: String
        public var target: String
        public var value: Double?
        public var passed: Bool

        public init(threshold: String, line: Int? = nil, cell: String, target: String, value: Double? = nil, passed: Bool) {
            self.threshold = threshold
            self.line = line
            self.cell = cell
            self.target = target
            self.value = value
            self.passed = passed
        }
    }
}

extension ScenarioResult.Cell {
    /// This cell with a later round's measurements added: repetitions appended per target; a failed round fails
    /// the cell (its reason kept, prefixed with the round).
    public func merging(_ later: ScenarioResult.Cell, round: Int) -> ScenarioResult.Cell {
        var merged = self
        if later.status != .ok {
            merged.status = later.status
            merged.failure = [failure, "round \(round): " + (later.failure ?? "")].compactMap { $0 }.joined(separator: "; ")
            merged.logTail = later.logTail
        }
        merged.notes += later.notes.filter { !notes.contains($0) }
        for target in later.targets {
            if let index = merged.targets.firstIndex(where: { $0.name == target.name }) {
                merged.targets[index] = merged.targets[index].appending(target)
            } else {
                merged.targets.append(target)
            }
        }
        return merged
    }

    /// Medians over every repetition of each target, in the scenario's target order.
    public func withMedians(of targetNames: [String], noiseLimit: Double) -> ScenarioResult.Cell {
        var cell = self
        cell.targets = targetNames.compactMap { name in
            guard var target = self.targets.first(where: { $0.name == name }) else { return nil }
            target.median = ScenarioResult.Summary.median(of: target)
            target.noise = Noise.check(of: target.values(.rps), limit: noiseLimit)
            return target
        }
        return cell
    }
}
