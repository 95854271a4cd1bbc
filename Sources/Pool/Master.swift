import CLinux
import Foundation
import ServerCore
import StackConfig

/// The master process: binds the sockets once, writes the pidfile, starts `workers` worker processes (its own
/// executable, spawned with the sockets and the scoreboard inherited), then supervises them once a second:
/// respawns the dead, kills a worker past its harakiri deadline, replaces workers on SIGHUP, stops everything on
/// SIGINT/SIGQUIT (and SIGTERM with die-on-term), runs vacuum on exit. Log lines are uWSGI 2.0's.
public final class Master {
    /// Environment variables that make a spawned `stackbench uwsgi` a worker.
    public enum WorkerEnvironment {
        public static let id = "STACKBENCH_UWSGI_WORKER"
        /// The master's pid: a worker dies with it, even when the master is SIGKILLed.
        public static let master = "STACKBENCH_UWSGI_MASTER"
        /// The options the master loaded, as JSON: a worker (started, respawned, or replaced by a reload) runs
        /// what its master runs, as uWSGI's forked workers do, never a file edited since into a mistake.
        public static let config = "STACKBENCH_UWSGI_CONFIG"
        /// Comma-separated protocols of the inherited listeners, which are descriptors 4, 5, ...; 3 is the scoreboard.
        public static let listeners = "STACKBENCH_UWSGI_LISTENERS"
        public static let scoreboardDescriptor: Int32 = 3
        public static let firstListenerDescriptor: Int32 = 4
    }

    struct Bound {
        let socket: ListeningSocket
        let proto: Worker.Listener.Speaks
        let name: String
        let inode: ino_t?
    }

    let config: UwsgiConfig
    let executable: String
    let arguments: [String]
    var sockets: [Bound] = []
    var scoreboard: Scoreboard!
    var pidfilePath: String?
    var workerPids: [Int: pid_t] = [:]
    /// Workers told to stop (graceful or not), with when.
    var cursed: [Int: Date] = [:]
    var shuttingDown = false
    var stats: StatsServer?
    /// When recent respawns happened, for uWSGI's "respawning too fast" brake.
    var recentRespawns: [Date] = []
    private let iniReference: String
    /// Where the pool was started: a binary reload execs from here, so a relative ini path means what it meant.
    let startDirectory: String
    /// Set between a reload of forked workers and the exec that follows once every worker is gone.
    var reexecPending = false
    /// What workers run: the config loaded at start, then the one each accepted reload loaded.
    var workerConfig: UwsgiConfig
    private let loadApp: () throws -> AppInMaster
    /// Set when workers are forked from this process (the app loaded here) instead of exec'd.
    var forkedWorkers: ForkedWorkers?

    /// A master for `config`, which will start workers as `executable arguments` or fork them. `loadApp` loads the
    /// app once in the master after chdir and binding, as uWSGI does, so that a broken app stops start-up instead
    /// of every worker (and a new database is created and seeded once), and says how workers start.
    public init(config: UwsgiConfig, executable: String, arguments: [String], loadApp: @escaping () throws -> AppInMaster) {
        self.config = config
        workerConfig = config
        let start = FileManager.default.currentDirectoryPath
        self.iniReference = config.file.hasPrefix("/") ? config.file : start + "/" + config.file
        startDirectory = start
        self.executable = executable
        self.arguments = arguments
        self.loadApp = loadApp
    }

    /// Runs the pool until it is stopped; returns the exit status.
    public func run() throws -> Int32 {
        do {
            try startUp()
        } catch {
            abandonStartUp()
            throw error
        }
        return supervise()
    }

    /// Start-up failed part-way: undo what was done (workers, sockets bound, the pidfile), so nothing is left.
    private func abandonStartUp() {
        for pid in workerPids.values { kill(pid, SIGKILL) }
        for pid in workerPids.values { waitpid(pid, nil, 0) }
        for bound in sockets {
            bound.socket.close()
            if case .unix(let path)? = Self.address(bound.name) { unlink(path) }
        }
        if let pidfile = pidfilePath { unlink(pidfile) }
    }

    private func startUp() throws {
        let inherited = Self.takeInheritedSockets()
        if let log = config.daemonize, inherited.isEmpty {  // a reloaded master is the daemon already
            let status = sb_daemonize(log)
            guard status == 0 else { throw PoolStartError(config, "daemonize", "cannot open \(log): \(String(cString: strerror(status)))") }
        } else if let log = config.logto {
            let fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
            guard fd >= 0 else { throw PoolStartError(config, "logto", "cannot open \(log): \(String(cString: strerror(errno)))") }
            dup2(fd, 1)
            dup2(fd, 2)
            close(fd)
        }
        // Signals are taken synchronously by the supervision loop; threads started later inherit the block.
        var set = Self.handledSignals
        pthread_sigmask(SIG_BLOCK, &set, nil)
        signal(SIGPIPE, SIG_IGN)
        PoolLog.stamped("*** Starting stackbench uwsgi (uWSGI 2.0 compatible) ***")
        for line in config.prints { PoolLog.write(line) }
        if let pidfile = config.pidfile {
            pidfilePath = absolute(pidfile)
            PoolLog.write("writing pidfile to \(pidfile)")
            try PidFile.write(getpid(), to: pidfilePath!, config: config)
        }
        try dropPrivileges()
        if let directory = config.chdir {
            guard chdir(directory) == 0 else {
                throw PoolStartError(config, "chdir", "cannot chdir() to \(directory): \(String(cString: strerror(errno)))")
            }
            PoolLog.write("chdir() to \(directory)")
        }
        if config.thunderLock {
            PoolLog.write("lock engine: pthread robust mutexes")
            PoolLog.write("thunder lock: enabled")
        } else {
            PoolLog.write("thunder lock: disabled (you can enable it with --thunder-lock)")
        }
        try bindSockets(inheriting: inherited)
        let loading = Date()
        let loaded = try loadApp()
        forkedWorkers = loaded.forked
        if loaded.ready {
            PoolLog.write("WSGI app 0 (mountpoint='') ready in \(Int(Date().timeIntervalSince(loading))) seconds on interpreter 0x0 pid: \(getpid()) (default app)")
        }
        scoreboard = try Scoreboard.create(workers: config.workers)
        PoolLog.write("your server socket listen backlog is limited to \(config.listen) connections")
        PoolLog.write("your mercy for graceful operations on workers is \(config.workerReloadMercy) seconds")
        if !config.master {
            PoolLog.write("*** WARNING: you are running uWSGI without its master process manager ***")
        }
        PoolLog.write("*** Operational MODE: \(config.workers > 1 ? "preforking" : "single process")\(config.threads > 1 ? "+threaded" : "") ***")
        PoolLog.write("\(inherited.isEmpty ? "" : "gracefully (RE)")spawned uWSGI master process (pid: \(getpid()))")
        for id in 1...config.workers { try spawn(id) }
        if let address = config.stats {
            stats = try StatsServer(address: address, master: self)
            PoolLog.write("*** Stats server enabled on \(address) fd: \(stats!.listener.descriptor) ***")
        }
    }

    func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }

    /// Binds each socket of the ini, or adopts the one a previous master of this pool left open under that name.
    private func bindSockets(inheriting inherited: [String: InheritedSocket]) throws {
        let all = config.sockets.map { ($0, Worker.Listener.Speaks.uwsgi) } + config.httpSockets.map { ($0, .http) }
        guard !all.isEmpty else {
            throw PoolStartError(config, "socket", "no socket or http-socket to listen on")
        }
        for (index, (name, proto)) in all.enumerated() {
            let key = proto == .uwsgi ? "socket" : "http-socket"
            guard let address = Self.address(name) else {
                throw PoolStartError(config, key, "\"\(name)\" is neither host:port nor a unix socket path")
            }
            if let adopted = inherited[name] {
                let socket = ListeningSocket(inheritedDescriptor: adopted.descriptor, address: address)
                let family = if case .unix = address { "UNIX" } else { "INET" }
                PoolLog.write("uwsgi socket \(index) inherited \(family) address \(name) fd \(adopted.descriptor)")
                sockets.append(Bound(socket: socket, proto: proto, name: name, inode: adopted.inode == 0 ? nil : adopted.inode))
                continue
            }
            let socket: ListeningSocket
            do {
                socket = try ListeningSocket(address: address, backlog: Int32(config.listen))
            } catch {
                throw PoolStartError(config, key, "cannot bind \(name): \(error)")
            }
            var inode: ino_t?
            if case .unix(let path) = address {
                if let mode = config.chmodSocket {
                    chmod(path, mode_t(mode))
                    PoolLog.write("chmod() socket to \(String(mode, radix: 8)) for lazy and brave users")
                }
                var status = stat()
                if stat(path, &status) == 0 { inode = status.st_ino }
                PoolLog.write("uwsgi socket \(index) bound to UNIX address \(path) fd \(socket.descriptor)")
            } else {
                PoolLog.write("uwsgi socket \(index) bound to TCP address \(name) fd \(socket.descriptor)")
            }
            sockets.append(Bound(socket: socket, proto: proto, name: name, inode: inode))
        }
        for (name, socket) in inherited where !all.contains(where: { $0.0 == name }) { close(socket.descriptor) }
    }

    /// uWSGI's rule: a value with `:` is TCP (`:port` on every IPv4 address), anything else a unix path.
    static func address(_ text: String) -> ListenAddress? {
        text.contains(":") ? ListenAddress.parse(text, defaultHost: "0.0.0.0") : (text.isEmpty ? nil : .unix(path: text))
    }

    /// gid first, then the supplementary groups of the uid's user (initgroups, so root's groups are not kept), then
    /// uid; only when started as root, as uWSGI does; a name or a number.
    private func dropPrivileges() throws {
        guard getuid() == 0 else { return }
        try switchIdentity("gid", config.gid, lookup: { getgrnam($0)?.pointee.gr_gid }, current: getgid(), set: setgid)
        if let uid = config.uid, let user = UInt32(uid).flatMap({ getpwuid($0) }) ?? getpwnam(uid),
           user.pointee.pw_uid != 0 {
            guard initgroups(user.pointee.pw_name, getgid()) == 0 else {
                throw PoolStartError(config, "uid", "initgroups(): \(String(cString: strerror(errno)))")
            }
        }
        try switchIdentity("uid", config.uid, lookup: { getpwnam($0)?.pointee.pw_uid }, current: getuid(), set: setuid)
        if getuid() == 0 { PoolLog.write("uWSGI running as root, you can use --uid/--gid/--chroot options") }
    }

    private func switchIdentity(_ key: String, _ name: String?, lookup: (String) -> UInt32?, current: UInt32,
                                set: (UInt32) -> Int32) throws {
        guard let name else { return }
        guard let id = UInt32(name) ?? lookup(name) else {
            throw PoolStartError(config, key, "unknown \(key == "gid" ? "group" : "user") \"\(name)\"")
        }
        guard id != current else { return }
        guard set(id) == 0 else { throw PoolStartError(config, key, "set\(key)(\(id)): \(String(cString: strerror(errno)))") }
        PoolLog.write("set\(key)() to \(id)")
    }

    /// The ini as reloads read it (with the section when not `uwsgi`).
    var workerIni: String { config.section == "uwsgi" ? iniReference : "\(iniReference):\(config.section)" }

    func spawn(_ id: Int) throws {
        if let forkedWorkers { return try fork(id, forkedWorkers) }
        var environment = ProcessInfo.processInfo.environment
        environment[WorkerEnvironment.id] = String(id)
        environment[WorkerEnvironment.master] = String(getpid())
        environment[WorkerEnvironment.config] = String(decoding: try JSONEncoder().encode(workerConfig), as: UTF8.self)
        environment[WorkerEnvironment.listeners] = sockets.map(\.proto.rawValue).joined(separator: ",")
        let pid = try Spawn.start(executable, arguments: arguments, environment: environment,
                                  inheriting: [scoreboard.descriptor] + sockets.map(\.socket.descriptor))
        workerPids[id] = pid
        scoreboard.slot(id).recordSpawn(pid: pid, now: Int(time(nil)))
        PoolLog.write("spawned uWSGI worker \(id) (pid: \(pid), cores: \(config.threads))")
    }

    static var handledSignals: sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for number in [SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGCHLD, SIGUSR1] { sigaddset(&set, number) }
        return set
    }
}

/// Start-up failed: one line naming the ini file, the option's line and key; the run fails (exit 3), or for a
/// value that can never work, it is a configuration error (exit 2).
public struct PoolStartError: Error, CustomStringConvertible {
    public let description: String

    public init(_ config: UwsgiConfig, _ key: String, _ problem: String) {
        let line = config.lines[key].map { ":\($0)" } ?? ""
        description = "\(config.file)\(line): error: \(key): \(problem)"
    }
}
