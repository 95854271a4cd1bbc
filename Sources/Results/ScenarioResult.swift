import BenchSupport
import Foundation
import LoadEngine

/// What `stackbench run` writes to `result.json` (schema `stackbench.run/3`): the scenario, the machine, the load
/// settings, the matrix cells, and each configuration (a target with the settings it reads) with every window
/// measured of it: the full load result (histogram and per-second series included) with the CPU time and memory of
/// each stack process over the window. Written atomically, once at the end (also after Ctrl-C, marked `interrupted`,
/// with the cells that finished). Files of `stackbench.run/2` are read too (`RunFolder.read`).
@PublicInit
public struct ScenarioResult: Codable, Sendable {
    public static let currentSchema = "stackbench.run/3"

    public var schema: String = ScenarioResult.currentSchema
    public var scenario: ScenarioInfo
    public var machine: Machine
    public var stackbench: Build
    public var startedAt: String
    public var finishedAt: String?
    public var interrupted: Bool = false
    public var load: LoadInfo
    public var cells: [Cell] = []
    /// Each target's configurations, in the order they were first measured; cells name the ones they share.
    public var configurations: [Configuration] = []
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
    /// When the commit in `label` was made (RFC 3339), when the run found the commit itself in the project's git
    /// checkout; nil for a label given by hand and in older results. `stackbench history` orders runs by it.
    public var commitTime: String? = nil

    @PublicInit
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
    }

    @PublicInit
    public struct OrderEntry: Codable, Sendable, Equatable {
        public var round: Int
        public var cell: String
        public var target: String
        public var repetition: Int
    }

    @PublicInit
    public struct ScenarioInfo: Codable, Sendable {
        public var name: String
        public var file: String
        public var stack: [String: String]
    }

    @PublicInit
    public struct Machine: Codable, Sendable {
        public var cpuModel: String
        public var cores: Int
        public var kernel: String
        /// MemTotal of /proc/meminfo.
        public var memoryKiB: Int? = nil

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

    @PublicInit
    public struct Build: Codable, Sendable {
        public var version: String
        public var gitSha: String?
    }

    @PublicInit
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
        /// The load generator's engine (load.engine); nil in results from before it existed.
        public var engine: Engine? = nil
    }

    @PublicInit
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
        /// The ids of the configurations this cell shares, one per target in the scenario's order (none when
        /// skipped); `ScenarioResult.targets(in:)` gives their targets.
        public var configurations: [String] = []
        /// The configs the cell's stack ran from (file name → text).
        public var configs: [String: String]? = nil
    }

    @PublicInit
    public struct ThresholdOutcome: Codable, Sendable {
        public var threshold: String
        public var line: Int?
        public var cell: String
        public var target: String
        public var value: Double?
        public var passed: Bool
    }
}

extension ScenarioResult.Cell {
    /// This cell after a later round of it: a failed round fails the cell (its reason kept, prefixed with the
    /// round); the notes of both. (The round's windows go to their configurations.)
    public func merging(_ later: ScenarioResult.Cell, round: Int) -> ScenarioResult.Cell {
        var merged = self
        if later.status != .ok {
            merged.status = later.status
            merged.failure = [failure, "round \(round): " + (later.failure ?? "")].compactMap { $0 }.joined(separator: "; ")
            merged.logTail = later.logTail
        }
        merged.notes += later.notes.filter { !notes.contains($0) }
        merged.configurations += later.configurations.filter { !configurations.contains($0) }
        return merged
    }
}
