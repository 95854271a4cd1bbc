import Foundation
import StackbenchTesting
import Testing

/// `load.agents` end to end: two hosts of the test's own (network namespaces with sshd) load the stack standing on
/// this machine over SSH; the run merges their results, and nothing is left running on either host. An agent that
/// cannot be reached fails the cell with ssh's message.
@Suite(.serialized) struct AgentsOverSSHTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static func scenario(_ hosts: AgentHosts, project: TeacherProject, agents: [String], in folder: TemporaryFolder) throws -> String {
        let file = folder.file("agents.yml")
        try """
            name: agents
            stack:
              project: \(project.settingsPath)
              uwsgi: \(repository)/scenarios/teacher/uwsgi.ini
              nginx: \(repository)/scenarios/teacher/nginx.conf
            targets:
              proxied-static:
                requests: [/static/css/app.css]
              proxied-dynamic:
                requests: [/api/teachers]
            load:
              connections: 4
              duration: 1s
              warmup: 300ms
              agents: [\(agents.joined(separator: ", "))]
              agent-ssh-config: \(hosts.sshConfig)
              agent-command: \(BuiltProducts.stackbench)
            """.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    static func result(_ folder: TemporaryFolder) throws -> [String: Any] {
        let results = folder.file("results")
        let run = try #require(try FileManager.default.contentsOfDirectory(atPath: results).first { !$0.hasPrefix(".") })
        let data = try Data(contentsOf: URL(fileURLWithPath: results + "/" + run + "/result.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func twoAgentsLoadTheStackTogetherAndLeaveNothingRunning() throws {
        let hosts = try AgentHosts(count: 2)
        defer { hosts.shutdown() }
        // The agents reach the stack at the bridge's address, so the project must allow it as a host.
        let project = try TeacherProject(allowedHosts: ["localhost", "127.0.0.1", hosts.serverAddress])
        let folder = try TemporaryFolder()
        let file = try Self.scenario(hosts, project: project, agents: ["ssh://root@\(hosts.address(0))", "ssh://\(hosts.address(1))"],
                                     in: folder)
        let run = try runCommand(BuiltProducts.stackbench, ["run", file, "--results", folder.file("results")], timeout: 180)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let result = try Self.result(folder)
        let cells = try #require(result["cells"] as? [[String: Any]])
        let targets = ScenarioRunTests.targets(of: cells.first, in: result)
        #expect(targets.count == 2)
        for target in targets {
            let window = try #require((target["repetitions"] as? [[String: Any]])?.first)
            let load = try #require(window["load"] as? [String: Any])
            let agents = try #require(load["agents"] as? [[String: Any]], "\(target["name"] ?? ""): no agents in \(load.keys)")
            #expect(agents.compactMap { $0["source"] as? String } == ["ssh://root@\(hosts.address(0))", "ssh://\(hosts.address(1))"])
            let responses = agents.compactMap { $0["responses"] as? Int }
            #expect(responses.count == 2 && responses.allSatisfy { $0 > 0 }, "both agents' requests counted: \(responses)")
            let summary = try #require(load["summary"] as? [String: Any])
            #expect(summary["responses"] as? Int == responses.reduce(0, +), "the merged result counts both")
            #expect((load["config"] as? [String: Any])?["connections"] as? Int == 4, "the connections shared, 2 each")
            #expect(summary["errors"] as? Int == 0)
        }
        for namespace in hosts.namespaces {
            #expect(hosts.processes(in: namespace).isEmpty, "left running in \(namespace): \(hosts.processes(in: namespace))")
        }
    }

    @Test func anUnreachableAgentFailsTheCellWithTheSSHMessage() throws {
        let hosts = try AgentHosts(count: 1)
        defer { hosts.shutdown() }
        let project = try TeacherProject(allowedHosts: ["localhost", "127.0.0.1", hosts.serverAddress])
        let folder = try TemporaryFolder()
        // .9 is on the bridge's network, but no host answers there.
        let file = try Self.scenario(hosts, project: project,
                                     agents: ["ssh://root@\(hosts.address(0))", "ssh://root@\(hosts.address(7))"], in: folder)
        let run = try runCommand(BuiltProducts.stackbench, ["run", file, "--results", folder.file("results")], timeout: 180)
        #expect(run.status == 1, "\(run.stdout)\n\(run.stderr)")
        let cells = try #require(try Self.result(folder)["cells"] as? [[String: Any]])
        let failure = cells.first?["failure"] as? String ?? ""
        #expect(failure.contains("agent ssh://root@\(hosts.address(7)): ssh: connect to host \(hosts.address(7)) port 22"), "\(failure)")
        #expect(hosts.processes(in: hosts.namespaces[0]).isEmpty, "left running: \(hosts.processes(in: hosts.namespaces[0]))")
    }
}
