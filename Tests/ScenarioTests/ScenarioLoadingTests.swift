import Foundation
import LoadEngine
@testable import Scenario
import Results
import StackConfig
import StackbenchTesting
import Testing

/// Reading scenarios: every kind of mistake names file, line and key before anything starts.
@Suite struct ScenarioLoadingTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let shipped = repository + "/scenarios/static-vs-dynamic.yml"

    static let good = """
        stack:
          project: \(repository)/scenarios/teacher/settings.yml
          uwsgi: \(repository)/scenarios/teacher/uwsgi.ini
          nginx: \(repository)/scenarios/teacher/nginx.conf
        targets:
          proxied-static:
            requests: [/static/css/app.css]
        """

    func load(_ text: String) throws -> Scenario { try Self.load(text) }

    static func load(_ text: String) throws -> Scenario {
        let folder = try TemporaryFolder()
        let file = folder.file("s.yml")
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return try Scenario.load(file: file)
    }

    @Test func theShippedScenarioLoadsWithTwelveCells() throws {
        let scenario = try Scenario.load(file: Self.shipped)
        #expect(scenario.matrix.cells.count == 12)
        #expect(scenario.matrix.cells[0].label == "workers=1 threads=1 post-buffering=0")
        #expect(scenario.matrix.cells[11].label == "workers=4 threads=4 post-buffering=1024")
        #expect(scenario.targets.map(\.kind) == [.devServer, .devServer, .proxiedStatic, .proxiedDynamic], "a page and, like for like, the static file from the dev server")
        #expect(scenario.thresholds.count == 2)
        #expect(scenario.stack.swiftServesDjango, "the main job runs the seed's Django project on the Swift stack")
    }

    @Test func everyShippedScenarioLoads() throws {
        let folder = Self.repository + "/scenarios"
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".yml") }
        #expect(files.contains("ci-smoke.yml"))
        for file in files {
            let scenario = try Scenario.load(file: folder + "/" + file)
            #expect(!scenario.targets.isEmpty, "\(file)")
        }
    }

    @Test(arguments: [
        ("bogus: 1\n", 8, "bogus", "unknown key"),
        ("matrix:\n  wokers: [1, 2]\n", 9, "matrix.wokers", "unknown key (did you mean \"workers\"?)"),
        ("matrix:\n  workers: [1, zero]\n", 9, "matrix.workers[1]", ""),
        ("matrix:\n  keepalive_timeout: [5s, forever]\n", 9, "matrix.keepalive_timeout[1]", ""),
        ("matrix:\n  workers: \"2\\nchdir = /etc\"\n", 9, "matrix.workers", "must be one line"),
        ("matrix:\n  stack: [swift, nginx+django]\n", 9, "matrix.stack[1]", "unknown stack \"nginx+django\""),
        ("load:\n  connections: lots\n", 9, "load.connections", "must be a whole number"),
        ("load:\n  duration: 10 parsecs\n", 9, "load.duration", "must be a duration"),
        ("load:\n  client-cpus: \"0-\"\n", 9, "load.client-cpus", ""),
        ("load:\n  rounds: 0\n", 9, "load.rounds", "must be 1 to 100, got 0"),
        ("load:\n  engine: wrk\n", 9, "load.engine", "must be framed or curl, got \"wrk\""),
        ("load:\n  agents: [http://10.0.0.2]\n", 9, "load.agents[0]", "must be an ssh://[user@]host[:port] address"),
        ("load:\n  agents: [\"ssh://root@h/tmp\"]\n", 9, "load.agents[0]", "must be an ssh://"),
        ("load:\n  agents: [\"ssh://h:70000\"]\n", 9, "load.agents[0]", ""),
        ("load:\n  connections: 2\n  agents: [ssh://a, ssh://b, ssh://c]\n", 9, "load", "shared among 3 agents"),
        ("setup:\n  - \"\"\n", 9, "setup[0]", "must be one command line"),
        ("thresholds:\n  - dev-sever.rps > 1\n", 9, "thresholds[0]", "unknown target \"dev-sever\""),
        ("thresholds:\n  - proxied-static.rps 100\n", 9, "thresholds[0]", "no comparison"),
        ("thresholds:\n  - proxied-static.p99 < soon\n", 9, "thresholds[0]", "is not a number or a duration"),
    ])
    func mistakesNameFileLineAndKey(extra: String, line: Int, key: String, problem: String) throws {
        do {
            _ = try load(Self.good + "\n" + extra)
            Issue.record("\(extra) was accepted")
        } catch let error as ConfigError {
            #expect(error.line == line, "\(error)")
            #expect(error.key == key, "\(error)")
            #expect(problem.isEmpty || error.problem.contains(problem), "\(error)")
            #expect(error.file.hasSuffix("s.yml"))
        }
    }

    /// Issue 29: a scenario of external URLs only (what `k8s job` loads) needed a `stack:` naming some project.
    @Test func onlyExternalTargetsNeedNoStack() throws {
        let external = try load("""
            name: cluster
            targets:
              home: {kind: external, url: "http://10.0.0.5:8080", requests: [/]}
            """)
        #expect(!external.needsStack && external.targets.map(\.name) == ["home"])
        try external.checkStackFiles()
        do {
            _ = try load("name: x\ntargets:\n  dev-server: {requests: [/hello]}\n")
            Issue.record("a dev-server target without a stack was accepted")
        } catch let error as ConfigError {
            #expect(error.problem.contains("missing stack") && error.problem.contains("kind: external"), "\(error)")
        }
    }

    @Test func theEngineGoesToEveryWindowAndToTheAgents() throws {
        let framed = try load(Self.good)
        let target = try #require(framed.targets.first)
        #expect(framed.loadPlan(for: target, base: "http://127.0.0.1:1").engine == .framed)
        #expect(!framed.loadPlan(for: target, base: "http://127.0.0.1:1").agentArguments(agents: 1, startAt: Date())
            .contains("--engine"))
        let curl = try load(Self.good + "\nload:\n  engine: curl\n")
        let plan = curl.loadPlan(for: target, base: "http://127.0.0.1:1")
        #expect(plan.engine == .curl)
        let arguments = plan.agentArguments(agents: 2, startAt: Date())
        #expect(arguments.firstIndex(of: "--engine").map { arguments[$0 + 1] } == "curl")
    }

    @Test func aMixAgentsCannotSendIsRefused() throws {
        let text = Self.good.components(separatedBy: "targets:")[0]
            + "targets:\n  proxied-dynamic:\n    requests: [/a, {path: /b, method: POST, body: x}]\nload:\n  agents: [ssh://h]\n"
        #expect { try load(text) } throws: { "\($0)".contains("proxied-dynamic: load agents send a target's requests as URLs") }
    }

    @Test(arguments: [
        ("targets:\n  web:\n    requests: [/]\n", "unknown target \"web\""),
        ("targets:\n  x:\n    kind: proxied-statc\n    requests: [/]\n", "unknown target kind \"proxied-statc\""),
        ("targets:\n  proxied-static: {}\n", "missing requests"),
        ("targets:\n  external: {requests: [/]}\n", "needs url:"),
        ("targets:\n  dev-server:\n    requests: [hello]\n", "a path starts with /"),
        ("targets:\n  dev-server:\n    requests: [\"/a b\"]\n", "no spaces or control characters"),
        ("targets:\n  dev-server:\n    requests: [{path: /, headers: [\"X: a\\rb\"]}]\n", "must be \"Name: value\""),
    ])
    func badTargetsAreRefused(targets: String, problem: String) throws {
        let text = Self.good.components(separatedBy: "targets:")[0] + targets
        #expect(throws: ConfigError.self) { try load(text) }
        do { _ = try load(text) } catch let error as ConfigError { #expect(error.description.contains(problem), "\(error)") }
    }

    /// Events and capacity searches: every mistake named by line and key before anything starts.
    @Test(arguments: [
        ("  proxied-dynamic: {requests: [/], events: [{at: 30s, do: reload-pool}]}\nload: {duration: 5s}\n", "is not inside the 5.00s window"),
        ("  proxied-dynamic: {requests: [/], events: [{at: 1s, do: nuke}]}\n", "unknown action \"nuke\""),
        ("  proxied-dynamic: {requests: [/], events: [{do: reload-pool}]}\n", "missing at:"),
        ("  proxied-dynamic: {requests: [/], events: [{at: 1s}]}\n", "missing do:"),
        ("  proxied-dynamic: {requests: [/], events: [{at: soon, do: reload-pool}]}\n", "must be a duration"),
        ("  proxied-dynamic: {requests: [/], events: [{at: 1s, do: stop-pool}]}\n", "stop-pool needs for:"),
        ("  proxied-dynamic: {requests: [/], events: [{at: 1s, do: kill-worker, for: 2s}]}\n", "for: goes with stop-pool only"),
        ("  proxied-static: {requests: [/], events: [{at: 1s, do: kill-worker}]}\n", "kill-worker needs a target the pool serves"),
        ("  pool-direct: {requests: [/], events: [{at: 1s, do: reload-front}]}\n", "reload-front needs a target the front serves"),
        ("  proxied-dynamic: {requests: [/], events: [{at: 1s, do: harakiri}]}\nmatrix: {harakiri: [0, 2]}\n", "it is 0 in cell harakiri=0"),
        ("  proxied-dynamic: {requests: [/], events: [{at: 1s, do: reload-pool}]}\nload: {count: 100}\n", "events need a timed window"),
        ("  proxied-dynamic: {requests: [/], events: [{at: 1s, do: reload-pool}]}\nload: {search: {p99: 20ms}}\n", "events and a capacity search cannot go together"),
        ("  proxied-dynamic: {requests: [/]}\nload: {search: {start: 5}}\n", "a search needs a limit to meet"),
        ("  proxied-dynamic: {requests: [/]}\nload: {rate: 100, search: {p99: 20ms}}\n", "search: finds the rate itself"),
        ("  proxied-dynamic: {requests: [/]}\nload: {count: 100, search: {p99: 20ms}}\n", "search: measures timed steps"),
        ("  proxied-dynamic: {requests: [/]}\nload: {search: {p99: 20ms, start: 100, max: 10}}\n", "max (10.0) is below start (100.0)"),
        ("  proxied-dynamic: {requests: [/]}\nload: {search: {p99: 20ms, step: 10ms}}\n", "must be a duration of 200ms or more"),
        ("  proxied-dynamic: {requests: [/]}\nload: {search: {p99: 20ms, precision: 5}}\n", "must be a share such as 5%"),
        ("  proxied-dynamic: {requests: [/]}\nload: {search: {p99: 20ms, steps: 1}}\n", "must be 2 to 100"),
        ("  proxied-dynamic: {requests: [/]}\nload: {search: {p99: fast}}\n", "must be a latency such as 20ms"),
        ("  proxied-dynamic: {requests: [/]}\nload: {search: {p99: 20ms, start: none}}\n", "must be a rate in req/s"),
        ("  proxied-dynamic: {requests: [/]}\nload: {noise: 5}\n", "must be a share such as 10%"),
    ])
    func badEventsAndSearchesAreRefused(targetsAndMore: String, problem: String) throws {
        let text = Self.good.components(separatedBy: "targets:")[0] + "targets:\n" + targetsAndMore
        do { _ = try load(text); Issue.record("accepted: \(problem)") } catch let error as ConfigError {
            #expect(error.description.contains(problem), "\(error)")
            #expect(error.line != nil && error.file.hasSuffix("s.yml"), "\(error)")
        }
    }

    @Test func aMissingStackFileIsNamed() throws {
        let text = Self.good.replacingOccurrences(of: "teacher/nginx.conf", with: "teacher/nope.conf")
        do { _ = try load(text); Issue.record("accepted") } catch let error as ConfigError {
            #expect(error.key == "stack.nginx" && error.line == 4 && error.problem.contains("cannot read"), "\(error)")
        }
        let folder = Self.good.replacingOccurrences(of: "teacher/settings.yml", with: "teacher")
        do { _ = try load(folder); Issue.record("a folder was accepted") } catch let error as ConfigError {
            #expect(error.key == "stack.project" && error.line == 2 && error.problem.contains("is a folder"), "\(error)")
        }
    }

    @Test func stackVariantsAreReadAndChecked() throws {
        let django = "  django: \(Self.repository)/scenarios/reference/teacher-django\n"
        let withDjango = Self.good.replacingOccurrences(of: "targets:", with: django + "targets:")
        let swept = try load(withDjango + "\nmatrix:\n  stack: [swift, reference, nginx+swift, swift+uwsgi]\n")
        #expect(swept.matrix.cells.map { $0.variant(default: .swift).name } == ["swift", "reference", "nginx+swift", "swift+uwsgi"])
        #expect(swept.variants == [.swift, .reference, StackVariant(front: .nginx, pool: .swift), StackVariant(front: .swift, pool: .uwsgi)])
        let kind = try load(withDjango.replacingOccurrences(of: "targets:", with: "  kind: reference\ntargets:"))
        #expect(kind.variants == [.reference] && kind.stack.django?.hasSuffix("teacher-django") == true)
        let mix = try load(Self.good.replacingOccurrences(of: "targets:", with: "  front: nginx\ntargets:"))
        #expect(mix.variants == [StackVariant(front: .nginx, pool: .swift)], "a Swift pool needs no Django project")
        for (text, problem) in [
            (Self.good + "\nmatrix:\n  stack: [swift, reference]\n", "a uWSGI pool serves a Django project"),
            (Self.good.replacingOccurrences(of: "targets:", with: "  pool: uwsgi\ntargets:"), "a uWSGI pool serves a Django project"),
            (withDjango.replacingOccurrences(of: "targets:", with: "  kind: reference\n  front: nginx\ntargets:"), "cannot be used together"),
            (Self.good.replacingOccurrences(of: "targets:", with: "  front: apache\ntargets:"), "must be swift or nginx"),
            (Self.good.replacingOccurrences(of: "targets:", with: "  django: \(Self.repository)/scenarios/teacher\ntargets:"), "no manage.py"),
        ] {
            do { _ = try load(text); Issue.record("accepted: \(problem)") } catch let error as ConfigError {
                #expect(error.problem.contains(problem), "\(error)")
                #expect(error.line != nil, "\(error)")
            }
        }
    }
}

/// The spread check over repetitions: the distribution-free interval of the median and its coverage.
@Suite struct NoiseCheckTests {
    @Test func theIntervalOfTheMedianCoversNinetyFivePercentFromSixRepetitions() throws {
        let six = try #require(Noise.check(of: [100, 101, 99, 102, 98, 100], limit: 0.10))
        #expect(six.coverage >= 0.95 && six.low == 98 && six.high == 102 && !six.noisy)
        let noisy = try #require(Noise.check(of: [100, 130, 80, 115, 90], limit: 0.10))
        #expect(noisy.noisy && noisy.low == 80 && noisy.high == 130 && noisy.coverage < 0.95, "five cover 93.75%")
        let many = try #require(Noise.check(of: (1...20).map(Double.init), limit: 1))
        #expect(many.low == 6 && many.high == 15 && many.coverage >= 0.95, "\(many)")
        #expect(Noise.check(of: [100], limit: 0.1) == nil)
    }
}

/// Which stack variants can run on this machine, told with a stand-in for the installed programs.
@Suite struct ExternalProgramsTests {
    @Test func aMissingProgramNamesTheVariantTheProgramAndTheInstallCommand() {
        let variants: Set<StackVariant> = [.swift, .reference, StackVariant(front: .nginx, pool: .swift), StackVariant(front: .swift, pool: .uwsgi)]
        var asked: [String] = []
        let reasons = ExternalPrograms.unavailable(variants) { path in
            asked.append(path)
            return path != ExternalPrograms.django  // everything but Django is there
        }
        #expect(Set(reasons.keys) == [.reference, StackVariant(front: .swift, pool: .uwsgi)], "the Swift pool needs no Django")
        let reason = reasons[.reference] ?? ""
        #expect(reason.hasPrefix("stack=reference needs Django for /usr/bin/python3 (python3-django), which is not installed: "), "\(reason)")
        #expect(reason.contains("scripts/install-reference.sh") && reason.contains("apt-get install -y"))
        #expect(asked.filter { $0 == ExternalPrograms.django }.count == 1, "each program is looked for once: \(asked)")
        #expect(ExternalPrograms.unavailable(variants) { _ in true }.isEmpty)
        let nothing = ExternalPrograms.unavailable([StackVariant(front: .nginx, pool: .swift)]) { _ in false }
        #expect(nothing[StackVariant(front: .nginx, pool: .swift)] == "stack=nginx+swift needs nginx (/usr/sbin/nginx), which is not installed: "
                + ExternalPrograms.installHint)
    }
}
