import BenchSupport
import Foundation
import LoadEngine

/// The load agents of a run (`load.agents`): one OpenSSH master connection per host, opened when the first cell
/// needs it and reused by every window (`ssh -S`), closed at the run's end by ending each master by its pid.
///
/// Opening a host checks, over that connection, that its stackbench is this version, and reads `$SSH_CONNECTION`
/// to learn the address the host reaches this machine at: the stack then listens there (AgentLoad sends the
/// agents to it). A host that cannot be reached, or whose stackbench is missing or another version, fails the
/// cell with ssh's own message. Must not: copy anything to the hosts, or leave anything running on them.
final class AgentPool: Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    struct Host {
        let agent: Scenario.Agent
        let master: SSHProcess
        /// This machine's address as the host sees it.
        let serverAddress: String
    }

    let agents: [Scenario.Agent]
    let sshConfig: String?
    let command: String
    private let controlFolder: String
    private let hosts = Locked<[String: Host]>([:])

    init(load: Scenario.LoadSettings) throws {
        agents = load.agents
        sshConfig = load.agentSSHConfig
        command = load.agentCommand
        // Control sockets live in a short folder of their own: sun_path holds 107 bytes.
        var template = Array("/tmp/sbssh.XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw Failure(description: "cannot make a folder for ssh control sockets") }
        controlFolder = String(cString: made)
    }

    /// ssh's arguments for `agent` over its master connection (or to open it), before the remote command.
    func sshArguments(_ agent: Scenario.Agent, master: Bool = false) -> [String] {
        var arguments = sshConfig.map { ["-F", $0] } ?? []
        arguments += ["-o", "BatchMode=yes", "-o", "ConnectTimeout=5", "-o", "ServerAliveInterval=5",
                      "-S", controlPath(agent)]
        if master { arguments += ["-M", "-N", "-o", "ControlPersist=no"] }
        if let port = agent.port { arguments += ["-p", String(port)] }
        return arguments + [agent.destination]
    }

    /// The master connection's control socket for `agent` (its stderr beside it, `.err`).
    private func controlPath(_ agent: Scenario.Agent) -> String {
        controlFolder + "/" + String(agents.firstIndex(of: agent) ?? 0)
    }

    /// Opens every host not open yet and returns the one address they all reach this machine at.
    func connect() throws -> String {
        for agent in agents where hosts.value[agent.url] == nil {
            let host = try open(agent)
            hosts.withLock { $0[agent.url] = host }
        }
        let addresses = Set(hosts.value.values.map(\.serverAddress))
        guard addresses.count == 1, let address = addresses.first else {
            let seen = hosts.value.values.map { "\($0.agent.url) reaches it at \($0.serverAddress)" }.sorted()
            throw Failure(description: "the agents reach this machine at different addresses (\(seen.joined(separator: ", "))): "
                          + "the stack listens on one; put the agents on one network")
        }
        return address
    }

    private func open(_ agent: Scenario.Agent) throws -> Host {
        let errors = controlPath(agent) + ".err"
        let master = try SSHProcess(sshArguments(agent, master: true), stdout: "/dev/null", stderr: errors)
        // The master is up when `ssh -O check` answers; it has failed when it ends first.
        let deadline = Date().addingTimeInterval(15)
        var connected = false
        while !connected && Date() < deadline {
            if !master.isRunning {
                let message = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
                throw Failure(description: "agent \(agent.url): " + Self.lastLine(message, otherwise: "ssh exited with status \(master.status ?? 255)"))
            }
            connected = (try? SSHProcess.capture(sshArguments(agent) + ["-O", "check"], timeout: 5))?.status == 0
            if !connected { usleep(50_000) }
        }
        guard connected else {
            master.stop()
            throw Failure(description: "agent \(agent.url): ssh did not connect within 15 s")
        }
        let probe = try SSHProcess.capture(sshArguments(agent) + ["--", StackProcess.quote(command) + " --version; echo \"$SSH_CONNECTION\""])
        let lines = probe.stdout.split(separator: "\n").map(String.init)
        guard probe.status == 0, lines.count >= 2 else {
            master.stop()
            throw Failure(description: "agent \(agent.url): `\(command) --version` failed: "
                          + Self.lastLine(probe.stderr, otherwise: "exit status \(probe.status)"))
        }
        guard lines[0] == StackbenchVersion.text else {
            master.stop()
            throw Failure(description: "agent \(agent.url) runs stackbench \(lines[0]), this is \(StackbenchVersion.text): "
                          + "install the same version there")
        }
        guard let address = lines[1].split(separator: " ").first.map(String.init), !address.isEmpty else {
            master.stop()
            throw Failure(description: "agent \(agent.url): its sshd did not say where it sees this machine ($SSH_CONNECTION is empty)")
        }
        return Host(agent: agent, master: master, serverAddress: address)
    }

    /// Ends every master connection by its pid, and removes the control sockets' folder.
    func close() {
        for host in hosts.value.values { host.master.stop() }
        hosts.value = [:]
        try? FileManager.default.removeItem(atPath: controlFolder)
    }

    static func lastLine(_ text: String, otherwise: String) -> String {
        text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.last { !$0.isEmpty } ?? otherwise
    }
}
