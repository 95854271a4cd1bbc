// Scenario: the harness behind `stackbench run`.
//
// Owns: scenario files read and checked with every mistake named by line and key (`Model/`: `Scenario`, its YAML
// reading, the matrix, thresholds, stack variants, `--replay`), standing each cell's stack up from rewritten copies
// of the user's files and taking it down again (`Stack/`: the layout of a run folder, child processes, readiness
// probes, the pool's stats, events under load, the Debian programs of the reference stack), measuring windows and
// judging them (`Measure/`: CPU and memory per process over a window, window flags, capacity searches), the load
// agents elsewhere (`Agents/`: over SSH and as a Kubernetes Job), and the run itself (`ScenarioRun`: rounds,
// interleaving, interruption, the run folder written once at the end).
// Must not: lay results out (Reports does) or be needed by anything that only reads results (Results, Compare).
// Mirrors: nothing one program does; the conventions are wrk's (the load), benchstat's (the repetitions) and CI
// tools' (the exit status).

import BenchSupport
import Foundation
import LoadEngine
import Results

/// A declarative benchmark, as read from a scenario YAML file (docs/scenarios.md): the stack to stand up (project
/// settings, uwsgi.ini, nginx.conf), the settings to sweep (`matrix`), the paths to drive (`targets`), how hard and
/// how long (`load`), and what must hold (`thresholds`). The `stackbench run` command only wires the run to the
/// terminal.
public struct Scenario: Sendable {
    /// The scenario file as named by the user.
    public var file: String
    public var name: String
    public var stack: StackFiles
    public var matrix: Matrix
    public var targets: [Target]
    public var load: LoadSettings
    public var thresholds: [Threshold]
    /// `setup:` commands run once per run in the project copy before any cell (`manage.py ...` with Debian's
    /// Python, anything else with /bin/sh), each with its line in the scenario.
    public var setup: [(text: String, line: Int?)] = []

    /// Whether any target is served by a stack stackbench stands up (all `kind: external`: none is).
    public var needsStack: Bool { targets.contains { $0.kind != .external } }
    /// The scenario as written, kept in result.json so `--replay` can run it again.
    public var text = ""

    /// The user's files the stack is built from; paths are absolute (resolved against the scenario's folder).
    public struct StackFiles: Sendable {
        public var project: String
        public var uwsgiIni: String
        public var nginxConf: String
        /// The Django project (the folder with manage.py) a uWSGI pool and Django's runserver serve.
        public var django: String? = nil
        /// The front and pool of every cell that does not sweep `stack`.
        public var variant: StackVariant = .swift

        /// Whether stackbench's own pool and dev server serve the Django project (embedded CPython): a scenario
        /// that names `django:` and no Swift `project:`.
        public var swiftServesDjango: Bool { project.isEmpty && django != nil }
    }

    /// Every stack variant some cell runs.
    public var variants: Set<StackVariant> { Set(matrix.cells.map { $0.variant(default: stack.variant) }) }


    public struct Target: Sendable {
        public var name: String
        public var kind: TargetKind
        /// Only for `external`: the URL the requests' paths are joined to.
        public var baseURL: String?
        public var requests: [Request]
        public var checks: Checks
        public var line: Int?
        /// What happens to the stack during each measured window of this target (StackEvents).
        public var events: [Event] = []
    }

    /// Something done to the stack while load flows, `at` into the measured window.
    public struct Event: Sendable, Equatable {
        public enum Action: String, Sendable, CaseIterable {
            /// Graceful reload of the pool (SIGHUP to its master, as `uwsgi --reload`).
            case reloadPool = "reload-pool"
            /// SIGKILL to one pool worker; the master respawns it.
            case killWorker = "kill-worker"
            /// The pool stopped (as `uwsgi --stop`) and started again `duration` later.
            case stopPool = "stop-pool"
            /// Graceful reload of the front (SIGHUP, as `nginx -s reload`).
            case reloadFront = "reload-front"
            /// One request (GET /sleep) that outlasts harakiri, so the master kills its worker.
            case harakiri

            var needsPool: Bool { self != .reloadFront }
        }

        public var action: Action
        public var at: UInt64
        /// stop-pool: how long the pool stays down.
        public var duration: UInt64?
        public var line: Int?
    }

    public struct Request: Sendable, Equatable {
        public var method = "GET"
        public var path: String
        public var headers: [String] = []
        public var body: String?
        public var weight = 1.0
    }

    /// What a response must show when the target is verified before it is measured.
    public struct Checks: Sendable, Equatable {
        public var status = 200
        public var contains: String?
        public var minSize: Int?
    }

    public struct LoadSettings: Sendable {
        public var connections = 32
        public var threads = 1
        /// Measured time per target and repetition, or a request count.
        public var duration: UInt64? = 5_000_000_000
        public var count: Int?
        public var warmup: UInt64 = 1_000_000_000
        /// Open model, requests per second; nil: closed.
        public var rate: Double?
        /// Windows per target and configuration in each round, back to back.
        public var repetitions = 1
        /// Rounds: every cell stood up and measured once per round, rounds one after another, so each
        /// configuration's windows are interleaved with the rest (`--repeat N` overrides).
        public var rounds = 1
        public var keepAlive = true
        /// How the load generator uses libcurl (`stackbench load --engine`).
        public var engine = Engine.framed
        public var clientCPUs: CPUSet?
        public var serverCPUs: CPUSet?
        /// A target whose 95% interval of the median req/s is wider than this share of it is flagged noisy.
        public var noise = 0.10
        /// A capacity search instead of fixed windows (CapacitySearch).
        public var search: Search?
        /// Load from these machines over SSH instead of this one (AgentPool): the connections, the rate and the
        /// count are shared among them.
        public var agents: [Agent] = []
        /// `ssh -F FILE` for the agents (keys, users, known hosts); nil: the user's own ssh configuration.
        public var agentSSHConfig: String?
        /// The stackbench the agents run.
        public var agentCommand = "stackbench"
    }

    /// A load agent: `ssh://[user@]host[:port]`.
    public struct Agent: Sendable, Equatable {
        /// As written in the scenario.
        public var url: String
        /// `user@host` or `host`, as ssh takes it.
        public var destination: String
        public var port: Int?
    }
}

extension Scenario {
    /// The load of one window of `target` at `base`, from the scenario's load settings.
    public func loadPlan(for target: Target, base: String) -> LoadPlan {
        var plan = LoadPlan(requests: target.requests.map {
            RequestSpec(url: base + $0.path, method: $0.method, headers: $0.headers, body: $0.body.map { Array($0.utf8) }, weight: $0.weight)
        })
        plan.connections = load.connections
        plan.threads = load.threads
        // A pool's http-socket closes every connection after its answer (ours with Connection: close, uWSGI's
        // without a word, which makes a client that reuses the connection fail now and then): one per request.
        plan.keepAlive = load.keepAlive && target.kind != .poolDirect
        plan.engine = load.engine
        plan.warmupNanoseconds = load.warmup
        plan.cpus = load.clientCPUs
        if let rate = load.rate { plan.schedule = .open(requestsPerSecond: rate) }
        plan.stop = load.count.map { .count($0) } ?? .duration(nanoseconds: load.duration ?? 5_000_000_000)
        return plan
    }
}

extension Scenario.Target {
    /// Whether a load agent can be told these requests on its command line: URLs with one method and one set of
    /// headers, equally weighted, without a body.
    var sendsAsURLs: Bool {
        requests.allSatisfy { $0.body == nil } && Set(requests.map(\.method)).count == 1
            && Set(requests.map(\.headers)).count == 1 && Set(requests.map(\.weight)).count == 1
    }
}

extension Scenario {
    /// `--quick`: 1 s per target after 0.3 s of warm-up (longer where a target's events need it: until 2 s after
    /// the last one), one repetition in one round, of the matrix only its first and last cells, and capacity searches with
    /// 1 s steps and at most 8 of them — enough to see that everything stands up and answers.
    public mutating func shrinkForSmokeRun() {
        if load.count == nil, let duration = load.duration {
            let eventsEnd = targets.flatMap(\.events).map { $0.at + ($0.duration ?? 0) + 2_000_000_000 }.max() ?? 0
            load.duration = min(duration, max(1_000_000_000, eventsEnd))
        }
        load.warmup = min(load.warmup, 300_000_000)
        load.repetitions = 1
        load.rounds = 1
        if var search = load.search {
            search.step = min(search.step, 1_000_000_000)
            search.maximumSteps = min(search.maximumSteps, 8)
            load.search = search
        }
        if matrix.cells.count > 2, let first = matrix.cells.first, var last = matrix.cells.last {
            last.index = 2
            matrix.cells = [first, last]
        }
    }
}

