import Foundation
import StackbenchTesting
import Testing
import Yams

/// docs/ci.md's two jobs, run here as their runners would run them: the GitHub Actions workflow's `run:` steps and
/// the GitLab job's `script:` lines, read out of the document, with bash and the variables each runner sets, on a
/// Django project in a git repository whose change makes a view 10 ms slower. The gate must fail naming it: in the
/// step summary, the `::error::` annotations and the JUnit file (GitHub), in the JUnit report (GitLab).
///
/// Not run: the runners, `actions/checkout` (the test clones the repository itself), `actions/upload-artifact`, the
/// images, and stackbench's own `git clone` (STACKBENCH_HOME is the checkout under test, as a cache hit would be).
/// The first run builds stackbench for release into `.build-ci/` (about 3 minutes on 2 cores), later runs incrementally.
@Suite(.serialized, .enabled(if: ReferenceStack.installed, "Debian's nginx, uwsgi, uwsgi-plugin-python3 and python3-django could not be installed"))
struct CIWorkflowTests {
    /// The YAML blocks of docs/ci.md: the GitHub workflow (it has `jobs:`) and the GitLab job (`script:`).
    static func documentedJobs() throws -> (github: [String: Any], gitlab: [String: Any]) {
        let text = try String(contentsOfFile: ScenarioRunTests.repository + "/docs/ci.md", encoding: .utf8)
        let blocks = text.components(separatedBy: "```yaml\n").dropFirst().map { $0.components(separatedBy: "\n```")[0] }
        let parsed = try blocks.compactMap { try Yams.load(yaml: $0) as? [String: Any] }
        let github = try #require(parsed.first { $0["jobs"] != nil }, "docs/ci.md has no GitHub workflow")
        let gitlab = try #require(parsed.first { ($0["performance"] as? [String: Any])?["script"] != nil }, "docs/ci.md has no GitLab job")
        return (github, gitlab)
    }

    /// A repository ("the remote") with a Django project and perf/mysite.yml on main, and a branch `change` whose
    /// /notes/ view sleeps 10 ms.
    static func makeRemote(in folder: TemporaryFolder) throws -> String {
        let remote = folder.file("remote")
        try FileManager.default.createDirectory(atPath: remote, withIntermediateDirectories: true)
        let repository = try TemporaryFolder()
        _ = try DjangoProjectTests.makeProject(in: repository)
        for name in ["mysite", "uwsgi.ini", "nginx.conf"] {
            try FileManager.default.copyItem(atPath: repository.file(name), toPath: remote + "/" + name)
        }
        try FileManager.default.createDirectory(atPath: remote + "/perf", withIntermediateDirectories: true)
        try """
            name: mysite
            stack:
              kind: reference
              django: ../mysite
              uwsgi: ../uwsgi.ini
              nginx: ../nginx.conf
            targets:
              proxied-dynamic: {requests: [/notes/]}
            load: {connections: 4, duration: 1s, warmup: 300ms}
            thresholds:
              - errors == 0
            """.write(toFile: remote + "/perf/mysite.yml", atomically: true, encoding: .utf8)
        try git(["init", "-q", "-b", "main"], in: remote)
        try git(["add", "-A"], in: remote)
        try git(["commit", "-q", "-m", "base"], in: remote)
        try git(["checkout", "-q", "-b", "change"], in: remote)
        let views = remote + "/mysite/notes/views.py"
        try String(contentsOfFile: views, encoding: .utf8)
            .replacingOccurrences(of: "def index(request):\n", with: "import time\n\ndef index(request):\n    time.sleep(0.01)\n")
            .write(toFile: views, atomically: true, encoding: .utf8)
        try git(["commit", "-q", "-am", "a slower view"], in: remote)
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

    @Test func theGitHubActionsWorkflowFailsTheGateOnASlowerView() throws {
        let folder = try TemporaryFolder()
        let remote = try Self.makeRemote(in: folder)
        let workspace = folder.file("workspace")
        try Self.checkout(remote, into: workspace)
        let job = try #require((try Self.documentedJobs().github["jobs"] as? [String: Any])?["gate"] as? [String: Any])
        for name in ["home", "runner-temp"] { try FileManager.default.createDirectory(atPath: folder.file(name), withIntermediateDirectories: true) }
        _ = FileManager.default.createFile(atPath: folder.file("github-path"), contents: nil)
        _ = FileManager.default.createFile(atPath: folder.file("step-summary.md"), contents: nil)
        var environment = Self.baseEnvironment(home: folder.file("home")).merging(Self.stringValues(job["env"])) { $1 }
        environment.merge(Self.stackbenchUnderTest) { $1 }
        environment.merge(["RUNNER_TEMP": folder.file("runner-temp"), "GITHUB_PATH": folder.file("github-path"),
                           "GITHUB_STEP_SUMMARY": folder.file("step-summary.md"), "GITHUB_BASE_REF": "main",
                           "GITHUB_WORKSPACE": workspace, "GITHUB_ACTIONS": "true", "CI": "true"]) { $1 }
        let steps = try #require(job["steps"] as? [[String: Any]])
        var outcomes: [String: (status: Int32, stdout: String, stderr: String)] = [:]
        for step in steps {
            guard let script = step["run"] as? String else { continue }  // `uses:` steps are the runner's
            // GITHUB_PATH lines are prepended to PATH for the steps after the one that wrote them.
            let added = (try String(contentsOfFile: folder.file("github-path"), encoding: .utf8)).split(separator: "\n").reversed()
            var stepEnvironment = environment
            stepEnvironment["PATH"] = (added.map(String.init) + [environment["PATH"]!]).joined(separator: ":")
            let name = step["name"] as? String ?? script
            let outcome = try Self.bash(script, in: workspace, environment: stepEnvironment)
            outcomes[name] = outcome
            if name != "Gate" {
                try #require(outcome.status == 0, "step \(name) exited \(outcome.status): \(outcome.stdout.suffix(2000))\n\(outcome.stderr.suffix(3000))")
            }
        }
        let gate = try #require(outcomes["Gate"])
        #expect(gate.status == 1, "the slower view breaks rps:-5%: exit \(gate.status)\n\(gate.stdout)\n\(gate.stderr)")
        #expect(gate.stdout.contains("::error title=stackbench gate::defaults · proxied-dynamic: rps"), "\(gate.stdout)")
        #expect(gate.stderr.contains("gate: FAIL: defaults · proxied-dynamic: rps") && gate.stderr.contains("breaks rps:-5%"), "\(gate.stderr)")
        let summary = try String(contentsOfFile: folder.file("step-summary.md"), encoding: .utf8)
        #expect(summary.contains("## Gate: failed") && summary.contains("- **FAIL** defaults · proxied-dynamic: rps"), "\(summary)")
        try Self.expectJUnitFailure(folder.file("runner-temp/results/gate.xml"))
        #expect(FileManager.default.fileExists(atPath: workspace + "/../runner-temp/base/perf/mysite.yml"), "the base checked out beside the change")
    }

    @Test func theGitLabJobFailsTheGateOnASlowerView() throws {
        let folder = try TemporaryFolder()
        let remote = try Self.makeRemote(in: folder)
        let project = folder.file("project")
        try Self.checkout(remote, into: project)
        let job = try #require(try Self.documentedJobs().gitlab["performance"] as? [String: Any])
        let lines = try #require(job["script"] as? [String])
        try FileManager.default.createDirectory(atPath: folder.file("home"), withIntermediateDirectories: true)
        var environment = Self.baseEnvironment(home: folder.file("home")).merging(Self.stringValues(job["variables"])) { $1 }
        environment.merge(Self.stackbenchUnderTest) { $1 }
        environment.merge(["CI_PROJECT_DIR": project, "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main",
                           "CI_PIPELINE_SOURCE": "merge_request_event", "GITLAB_CI": "true", "CI": "true"]) { $1 }
        // GitLab runs the script lines one after another in one shell, stopping at the first that fails.
        let outcome = try Self.bash(lines.joined(separator: "\n"), in: project, environment: environment)
        #expect(outcome.status == 1, "the compare line fails the job: exit \(outcome.status)\n\(outcome.stdout.suffix(3000))\n\(outcome.stderr.suffix(3000))")
        #expect(outcome.stderr.contains("gate: FAIL: defaults · proxied-dynamic: rps") && outcome.stderr.contains("breaks rps:-5%"), "\(outcome.stderr.suffix(3000))")
        let artifacts = project + "/stackbench-results"
        let runs = try FileManager.default.contentsOfDirectory(atPath: artifacts + "/change")
        #expect(runs.count == 1 && runs[0].hasSuffix("-mysite"), "\(runs)")
        try Self.expectJUnitFailure(artifacts + "/gate.xml")
    }

    /// The JUnit file is well-formed and holds the rps failure.
    static func expectJUnitFailure(_ path: String) throws {
        let lint = try runCommand("/usr/bin/xmllint", ["--noout", path])
        #expect(lint.status == 0, "xmllint \(path): \(lint.stderr)")
        let failures = try runCommand("/usr/bin/xmllint", ["--xpath", "string(//testcase[failure][starts-with(@name, 'rps')]/@classname)", path])
        #expect(failures.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "defaults · proxied-dynamic", "\(failures.stdout)\(failures.stderr)")
    }
}
