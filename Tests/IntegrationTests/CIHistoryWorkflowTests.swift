import Foundation
import StackbenchTesting
import Testing
import Yams

/// docs/ci.md's history workflow, run as its runner would run it on three merges to main of a Django project in a
/// git repository: each merge's run lands on the `stackbench-history` branch of the remote (made on the first, an
/// orphan), labelled with the merge's commit, and the history step reads the branch's runs into the step summary,
/// an HTML page and a JUnit file. The first run alone is no series (exit 2, no summary); with too few runs to
/// judge, the gate exits 2 and says so; when
/// history finds a change is HistoryTests' and HistoryCommandTests' to check.
extension CIWorkflowTests {
    /// The GitHub job of docs/ci.md's history workflow (`jobs.history`).
    static func documentedHistoryJob() throws -> [String: Any] {
        let text = try String(contentsOfFile: ScenarioRunTests.repository + "/docs/ci.md", encoding: .utf8)
        let blocks = text.components(separatedBy: "```yaml\n").dropFirst().map { $0.components(separatedBy: "\n```")[0] }
        let jobs = try blocks.compactMap { try (Yams.load(yaml: $0) as? [String: Any])?["jobs"] as? [String: Any] }
        return try #require(jobs.compactMap { $0["history"] as? [String: Any] }.first, "docs/ci.md has no history workflow")
    }

    @Test func theHistoryWorkflowKeepsEachMergesRunOnABranchAndReadsThem() throws {
        let folder = try TemporaryFolder()
        let job = try Self.documentedHistoryJob()
        let remote = try Self.makeRemote(in: folder, scenario: try Self.scenario(of: job["env"]), change: .none)
        var merged: [String] = []
        for merge in 1...3 {
            // The push to main: the base, then the branch merged, then one more commit.
            if merge == 2 { try Self.git(["merge", "-q", "--no-edit", "change"], in: remote) }
            if merge == 3 { try Self.git(["commit", "-q", "--allow-empty", "-m", "third merge"], in: remote) }
            let runner = try TemporaryFolder()
            let workspace = runner.file("workspace")
            try Self.git(["clone", "-q", remote, workspace], in: "/")
            merged.append(try runCommand("/usr/bin/git", ["rev-parse", "--short=12", "HEAD"], directory: workspace, timeout: 30).stdout
                .trimmingCharacters(in: .whitespacesAndNewlines))
            let environment = Self.baseEnvironment(home: runner.file("home")).merging(Self.stringValues(job["env"])) { $1 }
            let outcomes = try Self.runSteps(of: job, in: workspace, runner: runner, environment: environment, mayFail: "History and gate")
            let history = try #require(outcomes["History and gate"])
            let summary = try String(contentsOfFile: runner.file("step-summary.md"), encoding: .utf8)
            #expect(history.status == 2, "merge \(merge): too few runs to judge: exit \(history.status)\n\(history.stderr)")
            if merge == 1 {
                #expect(history.stderr.contains("a history needs at least two runs") && summary.isEmpty, "merge 1: \(history.stderr)\n\(summary)")
                continue
            }
            #expect(history.stderr.contains("gate: cannot judge:"), "merge \(merge): \(history.stderr)")
            #expect(summary.contains("## stackbench history") && summary.contains("\(merge) run(s), from "), "merge \(merge): \(summary)")
            #expect(FileManager.default.fileExists(atPath: runner.file("runner-temp/history.html")), "merge \(merge)")
            #expect(FileManager.default.fileExists(atPath: runner.file("runner-temp/history.xml")), "merge \(merge)")
        }
        // The remote's branch holds one run per merge, each labelled with the commit it measured, in merge order.
        let listed = try runCommand("/usr/bin/git", ["ls-tree", "-r", "--name-only", "stackbench-history"], directory: remote, timeout: 30)
        let results = listed.stdout.split(separator: "\n").filter { $0.hasSuffix("/result.json") }.sorted()
        try #require(results.count == 3, "\(listed.stdout) \(listed.stderr)")
        let labels = try results.map { path -> String in
            let shown = try runCommand("/usr/bin/git", ["show", "stackbench-history:\(path)"], directory: remote, timeout: 30)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])
            return json["label"] as? String ?? ""
        }
        #expect(labels == merged, "each run records the merge it measured")
        let commits = try runCommand("/usr/bin/git", ["rev-list", "--count", "stackbench-history"], directory: remote, timeout: 30)
        #expect(commits.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "3", "a commit per run, on a branch of its own")
    }
}
