import Foundation
import LoadEngine
import StackbenchTesting
import Testing
import Yams

/// `stackbench k8s job` and `k8s collect`. No cluster runs here: the manifest's structure is checked as Kubernetes
/// reads it, and the pods' own script is run here, two at once as the Job's pods would, with their output recorded
/// as `kubectl logs --prefix` prints it (lines interleaved) and collected back into one merged result per target.
@Suite(.serialized) struct KubernetesJobTests {
    static let stackbench = BuiltProducts.stackbench

    static func scenario(_ server: FixtureHTTPServer, in folder: TemporaryFolder) throws -> String {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let file = folder.file("cluster.yml")
        try """
            name: In the cluster
            stack:
              project: \(repository)/scenarios/teacher/settings.yml
              uwsgi: \(repository)/scenarios/teacher/uwsgi.ini
              nginx: \(repository)/scenarios/teacher/nginx.conf
            targets:
              home: {kind: external, url: "\(server.url())", requests: [/, /a]}
              other: {kind: external, url: "\(server.url())", requests: [/b]}
            load:
              connections: 5
              duration: 1s
              warmup: 200ms
            """.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    @Test func theManifestIsAnIndexedJobOfNPods() throws {
        let server = try FixtureHTTPServer()
        defer { server.shutdown() }
        let folder = try TemporaryFolder()
        let job = try runCommand(Self.stackbench, ["k8s", "job", try Self.scenario(server, in: folder), "--agents", "3",
                                                   "--image", "registry.example/stackbench:0.1.0", "--start-at", "\(Int(Date().timeIntervalSince1970) + 600)"])
        #expect(job.status == 0, "\(job.stderr)")
        let manifest = try #require(try Yams.load(yaml: job.stdout) as? [String: Any])
        #expect(manifest["apiVersion"] as? String == "batch/v1" && manifest["kind"] as? String == "Job")
        #expect((manifest["metadata"] as? [String: Any])?["name"] as? String == "stackbench-in-the-cluster")
        let spec = try #require(manifest["spec"] as? [String: Any])
        #expect(spec["completionMode"] as? String == "Indexed")
        #expect(spec["completions"] as? Int == 3 && spec["parallelism"] as? Int == 3)
        #expect(spec["backoffLimit"] as? Int == 0)
        let pod = try #require((spec["template"] as? [String: Any])?["spec"] as? [String: Any])
        #expect(pod["restartPolicy"] as? String == "Never")
        let container = try #require((pod["containers"] as? [[String: Any]])?.first)
        #expect(container["image"] as? String == "registry.example/stackbench:0.1.0")
        #expect(container["command"] as? [String] == ["/bin/sh", "-c"])
        let script = try #require((container["args"] as? [String])?.first)
        #expect(script.contains("i=${JOB_COMPLETION_INDEX:-0}") && script.contains("n=3"))
        #expect(script.components(separatedBy: "--start-at").count == 3, "one start time per target")
        #expect(script.contains("---stackbench-result target=home agent=$i of=$n"))
    }

    @Test func thePodsOutputInTheirLogsCollectsIntoOneMergedResultPerTarget() throws {
        let server = try FixtureHTTPServer()
        defer { server.shutdown() }
        let folder = try TemporaryFolder()
        let file = try Self.scenario(server, in: folder)
        // The pods' script, as the manifest holds it, started 1.5 s from now.
        let job = try runCommand(Self.stackbench, ["k8s", "job", file, "--agents", "2", "--image", "x", "--start-in", "1500ms"])
        #expect(job.status == 0, "\(job.stderr)")
        let manifest = try #require(try Yams.load(yaml: job.stdout) as? [String: Any])
        let spec = try #require(manifest["spec"] as? [String: Any])
        let pod = try #require((spec["template"] as? [String: Any])?["spec"] as? [String: Any])
        let script = try #require(((pod["containers"] as? [[String: Any]])?.first?["args"] as? [String])?.first)
        // Each pod: the image's stackbench is this build; JOB_COMPLETION_INDEX as Kubernetes sets it.
        let path = (Self.stackbench as NSString).deletingLastPathComponent + ":/usr/bin:/bin"
        let pods = try (0..<2).map { index in
            try RunningProcess("/bin/sh", ["-c", script], environment: ["PATH": path, "JOB_COMPLETION_INDEX": String(index)])
        }
        let outputs = pods.map { $0.wait(timeout: 60) }
        for output in outputs { #expect(output.status == 0, "\(output.stderr)") }
        // kubectl logs --prefix, the two pods' lines interleaved.
        let lines = outputs.enumerated().map { index, output in
            output.stdout.split(separator: "\n").map { "[pod/stackbench-in-the-cluster-\(index)-x7k2p/agent] \($0)" }
        }
        var logs: [String] = []
        for row in 0..<max(lines[0].count, lines[1].count) {
            for pod in lines where row < pod.count { logs.append(pod[row]) }
        }
        try logs.joined(separator: "\n").write(toFile: folder.file("logs.txt"), atomically: true, encoding: .utf8)
        let collect = try runCommand(Self.stackbench, ["k8s", "collect", folder.file("logs.txt"), "--output-folder", folder.file("merged")])
        #expect(collect.status == 0, "\(collect.stderr)")
        #expect(collect.stdout.contains("home: 2 agents") && collect.stdout.contains("other: 2 agents"), "\(collect.stdout)")
        for target in ["home", "other"] {
            let merged = try JSONDecoder().decode(RunResult.self, from: Data(contentsOf: URL(fileURLWithPath: folder.file("merged/\(target).json"))))
            let agents = try #require(merged.agents)
            #expect(agents.count == 2 && agents.allSatisfy { $0.responses > 0 }, "\(target): \(agents.map(\.responses))")
            #expect(merged.summary.responses == agents.reduce(0) { $0 + $1.responses })
            #expect(merged.config.connections == 5, "3 + 2 connections")
        }

        // A cut log: the error names the file and the target.
        let cut = logs.filter { !($0.hasPrefix("[pod/stackbench-in-the-cluster-1") && $0.contains("target=other")) }
        try cut.joined(separator: "\n").write(toFile: folder.file("cut.txt"), atomically: true, encoding: .utf8)
        let missing = try runCommand(Self.stackbench, ["k8s", "collect", folder.file("cut.txt")])
        #expect(missing.status == 2 && missing.stderr.contains("target other"), "\(missing.stderr)")
        let empty = try runCommand(Self.stackbench, ["k8s", "collect", "/dev/null"])
        #expect(empty.status == 2 && empty.stderr.contains("holds no stackbench result"), "\(empty.stderr)")
    }

    /// Issue 29: a log is input. Markers whose numbers trapped or aborted, and a target name that wrote outside
    /// --output-folder, are one-line errors (exit 2) naming the log, and nothing is written.
    @Test(arguments: ["agent=0 of=-1", "agent=0 of=9223372036854775807", "agent=0 of=1000000000000", "agent=5 of=2",
                      "agent=-1 of=2"])
    func markersWithImpossibleAgentNumbersAreRefused(numbers: String) throws {
        let folder = try TemporaryFolder()
        try "---stackbench-result target=home \(numbers) status=0---\n{}\n---stackbench-end---\n"
            .write(toFile: folder.file("logs.txt"), atomically: true, encoding: .utf8)
        let collect = try runCommand(Self.stackbench, ["k8s", "collect", folder.file("logs.txt"), "--output-folder", folder.file("out")])
        #expect(collect.status == 2 && collect.stderr.contains("logs.txt") && collect.stderr.contains("a Job has 1 to 1000 agents"),
                "\(numbers): \(collect.status) \(collect.stderr)")
        #expect(!collect.stderr.contains("Fatal error"))
    }

    @Test(arguments: ["../pwned", "/etc/pwned", "..", "a/b"])
    func aTargetThatCannotNameAFileIsRefused(target: String) throws {
        let folder = try TemporaryFolder()
        try "---stackbench-result target=\(target) agent=0 of=1 status=0---\n{}\n---stackbench-end---\n"
            .write(toFile: folder.file("logs.txt"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: folder.file("out"), withIntermediateDirectories: true)
        let collect = try runCommand(Self.stackbench, ["k8s", "collect", folder.file("logs.txt"), "--output-folder", folder.file("out")])
        #expect(collect.status == 2 && collect.stderr.contains("cannot name a file"), "\(target): \(collect.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.file("pwned.json")))
    }

    @Test func aScenarioThatCannotRunAsPodsIsRefused() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let stackTarget = try runCommand(Self.stackbench, ["k8s", "job", repository + "/scenarios/ci-smoke.yml", "--agents", "2", "--image", "x"])
        #expect(stackTarget.status == 2 && stackTarget.stderr.contains("target dev-server is a dev-server target"), "\(stackTarget.stderr)")
        let server = try FixtureHTTPServer()
        defer { server.shutdown() }
        let folder = try TemporaryFolder()
        let scenario = try Self.scenario(server, in: folder)
        for (arguments, expected) in [(["--agents", "0"], "--agents must be 1 to 1000, got 0"),
                                      (["--agents", "9"], "--agents is 9, and 9 agents of 1 thread(s) need at least 9 connections"),
                                      (["--agents", "2", "--start-in", "forever"], "--start-in must be a duration"),
                                      (["--agents", "2", "--start-at", "2020-01-01T00:00:00Z"], "--start-at is ")] {
            let result = try runCommand(Self.stackbench, ["k8s", "job", scenario, "--image", "x"] + arguments)
            #expect(result.status == 2 && result.stderr.contains(expected) && result.stdout.isEmpty, "\(arguments): \(result.stderr)")
        }
    }
}
