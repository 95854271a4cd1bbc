import ArgumentParser
import BenchSupport
import Foundation
import LoadEngine
import Scenario

/// `stackbench k8s job|collect`: load agents as a Kubernetes Indexed Job, and their results back from its logs.
struct Kubernetes: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "k8s",
        abstract: "Load agents as a Kubernetes Indexed Job, and their merged results from its logs (docs/distributed.md).",
        subcommands: [Job.self, Collect.self])

    struct Job: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write an Indexed Job whose N pods load the scenario's external targets together.",
            discussion: "Each target is loaded by every pod at a start time fixed in the manifest, with its share of the "
                + "connections; each result is printed between marker lines for `stackbench k8s collect`.")

        @Argument(help: "A scenario whose targets are kind: external (URLs the cluster serves).") var scenario: String
        @Option(help: "Pods, each one load agent.") var agents: Int
        @Option(help: "A container image with stackbench on its PATH (this version).") var image: String
        @Option(help: "When the first target's load begins: epoch seconds or RFC 3339. (default: now + --start-in)") var startAt: String?
        @Option(help: "Or: this long from now (90s, 5m); leave time to apply the Job and pull the image.") var startIn = "120s"
        @Option(name: .shortAndLong, help: "Write the manifest here instead of standard output.") var output: String?

        func run() throws {
            let loaded = try Scenario.load(file: scenario)
            let start: Date
            if let startAt {
                start = try LoadOptions.startTime(startAt)
            } else {
                guard let nanos = Units.parseDuration(startIn) else { throw FlagError("--start-in", "must be a duration such as 120s, got \"\(startIn)\"") }
                start = Date().addingTimeInterval(Double(nanos) / 1e9)
            }
            let text = try KubernetesJob.manifest(scenario: loaded, agents: agents, image: image, startAt: start)
            guard let output else { print(text, terminator: ""); return }
            if let problem = FileSystem.writeAtomically(Data(text.utf8), to: output) {
                throw FileError(path: output, problem: "cannot write: \(problem)")
            }
        }
    }

    struct Collect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Merge the agents' results out of `kubectl logs -l job-name=NAME --prefix` output, per target.")

        @Argument(help: "The saved logs; - for standard input.") var logs: String
        @Option(help: "Write each target's merged result as FOLDER/TARGET.json.") var outputFolder: String?

        func run() throws {
            let text = logs == "-" ? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
                : try FileSystem.readText(logs, maximumBytes: 1 << 30)
            let merged = try KubernetesJob.collect(logs: text, source: logs == "-" ? "standard input" : logs)
            if let outputFolder {
                try FileSystem.createDirectories(outputFolder)
                for (target, result) in merged { try ResultFile.write(result, to: outputFolder + "/" + target + ".json") }
            }
            for (target, result) in merged {
                print("\(target): \(result.agents?.count ?? 1) agents, \(result.startedAt) for " + Units.fixed(result.summary.elapsedSeconds, 2) + "s")
                print(LoadSummary(result).text)
            }
        }
    }
}
