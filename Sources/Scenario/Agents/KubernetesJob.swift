import BenchSupport
import Foundation
import LoadEngine
import Results

/// Load agents as a Kubernetes Indexed Job (`stackbench k8s job`), and their results read back from `kubectl logs`
/// (`stackbench k8s collect`).
///
/// The Job runs N pods of one image at once (completionMode Indexed, parallelism = completions = N). Each pod loads
/// the scenario's external targets one after another at start times fixed in the manifest, so that every pod loads
/// the same target at the same time; its share of the connections comes from its `JOB_COMPLETION_INDEX`. Each
/// result goes to the pod's standard output as JSON between marker lines, so that `kubectl logs` (with `--prefix` or
/// without, pods interleaved or not) carries everything back; collect merges each target's results exactly
/// (`RunResult.merge`). Must not: talk to a cluster itself (kubectl does), or stand up a stack (the targets are
/// URLs the cluster serves).
public enum KubernetesJob {
    static let resultMarker = "---stackbench-result"
    static let endMarker = "---stackbench-end---"
    /// How many pods a Job may have (and a log may name).
    static let agentRange = 1...1000
    /// Between one target's window and the next one's start: time for the slowest pod to finish and write.
    static let gapSeconds = 5.0

    /// The Job's YAML. Throws a `FlagError` or the scenario's error when the scenario cannot run as pods.
    public static func manifest(scenario: Scenario, agents: Int, image: String, startAt: Date) throws -> String {
        let script = try podScript(scenario: scenario, agents: agents, startAt: startAt)
        let name = jobName(scenario.name)
        let indented = script.split(separator: "\n", omittingEmptySubsequences: false).map { "              " + $0 }
        return """
            # stackbench k8s job: \(agents) load agents for \(scenario.file), starting at \(RunResult.formatTime(startAt)).
            # kubectl apply -f THIS; after the Job completes: kubectl logs -l job-name=\(name) --prefix --tail=-1 \\
            #   --max-log-requests=\(max(agents, 5)) > logs.txt; stackbench k8s collect logs.txt
            apiVersion: batch/v1
            kind: Job
            metadata:
              name: \(name)
              labels:
                app.kubernetes.io/name: stackbench
                app.kubernetes.io/component: load-agent
            spec:
              completionMode: Indexed
              completions: \(agents)
              parallelism: \(agents)
              backoffLimit: 0
              template:
                metadata:
                  labels:
                    app.kubernetes.io/name: stackbench
                    app.kubernetes.io/component: load-agent
                spec:
                  restartPolicy: Never
                  containers:
                    - name: agent
                      image: \(yamlQuoted(image))
                      command: ["/bin/sh", "-c"]
                      args:
                        - |
            \(indented.joined(separator: "\n"))

            """
    }

    /// A DNS-1123 name from the scenario's: `stackbench-` and its letters and digits, at most 63 characters.
    static func jobName(_ scenario: String) -> String {
        var name = "stackbench-" + String(scenario.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "-" })
        while name.contains("--") { name = name.replacingOccurrences(of: "--", with: "-") }
        return String(name.prefix(63)).trimmingCharacters(in: CharacterSet(charactersIn: "-"))
    }

    /// What each pod runs: every target in turn at its fixed start time, each result between markers; exits with the
    /// highest status of its loads.
    public static func podScript(scenario: Scenario, agents: Int, startAt: Date) throws -> String {
        guard agentRange.contains(agents) else { throw FlagError("--agents", "must be 1 to \(agentRange.upperBound), got \(agents)") }
        let load = scenario.load
        guard let duration = load.duration, load.count == nil else {
            throw FlagError("SCENARIO", "\(scenario.file): load.count cannot run as a Job: the pods load each target at a fixed time, so give duration:")
        }
        guard load.search == nil else { throw FlagError("SCENARIO", "\(scenario.file): load.search needs the harness; a Job runs fixed windows") }
        guard load.connections >= agents * load.threads else {
            throw FlagError("--agents", "is \(agents), and \(agents) agents of \(load.threads) thread(s) need at least \(agents * load.threads) connections; the scenario has \(load.connections)")
        }
        var lines = ["set -u", "i=${JOB_COMPLETION_INDEX:-0}", "n=\(agents)", "rc=0"]
        var start = startAt
        let window = Double(load.warmup + duration) / 1e9
        for (position, target) in scenario.targets.enumerated() {
            guard target.kind == .external, let base = target.baseURL else {
                throw FlagError("SCENARIO", "\(scenario.file): target \(target.name) is a \(target.kind.rawValue) target; pods load URLs the cluster "
                                + "serves: give it kind: external and url:")
            }
            guard target.sendsAsURLs else {
                throw FlagError("SCENARIO", "\(scenario.file): target \(target.name): pods are given URLs with one method and one set of headers, "
                                + "equally weighted and without a body")
            }
            let words = ["stackbench"] + scenario.loadPlan(for: target, base: base).agentArguments(agents: agents, startAt: start)
            let command = words.map(StackProcess.quote).joined(separator: " ")
                + " -c \"$(( \(load.connections) / n + (i < \(load.connections) % n) ))\" --tag \"agent-$i\""
            // The JSON is written whole, then printed in one piece after the load's own stderr lines.
            let file = "\"${TMPDIR:-/tmp}/stackbench-$$-\(position + 1).json\""
            lines += [
                "\(command) > \(file); status=$?",
                "[ \"$status\" -gt \"$rc\" ] && rc=$status",
                "echo \"\(resultMarker) target=\(target.name) agent=$i of=$n status=$status---\"",
                "cat \(file); rm -f \(file)",
                "echo \"\(endMarker)\"",
            ]
            start = start.addingTimeInterval(window + gapSeconds)
        }
        lines.append("exit \"$rc\"")
        return lines.joined(separator: "\n")
    }

    /// Each target's merged result from `kubectl logs` output: lines optionally prefixed `[pod/NAME/CONTAINER] `,
    /// several pods' lines interleaved or not. Throws a `FileError` on `source` naming what is missing or broken.
    public static func collect(logs: String, source: String) throws -> [(target: String, result: RunResult)] {
        var open: [String: (header: String, lines: [String])] = [:]  // by prefix: a result being read
        var found: [String: [(agent: Int, of: Int, pod: String, json: String)]] = [:]
        var order: [String] = []
        for raw in logs.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = Substring(raw)
            var prefix = ""
            if line.hasPrefix("["), let close = line.firstIndex(of: "]"), line[line.index(after: close)...].hasPrefix(" ") {
                prefix = String(line[line.index(after: line.startIndex)..<close])
                line = line[line.index(close, offsetBy: 2)...]
            }
            if line.hasPrefix(resultMarker) {
                open[prefix] = (String(line), [])
            } else if line == endMarker, let result = open.removeValue(forKey: prefix) {
                let fields = Dictionary(result.header.dropFirst(resultMarker.count).trimmingCharacters(in: CharacterSet(charactersIn: " -"))
                    .split(separator: " ").compactMap { field -> (String, String)? in
                        let parts = field.split(separator: "=", maxSplits: 1)
                        return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
                    }, uniquingKeysWith: { a, _ in a })
                guard let target = fields["target"], let agent = fields["agent"].flatMap(Int.init), let of = fields["of"].flatMap(Int.init) else {
                    throw FileError(path: source, problem: "a result marker without target=, agent= and of=: \(result.header)")
                }
                // The log is input: the numbers and the name (a file name under --output-folder) are checked.
                guard agentRange.contains(of), (0..<of).contains(agent) else {
                    throw FileError(path: source, problem: "a result marker with agent=\(agent) of=\(of): a Job has 1 to \(agentRange.upperBound) agents, numbered from 0")
                }
                guard Self.isFileName(target) else {
                    throw FileError(path: source, problem: "a result marker whose target \(target.debugDescription) cannot name a file")
                }
                if found[target] == nil { order.append(target) }
                found[target, default: []].append((agent, of, prefix, result.lines.joined(separator: "\n")))
            } else if open[prefix] != nil {
                open[prefix]!.lines.append(String(line))
            }
        }
        guard !order.isEmpty else {
            throw FileError(path: source, problem: "holds no stackbench result (\(resultMarker) … \(endMarker)); is it `kubectl logs` of the Job's pods?")
        }
        if let (prefix, unfinished) = open.first {
            throw FileError(path: source, problem: "a result that never ends (\(unfinished.header)\(prefix.isEmpty ? "" : " from " + prefix)): the log was cut")
        }
        return try order.map { target in
            let results = found[target]!
            let expected = results[0].of
            if let other = results.first(where: { $0.of != expected }) {
                throw FileError(path: source, problem: "target \(target): agent \(other.agent) says of=\(other.of), agent \(results[0].agent) of=\(expected)")
            }
            let agents = Set(results.map(\.agent))
            guard agents.count == results.count, agents == Set(0..<expected) else {
                let missing = Set(0..<expected).subtracting(agents).sorted()
                throw FileError(path: source, problem: "target \(target): \(results.count) result(s) for \(expected) agents"
                                + (missing.isEmpty ? " (an agent twice)" : ", agent(s) \(missing.map(String.init).joined(separator: ", ")) missing"))
            }
            let parts = try results.sorted { $0.agent < $1.agent }.map { part -> (source: String, result: RunResult) in
                let name = part.pod.isEmpty ? "agent \(part.agent)" : part.pod
                guard let result = try? JSONDecoder().decode(RunResult.self, from: Data(part.json.utf8)) else {
                    throw FileError(path: source, problem: "target \(target), \(name): its result is not a complete load result")
                }
                return (name, result)
            }
            return (target, try RunResult.merge(parts))
        }
    }

    /// A target name that is one plain file name: not empty, `.` or `..`, no `/`, NUL or control character.
    static func isFileName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && name.utf8.count <= 200
            && !name.unicodeScalars.contains { $0 == "/" || $0.value < 0x20 || $0.value == 0x7F }
    }

    private static func yamlQuoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
