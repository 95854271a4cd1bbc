import BenchSupport
import Foundation
import LoadEngine

/// What a measured window drives: this machine's load engine (`LoadRun`), or the agents over SSH (`AgentLoad`).
protocol WindowLoad: AnyObject {
    var plan: LoadPlan { get }
    func start()
    /// Seconds into the measured window, negative before it.
    var elapsedSeconds: Double { get }
    /// Responses and failed requests counted so far, for the live line.
    var progressSoFar: (responses: Int, errors: Int) { get }
    func requestStop()
    var isStopRequested: Bool { get }
    /// Waits for the end and returns the window's result; throws when it could not be measured.
    func finish() throws -> RunResult
}

extension LoadRun: WindowLoad {
    var progressSoFar: (responses: Int, errors: Int) { (progress.responses, progress.errors) }
    func finish() throws -> RunResult { wait() }
}

extension LoadPlan {
    /// `stackbench load` arguments for each of `agents` agents sending this plan together from `startAt`: the URLs,
    /// threads, method, headers, timings, each agent's share of the rate, the JSON on standard output. What differs
    /// from agent to agent (its connections, its part of a count, its tag) the caller adds.
    func agentArguments(agents: Int, startAt: Date) -> [String] {
        var arguments = ["load"] + requests.map(\.url)
        arguments += ["-t", String(threads), "-m", requests[0].method, "--warmup", "\(warmupNanoseconds / 1_000_000)ms",
                      "--timeout", "\(timeoutNanoseconds / 1_000_000)ms",
                      "--start-at", Units.fixed(startAt.timeIntervalSince1970, 3), "--json", "-"]
        arguments += requests[0].headers.flatMap { ["-H", $0] }
        if case .duration(let nanos) = stop { arguments += ["-d", "\(nanos / 1_000_000)ms"] }
        if case .open(let rate) = schedule { arguments += ["--rate", String(rate / Double(agents))] }
        if !keepAlive { arguments.append("--no-keepalive") }
        if engine != .framed { arguments += ["--engine", engine.rawValue] }
        return arguments
    }
}

/// One window loaded by every agent at once: each runs `stackbench load … --start-at T --json -` over its master
/// connection with its share of the connections (and of the rate or count), writing its JSON and its stderr into
/// the cell folder; the results are merged exactly (`RunResult.merge`). The remote command stops when its ssh
/// session closes (its standard input ends), so a stop request, or this process ending, leaves nothing running
/// on the hosts. An agent that fails fails the window with its last line of stderr.
final class AgentLoad: WindowLoad, @unchecked Sendable {  // sessions are set in start() before another thread reads them; stopped is locked
    let plan: LoadPlan
    private let pool: AgentPool
    private let folder: String
    private let label: String
    private var sessions: [(agent: Scenario.Agent, process: SSHProcess?, json: String, log: String)] = []
    private var measureStart = Date.distantFuture
    private let stopped = Locked(false)
    /// Time for the agents to receive the command before they start together.
    static let lead: TimeInterval = 2

    /// `folder`: where each agent's JSON and stderr are kept; `label` names the window in those files.
    init(plan: LoadPlan, pool: AgentPool, folder: String, label: String) {
        self.plan = plan
        self.pool = pool
        self.folder = folder
        self.label = label
    }

    func start() {
        let startAt = Date().addingTimeInterval(Self.lead)
        measureStart = startAt.addingTimeInterval(Double(plan.warmupNanoseconds) / 1e9)
        let count = pool.agents.count
        for (index, agent) in pool.agents.enumerated() {
            var arguments = plan.agentArguments(agents: count, startAt: startAt)
            arguments += ["-c", String(LoadPlan.share(of: plan.connections, part: index, among: count)), "--tag", agent.destination]
            if case .count(let total) = plan.stop { arguments += ["-n", String(max(1, LoadPlan.share(of: total, part: index, among: count)))] }
            // The load in the background; a watcher ends it (SIGINT: it writes what it measured) when ssh's standard
            // input ends, which is when the session closes.
            let line = StackProcess.quote(pool.command) + " " + arguments.map(StackProcess.quote).joined(separator: " ")
                + " & p=$!; exec 3<&0; (cat <&3 >/dev/null; kill -INT $p 2>/dev/null) >/dev/null 2>&1 & wait $p"
            let name = folder + "/agent\(index + 1)-\(label)"
            let (json, log) = (name + ".json", name + ".log")
            do {
                let process = try SSHProcess(pool.sshArguments(agent) + ["--", line], stdout: json, stderr: log, keepInputOpen: true)
                sessions.append((agent, process, json, log))
            } catch {
                try? "\(error)\n".write(toFile: log, atomically: true, encoding: .utf8)
                sessions.append((agent, nil, json, log))
            }
        }
    }

    var elapsedSeconds: Double { Date().timeIntervalSince(measureStart) }

    /// From each agent's progress lines ("2.0s/5s  1234 responses  …  3 errors"), the latest of each, summed.
    var progressSoFar: (responses: Int, errors: Int) {
        sessions.reduce((0, 0)) { sum, session in
            let text = (try? String(contentsOfFile: session.log, encoding: .utf8)) ?? ""
            guard let line = text.split(separator: "\n").last(where: { $0.contains(" responses ") }) else { return sum }
            let words = line.split(separator: " ")
            let responses = words.firstIndex(of: "responses").flatMap { $0 > 0 ? Int(words[$0 - 1]) : nil } ?? 0
            let errors = words.firstIndex(of: "errors").flatMap { $0 > 0 ? Int(words[$0 - 1]) : nil } ?? 0
            return (sum.0 + responses, sum.1 + errors)
        }
    }

    func requestStop() {
        stopped.value = true
        for session in sessions { session.process?.closeInput() }
    }

    var isStopRequested: Bool { stopped.value }

    func finish() throws -> RunResult {
        let seconds: Double
        switch plan.stop {
        case .duration(let nanos): seconds = Double(nanos) / 1e9
        case .count: seconds = 600
        }
        let deadline = measureStart.addingTimeInterval(seconds + Double(plan.timeoutNanoseconds) / 1e9 + 10)
        // Past the deadline: closing the sessions ends the remote loads.
        for session in sessions {
            guard let process = session.process, !process.wait(until: deadline) else { continue }
            process.closeInput()
            if !process.wait(until: Date().addingTimeInterval(5)) { process.stop() }
        }
        var parts: [(source: String, result: RunResult)] = []
        for session in sessions {
            session.process?.closeInput()
            let log = (try? String(contentsOfFile: session.log, encoding: .utf8)) ?? ""
            let status = session.process?.status ?? 255
            let data = FileManager.default.contents(atPath: session.json) ?? Data()
            guard let result = try? JSONDecoder().decode(RunResult.self, from: data) else {
                throw AgentPool.Failure(description: "agent \(session.agent.url): " + (status == 0 ? "wrote no load result"
                    : AgentPool.lastLine(log, otherwise: "ssh exited with status \(status)")))
            }
            parts.append((session.agent.url, result))
        }
        return try RunResult.merge(parts)
    }
}
