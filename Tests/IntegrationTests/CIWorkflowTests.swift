import Foundation
import Results
import StackbenchTesting
import Testing
import Yams

/// docs/ci.md's two jobs, run here as their runners would run them: the GitHub Actions workflow's `run:` steps and
/// the GitLab job's `script:`, read out of the document, with bash and the variables each runner sets, on a Django
/// project in a git repository whose scenario is what `stackbench init --ci` writes (with 2-second windows). On an
/// A/A pair (the change touches a comment) the gate passes; on a change whose view sleeps 5 ms more it fails naming
/// the view's target: in the step summary, the `::error::` annotations and the JUnit file (GitHub), in the JUnit
/// report (GitLab).
///
/// Not run: the runners, the `uses:` steps (checkout, cache, JUnit report, upload), the images, and the fetch of
/// stackbench (STACKBENCH_HOME is the checkout under test, as a cache hit would be). The first run builds stackbench
/// for release into `.build-ci/` (about 3 minutes on 2 cores), later runs incrementally. Each job measures 5 rounds
/// of each side: about 90 seconds.
@Suite(.serialized, .enabled(if: ReferenceStack.installed, "Debian's nginx, uwsgi, uwsgi-plugin-python3 and python3-django could not be installed"))
struct CIWorkflowTests {
    /// What the branch `change` does to the app.
    enum Change: String, CaseIterable, Sendable, CustomTestStringConvertible {
        /// A comment in the view: the same app, another commit.
        case none
        /// The view sleeps 5 ms more.
        case slowerView
        var testDescription: String { rawValue }
    }

    /// The YAML blocks of docs/ci.md: the GitHub workflow (it has `jobs:`) and the GitLab job (`script:`).
    static func documentedJobs() throws -> (github: [String: Any], gitlab: [String: Any]) {
        let text = try String(contentsOfFile: ScenarioRunTests.repository + "/docs/ci.md", encoding: .utf8)
        let blocks = text.components(separatedBy: "```yaml\n").dropFirst().map { $0.components(separatedBy: "\n```")[0] }
        let parsed = try blocks.compactMap { try Yams.load(yaml: $0) as? [String: Any] }
        let github = try #require(parsed.first { $0["jobs"] != nil }, "docs/ci.md has no GitHub workflow")
        let gitlab = try #require(parsed.first { ($0["performance"] as? [String: Any])?["script"] != nil }, "docs/ci.md has no GitLab job")
        return (github, gitlab)
    }

    /// A repository ("the remote") with a Django project and the scenario `init --ci` writes for it on main, and a
    /// branch `change` with `change` made to its /notes/ view.
    static func makeRemote(in folder: TemporaryFolder, scenario: String, change: Change) throws -> String {
        let remote = folder.file("remote")
        try FileManager.default.createDirectory(atPath: remote, withIntermediateDirectories: true)
        let repository = try TemporaryFolder()
        _ = try DjangoProjectTests.makeProject(in: repository)
        for name in ["mysite", "uwsgi.ini", "nginx.conf"] {
            try FileManager.default.copyItem(atPath: repository.file(name), toPath: remote + "/" + name)
        }
        try FileManager.default.createDirectory(atPath: remote + "/perf", withIntermediateDirectories: true)
        let initialized = try runCommand(BuiltProducts.stackbench, ["init", "--ci", "--django", "mysite", "--uwsgi", "uwsgi.ini", "--nginx", "nginx.conf",
                                                                    "-o", scenario], directory: remote, timeout: 120)
        try #require(initialized.status == 0, "init --ci: \(initialized.stderr)")
        // Windows of 2 s instead of 10 s, to keep the test short; everything else as init wrote it.
        let written = try String(contentsOfFile: remote + "/" + scenario, encoding: .utf8)
        try #require(written.contains("duration: 10s") && written.contains("warmup: 2s"), "\(written)")
        try written.replacingOccurrences(of: "duration: 10s", with: "duration: 2s").replacingOccurrences(of: "warmup: 2s", with: "warmup: 1s")
            .write(toFile: remote + "/" + scenario, atomically: true, encoding: .utf8)
        try git(["init", "-q", "-b", "main"], in: remote)
        try git(["add", "-A"], in: remote)
        try git(["commit", "-q", "-m", "base"], in: remote)
        try git(["checkout", "-q", "-b", "change"], in: remote)
        let views = remote + "/mysite/notes/views.py"
        let edited = switch change {
        case .none: "# counts the notes\ndef index(request):\n"
        case .slowerView: "import time\n\ndef index(request):\n    time.sleep(0.005)\n"
        }
        try String(contentsOfFile: views, encoding: .utf8).replacingOccurrences(of: "def index(request):\n", with: edited)
            .write(toFile: views, atomically: true, encoding: .utf8)
        try git(["commit", "-q", "-am", change == .none ? "a comment" : "a slower view"], in: remote)
        try git(["checkout", "-q", "main"], in: remote)
        return remote
    }

    /// A clone of the remote with the change checked out, as the runner's checkout leaves it.
    static func checkout(_ remote: String, into path: String) throws {
        try git(["clone", "-q", remote, path], in: "/")
        try git(["checkout", "-q", "change"], in: path)
    }

    static func git(_ arguments: [String], in directory: String) throws {
        let result = try runCommand("/usr/bin/git", ["-c", "user.name=ci", "-c", "user.email=ci@example.invalid"] + arguments,
                                    directory: directory, timeout: 60)
        try #require(result.status == 0, "git \(arguments): \(result.stderr)")
    }

    /// Runs a script with bash as the runners do (`-eo pipefail`), with the job's variables over the test's own.
    static func bash(_ script: String, in directory: String, environment: [String: String], timeout: Double = 900) throws
        -> (status: Int32, stdout: String, stderr: String) {
        let variables = environment.map { "\($0.key)=\($0.value)" }
        return try runCommand("/usr/bin/env", ["-i"] + variables + ["/bin/bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                              directory: directory, timeout: timeout)
    }

    /// The checkout under test as the cached stackbench clone; its release build in `.build-ci/`, because this
    /// test runs inside `swift test`, which holds SwiftPM's lock on `.build/` (ignored by git as `.build*/`).
    static let stackbenchUnderTest = ["STACKBENCH_HOME": ScenarioRunTests.repository,
                                      "STACKBENCH_BUILD": ScenarioRunTests.repository + "/.build-ci"]

    static func baseEnvironment(home: String) -> [String: String] {
        ["HOME": home, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "LANG": "C.UTF-8"]
    }

    static func stringValues(_ value: Any?) -> [String: String] {
        ((value as? [String: Any]) ?? [:]).mapValues { "\($0)" }
    }

    /// The job's scenario, from its variables.
    static func scenario(of variables: Any?) throws -> String {
        try #require(stringValues(variables)["SCENARIO"], "the job sets no SCENARIO")
    }

    @Test(.serialized, arguments: Change.allCases) func theGitHubActionsWorkflowGates(_ change: Change) throws {
        let folder = try TemporaryFolder()
        let job = try #require((try Self.documentedJobs().github["jobs"] as? [String: Any])?["gate"] as? [String: Any])
        let remote = try Self.makeRemote(in: folder, scenario: try Self.scenario(of: job["env"]), change: change)
        let workspace = folder.file("workspace")
        try Self.checkout(remote, into: workspace)
        var environment = Self.baseEnvironment(home: folder.file("home")).merging(Self.stringValues(job["env"])) { $1 }
        environment["GITHUB_BASE_REF"] = "main"
        let outcomes = try Self.runSteps(of: job, in: workspace, runner: folder, environment: environment, mayFail: "Gate")
        let gate = try #require(outcomes["Gate"])
        let summary = try String(contentsOfFile: folder.file("step-summary.md"), encoding: .utf8)
        let results = folder.file("runner-temp/results")
        try Self.expectRoundsInTurns(results: results, repeat: Int(environment["REPEAT"] ?? "") ?? 0)
        switch change {
        case .none:
            #expect(gate.status == 0, "an A/A pair passes: exit \(gate.status)\n\(gate.stdout)\n\(gate.stderr)")
            #expect(gate.stderr.contains("gate: passed") && summary.contains("## Gate: passed"), "\(gate.stderr)\n\(summary)")
            try Self.expectJUnit(results + "/gate.xml", failedTarget: nil)
        case .slowerView:
            #expect(gate.status == 1, "a view 5 ms slower breaks the limits: exit \(gate.status)\n\(gate.stdout)\n\(gate.stderr)")
            #expect(gate.stdout.contains("::error title=stackbench gate::defaults · view-notes: "), "\(gate.stdout)")
            #expect(gate.stderr.contains("gate: FAIL: defaults · view-notes: ") && gate.stderr.contains("in change (5 runs pooled)"), "\(gate.stderr)")
            #expect(summary.contains("## Gate: failed") && summary.contains("- **FAIL** defaults · view-notes: "), "\(summary)")
            try Self.expectJUnit(results + "/gate.xml", failedTarget: "defaults · view-notes")
        }
    }

    typealias Outcome = (status: Int32, stdout: String, stderr: String)

    /// Runs the `run:` steps of a GitHub job in `workspace` as the runner does, with `runner`'s files for the
    /// runner's own (home, runner-temp, github-path, step-summary.md); every step but `mayFail` must succeed.
    static func runSteps(of job: [String: Any], in workspace: String, runner: TemporaryFolder, environment: [String: String],
                         mayFail: String) throws -> [String: Outcome] {
        for name in ["home", "runner-temp"] { try FileManager.default.createDirectory(atPath: runner.file(name), withIntermediateDirectories: true) }
        for name in ["github-path", "step-summary.md"] where !FileManager.default.fileExists(atPath: runner.file(name)) {
            _ = FileManager.default.createFile(atPath: runner.file(name), contents: nil)
        }
        var environment = environment.merging(Self.stackbenchUnderTest) { $1 }
        environment.merge(["RUNNER_TEMP": runner.file("runner-temp"), "GITHUB_PATH": runner.file("github-path"),
                           "GITHUB_STEP_SUMMARY": runner.file("step-summary.md"),
                           "GITHUB_WORKSPACE": workspace, "GITHUB_ACTIONS": "true", "CI": "true"]) { $1 }
        var outcomes: [String: Outcome] = [:]
        for step in try #require(job["steps"] as? [[String: Any]]) {
            guard let script = step["run"] as? String else { continue }  // `uses:` steps are the runner's
            // GITHUB_PATH lines are prepended to PATH for the steps after the one that wrote them.
            let added = (try String(contentsOfFile: runner.file("github-path"), encoding: .utf8)).split(separator: "\n").reversed()
            var stepEnvironment = environment
            stepEnvironment["PATH"] = (added.map(String.init) + [environment["PATH"]!]).joined(separator: ":")
            let name = step["name"] as? String ?? script
            let outcome = try Self.bash(script, in: workspace, environment: stepEnvironment)
            outcomes[name] = outcome
            if name != mayFail {
                try #require(outcome.status == 0, "step \(name) exited \(outcome.status): \(outcome.stdout.suffix(2000))\n\(outcome.stderr.suffix(3000))")
            }
        }
        return outcomes
    }

    @Test(.serialized, arguments: Change.allCases) func theGitLabJobGates(_ change: Change) throws {
        let folder = try TemporaryFolder()
        let job = try #require(try Self.documentedJobs().gitlab["performance"] as? [String: Any])
        let remote = try Self.makeRemote(in: folder, scenario: try Self.scenario(of: job["variables"]), change: change)
        let project = folder.file("project")
        try Self.checkout(remote, into: project)
        let lines = try #require(job["script"] as? [String])
        try FileManager.default.createDirectory(atPath: folder.file("home"), withIntermediateDirectories: true)
        var environment = Self.baseEnvironment(home: folder.file("home")).merging(Self.stringValues(job["variables"])) { $1 }
        environment.merge(Self.stackbenchUnderTest) { $1 }
        environment.merge(["CI_PROJECT_DIR": project, "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main",
                           "CI_PIPELINE_SOURCE": "merge_request_event", "GITLAB_CI": "true", "CI": "true"]) { $1 }
        // GitLab runs the script lines one after another in one shell, stopping at the first that fails.
        let outcome = try Self.bash(lines.joined(separator: "\n"), in: project, environment: environment)
        let artifacts = project + "/stackbench-results"
        defer { #expect(throws: Never.self) { try Self.expectRoundsInTurns(results: artifacts, repeat: Int(environment["REPEAT"] ?? "") ?? 0) } }
        switch change {
        case .none:
            #expect(outcome.status == 0, "an A/A pair passes: exit \(outcome.status)\n\(outcome.stdout.suffix(3000))\n\(outcome.stderr.suffix(3000))")
            try Self.expectJUnit(artifacts + "/gate.xml", failedTarget: nil)
        case .slowerView:
            #expect(outcome.status == 1, "the compare line fails the job: exit \(outcome.status)\n\(outcome.stdout.suffix(3000))\n\(outcome.stderr.suffix(3000))")
            #expect(outcome.stderr.contains("gate: FAIL: defaults · view-notes: "), "\(outcome.stderr.suffix(3000))")
            try Self.expectJUnit(artifacts + "/gate.xml", failedTarget: "defaults · view-notes")
        }
    }

    /// `repeat` runs of one round each per side, labelled with the side and its commit, base and change in turns.
    static func expectRoundsInTurns(results: String, repeat rounds: Int) throws {
        var started: [(side: String, at: String)] = []
        for side in ["base", "change"] {
            let runs = try FileManager.default.contentsOfDirectory(atPath: results + "/" + side).filter { !$0.hasPrefix(".") }
            #expect(runs.count == rounds && rounds >= 4, "\(side): \(runs)")
            for run in runs {
                let (result, _) = try RunFolder.read(results + "/" + side + "/" + run + "/result.json")
                #expect(result.label?.hasPrefix(side + " ") == true && result.label?.count == side.count + 13, "\(result.label ?? "no label")")
                #expect(result.load.rounds == 1)
                started.append((side, result.startedAt + run))
            }
        }
        let order = started.sorted { $0.at < $1.at }.map(\.side)
        let expected = (1...max(rounds, 1)).flatMap { $0 % 2 == 1 ? ["base", "change"] : ["change", "base"] }
        #expect(order == expected, "\(order)")
    }

    /// The JUnit file is well-formed; it holds failures of `failedTarget` (or its requests) only, or none.
    static func expectJUnit(_ path: String, failedTarget: String?) throws {
        let lint = try runCommand("/usr/bin/xmllint", ["--noout", path])
        #expect(lint.status == 0, "xmllint \(path): \(lint.stderr)")
        let failed = try runCommand("/usr/bin/xmllint", ["--xpath", "string(/testsuites/@failures)", path])
        let count = Int(failed.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        guard let failedTarget else { #expect(count == 0, "\(failed.stdout)\(failed.stderr)"); return }
        let classes = try runCommand("/usr/bin/xmllint", ["--xpath", "count(//testcase[failure][not(starts-with(@classname, '\(failedTarget)'))])", path])
        #expect(count >= 1 && classes.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "\(count) failures; others: \(classes.stdout)")
    }
}
