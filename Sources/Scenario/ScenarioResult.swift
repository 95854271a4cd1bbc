import BenchSupport
import Foundation
import LoadEngine

/// What `stackbench run` writes to `result.json` (schema `stackbench.run/1`): the scenario, the machine, the load
/// settings, and per matrix cell and target every repetition's full load result (histogram and per-second series
/// included) with the CPU time and memory of each stack process over the measured window. Written atomically, once
/// at the end (also after Ctrl-C, marked `interrupted`, with the cells that finished).
public struct ScenarioResult: Codable, Sendable {
    public static let currentSchema = "stackbench.run/1"

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

    public struct ScenarioInfo: Codable, Sendable {
        public var name: String
        public var file: String
        public var stack: [String: String]
    }

    public struct Machine: Codable, Sendable {
        public var cpuModel: String
        public var cores: Int
        public var kernel: String

        static func current() -> Machine {
            let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
            let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
                .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" } ?? "unknown"
            var names = utsname()
            uname(&names)
            let release = withUnsafeBytes(of: &names.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            return Machine(cpuModel: model, cores: ProcessInfo.processInfo.activeProcessorCount, kernel: release)
        }
    }

    public struct Build: Codable, Sendable {
        public var version: String
        public var gitSha: String?
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
    }

    public struct Cell: Codable, Sendable {
        public var index: Int
        public var label: String
        public var settings: [Matrix.Setting]
        /// "ok", or "failed" with the reason and the failing process's log tail.
        public var status: String
        public var failure: String?
        public var logTail: String?
        /// Rewrites the run made to the user's files, and anything left behind at stop.
        public var notes: [String]
        public var targets: [Target]
    }

    public struct Target: Codable, Sendable {
        public var name: String
        public var kind: String
        public var url: String
        public var repetitions: [Repetition]
        public var median: Summary?
    }

    public struct Repetition: Codable, Sendable {
        public var load: RunResult
        /// Per stack process (pool = master and workers together), over the measured window.
        public var processes: [ProcessUsage]
        /// What the pool's stats server counted over the window; nil without a pool or when it did not answer.
        public var pool: PoolWindow?
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
        }

        public var workers: [Worker]
        public var listenQueueErrors: Int
    }

    public struct ProcessUsage: Codable, Sendable {
        public var role: String
        public var cpuSeconds: Double
        public var cpuMicrosecondsPerRequest: Double
        public var rssKiB: Int
        public var processes: Int
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

        func value(_ metric: Threshold.Metric) -> Double {
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
            }
        }

        /// `roles`: the processes that serve the target (the front and the pool for proxied-dynamic); the others
        /// idle meanwhile and are left out of CPU per request and memory.
        static func median(of repetitions: [Repetition], roles: Set<String>) -> Summary? {
            guard !repetitions.isEmpty else { return nil }
            func med(_ values: [Double]) -> Double {
                let sorted = values.sorted()
                return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
            }
            func latency(_ key: String) -> Double { med(repetitions.map { $0.load.latency.percentiles[key] ?? 0 }) }
            return Summary(rps: med(repetitions.map(\.load.summary.requestsPerSecond)), p50: latency("50"), p75: latency("75"),
                           p90: latency("90"), p99: latency("99"), p999: latency("99.9"),
                           errors: med(repetitions.map { Double($0.load.summary.errors) }),
                           non2xx: med(repetitions.map { Double($0.load.summary.non2xx3xx) }),
                           cpuPerRequest: med(repetitions.map { $0.processes.filter { roles.contains($0.role) }.reduce(0) { $0 + $1.cpuMicrosecondsPerRequest } }),
                           rss: med(repetitions.map { Double($0.processes.filter { roles.contains($0.role) }.reduce(0) { $0 + $1.rssKiB }) }))
        }
    }

    public struct ThresholdOutcome: Codable, Sendable {
        public var threshold: String
        public var line: Int?
        public var cell: String
        public var target: String
        public var value: Double?
        public var passed: Bool
    }
}
