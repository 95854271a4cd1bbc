import ArgumentParser
import BenchSupport
import Foundation
import LoadEngine

/// `stackbench load URL`: an ad-hoc load, like wrk and oha.
struct Load: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load one or more URLs with libcurl clients and print a latency summary.",
        discussion: "Closed model by default (each connection sends its next request when the previous one "
            + "completes); --rate switches to the open model with coordinated-omission correction.")

    @Argument(help: "http:// or https:// URLs; several are sent in an equal mix, each with its own row.")
    var urls: [String] = []
    @Option(name: .shortAndLong, help: "Concurrent connections.") var connections = 50
    @Option(name: .shortAndLong, help: ArgumentHelp("Client threads, one libcurl multi handle each; auto: one per CPU the client may run on (--cpus, else the process's affinity), at most -c.", valueName: "n|auto"))
    var threads = "1"
    @Option(name: .shortAndLong, help: "Measured duration (10s, 500ms, 2m). (default: 10s, unless -n)") var duration: String?
    @Option(name: [.customShort("n"), .customLong("requests")], help: "Stop after this many requests.")
    var count: Int?
    @Option(name: [.customShort("R"), .customLong("rate")], help: "Open model (wrk2's -R): constant arrival rate, requests per second (5000, 10k). (default: closed model)")
    var rate: String?
    @Option(name: [.customShort("H"), .customLong("header")], help: "Header line \"Name: value\" (repeatable).")
    var headers: [String] = []
    @Option(name: .shortAndLong, help: "HTTP method.") var method = "GET"
    @Option(help: "Request body.") var body: String?
    @Option(help: "Read the request body from this file.") var bodyFile: String?
    @Option(help: "A JSON file with a weighted request mix (see docs/load.md).") var mix: String?
    @Option(help: "Send HTTP over this unix domain socket.") var unixSocket: String?
    @Option(help: "Per-request timeout.") var timeout = "30s"
    @Option(help: "Load before the measured window, not recorded.") var warmup = "0s"
    @Option(help: "Pin the client threads to these CPUs (0, 0-1, 0,2).") var cpus: String?
    @Option(help: "Write the result as JSON to this file; - for standard output (the summary then goes to stderr).") var json: String?
    @Option(help: ArgumentHelp("Start sending at this time (epoch seconds, or RFC 3339 such as 2026-12-02T17:00:00Z), so that agents on several machines start together; a time more than 1 s past is refused.", valueName: "time"))
    var startAt: String?
    @Option(help: "A name for this load, recorded in the JSON (an agent's host, say).") var tag: String?
    @Flag(help: "Accepted for wrk's users: the latency percentiles are always printed.") var latency = false
    @Flag(help: "Open a new connection for every request.") var noKeepalive = false
    @Option(help: ArgumentHelp("framed: libcurl connects and moves the bytes, stackbench writes HTTP/1.1 requests and frames the responses, as wrk does; curl: libcurl runs each request as its own transfer, at about 1.7-1.9x the client CPU per request. A mix sent to several origins always runs as curl.", valueName: "framed|curl"))
    var engine = "framed"
    @Flag(name: [.customShort("k"), .long], help: "https: do not verify the server's certificate or name (self-signed servers), as curl -k.")
    var insecure = false
    @Option(help: "https: trust the certificates in this PEM file instead of the system's, as curl --cacert.")
    var cacert: String?

    func run() throws {
        let plan = try LoadOptions(self).plan()
        let run = try LoadPlanError.namingFlags { try LoadRun(plan: plan) }
        if let problem = ConnectPreflight.problem(plan) {
            // As wrk: nothing to load, said once, before any client starts (exit 1, as a failed run).
            FileHandle.standardError.write(Data("stackbench: \(problem)\n".utf8))
            Foundation.exit(1)
        }
        let target = plan.unixSocketPath.map { "\(plan.requests[0].url) via \($0)" } ?? plan.requests[0].url
        // With --json - the JSON is standard output, and everything meant for a person goes to stderr.
        let say: (String) -> Void = json == "-" ? { FileHandle.standardError.write(Data($0.utf8)) } : { print($0, terminator: ""); fflush(nil) }
        say("Running \(describeStop(plan.stop)) test @ \(target)\(plan.requests.count > 1 ? " (+\(plan.requests.count - 1) more)" : "")\n")
        let engine = run.plan.engine == plan.engine ? "engine \(plan.engine.rawValue)"
            : "engine curl (the framed engine sends to one origin, without credentials in the URL)"
        say("  \(plan.threads) threads and \(plan.connections) connections, \(describeSchedule(plan.schedule)), \(engine)\n")
        if let start = plan.startAt { say("  starting at \(RunResult.formatTime(start))\n") }
        let result = LoadProgress(run: run).runToEnd()
        if let json {
            try ResultFile.write(result, to: json)
        }
        say(LoadSummary(result).text)
        if result.summary.responses == 0 {
            // Nothing to measure: a server that never answers is not a server at 0 latency (exit 1, as a failed run).
            fflush(nil)
            FileHandle.standardError.write(Data(("stackbench: no request completed (\(result.summary.unfinished) unfinished, "
                                                 + "\(result.summary.errors) failed\(LoadSummary.firstFailure(result))); "
                                                 + "there is no rate or latency to report\(LoadSummary.tlsHint(result))\n").utf8))
            Foundation.exit(1)
        }
    }

    private func describeStop(_ stop: StopCondition) -> String {
        switch stop {
        case .duration(let nanos): return Units.formatMicroseconds(Double(nanos) / 1000)
        case .count(let n): return "\(n)-request"
        }
    }

    private func describeSchedule(_ schedule: Schedule) -> String {
        switch schedule {
        case .closed: return "closed model"
        case .open(let rate): return "open model at \(Units.formatTenths(rate)) req/s"
        }
    }
}
