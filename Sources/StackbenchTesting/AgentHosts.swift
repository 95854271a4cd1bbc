import BenchSupport
import Foundation

/// Load-agent hosts for tests: network namespaces of this test's own on one bridge (`ip netns`, veth), each running
/// sshd with a generated host key and accepting a generated client key, and an ssh config that reaches them as
/// root. This machine is `serverAddress` on the bridge; host i is `address(i)`. Everything is removed by
/// `shutdown()`: the sshd processes by their pids, the namespaces, the bridge. Needs root, iproute2 and
/// openssh-server (scripts/install-deps.sh installs them).
public final class AgentHosts {
    public let folder: TemporaryFolder
    /// `ssh -F` file: user root, the generated key, no known-hosts checks (the host keys are new each time).
    public let sshConfig: String
    public let serverAddress: String
    public let namespaces: [String]
    private let bridge: String
    private let subnet: String
    /// The sshd processes, by pid (spawned directly: sshd closes inherited descriptors, which Foundation's Process
    /// takes for its end and then blocks waiting on it).
    private var daemons: [ChildProcess] = []

    public struct SetupError: Error, CustomStringConvertible {
        public var description: String
    }

    /// `count` hosts on a /24 of this process's own (10.213.N.0, N from the pid).
    public init(count: Int) throws {
        folder = try TemporaryFolder()
        chmod(folder.path, 0o755)
        let tag = String(getpid() % 100_000)
        subnet = "10.213.\(getpid() % 250 + 1)"
        serverAddress = subnet + ".1"
        bridge = "sbbr\(tag)"
        namespaces = (1...count).map { "sbag\(tag)-\($0)" }
        sshConfig = folder.file("ssh_config")
        do {
            try setUp()
        } catch {
            shutdown()
            throw error
        }
    }

    /// Host `index`'s address (0-based).
    public func address(_ index: Int) -> String { subnet + ".\(index + 2)" }

    private func setUp() throws {
        try Self.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", folder.file("id")])
        try Self.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", folder.file("host")])
        try FileManager.default.copyItem(atPath: folder.file("id.pub"), toPath: folder.file("authorized_keys"))
        try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        try Self.ip(["link", "add", bridge, "type", "bridge"])
        try Self.ip(["addr", "add", serverAddress + "/24", "dev", bridge])
        try Self.ip(["link", "set", bridge, "up"])
        for (index, namespace) in namespaces.enumerated() {
            let (outside, inside) = ("sbv\(index + 1)-\(getpid() % 100_000)", "eth0")
            try Self.ip(["netns", "add", namespace])
            try Self.ip(["link", "add", outside, "type", "veth", "peer", "name", inside, "netns", namespace])
            try Self.ip(["link", "set", outside, "master", bridge])
            try Self.ip(["link", "set", outside, "up"])
            try Self.ip(["-n", namespace, "link", "set", "lo", "up"])
            try Self.ip(["-n", namespace, "addr", "add", address(index) + "/24", "dev", inside])
            try Self.ip(["-n", namespace, "link", "set", inside, "up"])
            let config = folder.file("sshd-\(index + 1).conf")
            try """
                ListenAddress \(address(index))
                HostKey \(folder.file("host"))
                PidFile \(folder.file("sshd-\(index + 1).pid"))
                AuthorizedKeysFile \(folder.file("authorized_keys"))
                PermitRootLogin prohibit-password
                PasswordAuthentication no
                KbdInteractiveAuthentication no
                UsePAM no
                StrictModes no

                """.write(toFile: config, atomically: true, encoding: .utf8)
            let log = folder.file("sshd-\(index + 1).log")
            daemons.append(try Self.spawn(["/usr/sbin/ip", "netns", "exec", namespace, "/usr/sbin/sshd", "-D", "-e", "-f", config], log: log))
            let deadline = Date().addingTimeInterval(10)
            while !((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("Server listening on") {
                guard Date() < deadline else {
                    throw SetupError(description: "sshd in \(namespace) did not start: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
                }
                usleep(20_000)
            }
        }
        try """
            Host *
              User root
              IdentityFile \(folder.file("id"))
              StrictHostKeyChecking no
              UserKnownHostsFile /dev/null
              LogLevel ERROR

            """.write(toFile: sshConfig, atomically: true, encoding: .utf8)
    }

    /// The pids in `namespace` other than its sshd listener: what a run left behind there.
    public func processes(in namespace: String) -> [Int32] {
        let listed = (try? runCommand("/usr/sbin/ip", ["netns", "pids", namespace], timeout: 10).stdout) ?? ""
        let listeners = Set(daemons.map(\.pid))
        return listed.split(separator: "\n").compactMap { Int32($0) }.filter { !listeners.contains($0) }
    }

    /// Stops every sshd by its pid, removes the namespaces and the bridge.
    public func shutdown() {
        for daemon in daemons { daemon.stop(SIGTERM, seconds: 5) }
        daemons = []
        for namespace in namespaces { _ = try? runCommand("/usr/sbin/ip", ["netns", "del", namespace], timeout: 10) }
        _ = try? runCommand("/usr/sbin/ip", ["link", "del", bridge], timeout: 10)
    }

    deinit { shutdown() }

    private static func ip(_ arguments: [String]) throws { try run("/usr/sbin/ip", arguments) }

    /// Started with stdin from /dev/null and both outputs into `log`.
    private static func spawn(_ words: [String], log: String) throws -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        do {
            return try ChildProcess(words, fileActions: &actions)
        } catch let error as ChildProcess.SpawnError {
            throw SetupError(description: "cannot start \(words[0]): \(error.reason)")
        }
    }

    private static func run(_ executable: String, _ arguments: [String]) throws {
        let result = try runCommand(executable, arguments, timeout: 20)
        guard result.status == 0 else {
            throw SetupError(description: "\(executable) \(arguments.joined(separator: " ")): \(result.stderr)\(result.stdout)")
        }
    }
}
