import BenchSupport
import Foundation
import Results
import StackConfig

/// Where one cell's stack lives and the configs it runs from: the user's uwsgi.ini and nginx.conf rewritten so
/// that nothing touches the paths they name (`/opt/project/...` in the seed). The project is copied once per run
/// into `work/project`; each cell gets `work/cNN/` with its sockets, pidfiles, logs and generated configs. The work
/// folder sits under /tmp so that socket paths stay within the 107-byte limit of sun_path.
///
/// uwsgi.ini: chdir → the project copy; the first socket → `cNN/uwsgi.sock`, or, when it is a TCP address
/// (`127.0.0.1:8001`, `:8001`), 127.0.0.1 and a free port, so the front↔pool hop keeps the transport the user
/// chose (other sockets dropped); pidfile,
/// logto → the cell folder; daemonize → logto (the run supervises the master itself); stats → `cNN/stats.sock`;
/// uid/gid kept only when running as root; http-socket only for a pool-direct target; the cell's settings replace
/// the same options (aliases included). nginx.conf: a bare `server {}` block (the seed's) is wrapped in the
/// main/events/http levels nginx needs, with `log_format main`; listen → 127.0.0.1 (or where the agents reach this
/// machine) and a free port; access_log,
/// error_log, pid → the cell folder (and beside every access_log, the run's timing log: FrontTimingLog); uwsgi_pass → where the pool listens; root/alias under the ini's chdir → the
/// project copy; the cell's directives replace the same ones wherever they stand.
public struct StackLayout: Sendable {
    public let work: String
    public let cell: String
    public let project: String
    public let settingsFile: String
    /// The address every listening process of the stack binds: 127.0.0.1, or where the load agents reach it.
    public var listenHost = "127.0.0.1"

    // The pool's files, and where its uwsgi socket listens.
    public var uwsgiIni: String { cell + "/uwsgi.ini" }
    public var uwsgiSocket: String { cell + "/uwsgi.sock" }
    public var uwsgiPidfile: String { cell + "/uwsgi.pid" }
    public var uwsgiLog: String { cell + "/uwsgi.log" }
    public var statsSocket: String { cell + "/stats.sock" }
    /// The port of 127.0.0.1 the pool's uwsgi socket binds when the user's ini binds a TCP address; nil: the unix
    /// socket `uwsgiSocket`. Set (to a free port) before the configs are written.
    public var upstreamPort: Int?
    /// The pool's uwsgi socket as the ini and nginx's uwsgi_pass name it.
    var upstreamForIni: String { upstreamPort.map { "127.0.0.1:\($0)" } ?? uwsgiSocket }
    var upstreamForNginx: String { upstreamPort.map { "127.0.0.1:\($0)" } ?? "unix:" + uwsgiSocket }

    // The front's.
    public var nginxConf: String { cell + "/nginx.conf" }
    public var frontPidfile: String { cell + "/front.pid" }
    public var frontErrorLog: String { cell + "/front-error.log" }
    public var accessLog: String { cell + "/access.log" }
    /// The run's own log of the front's times per request (FrontTimingLog), beside the user's access_log.
    public var timingLog: String { cell + "/timing.log" }

    // The dev server's; and the copy of the Django project (reference pool and dev server), when the run has one.
    public var runserverLog: String { cell + "/runserver.log" }
    public var django: String { work + "/django" }

    /// The cell folder `work/cNN` and the project copy inside `work`.
    public init(work: String, cellIndex: Int, settingsFile: String) {
        self.work = work
        cell = work + "/c" + Units.zeroPadded(cellIndex, 2)
        project = work + "/project"
        self.settingsFile = project + "/" + (settingsFile as NSString).lastPathComponent
    }

    /// Copies the project folder (the settings file's folder) once, leaving out a collected STATIC_ROOT and the
    /// database, so every run starts from the same state.
    public static func copyProject(settingsFile: String, into work: String) throws {
        let source = (settingsFile as NSString).deletingLastPathComponent
        let settings = try ProjectSettings.load(path: settingsFile)
        let skipped = Set([settings.staticRoot, settings.database].compactMap { $0 }.map { ($0 as NSString).lastPathComponent })
        let target = work + "/project"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: source) where !skipped.contains(name) && !name.hasPrefix(".") {
            guard !name.hasSuffix("-wal"), !name.hasSuffix("-shm") else { continue }
            try FileManager.default.copyItem(atPath: source + "/" + name, toPath: target + "/" + name)
        }
    }

    /// Copies the Django project folder into `work/django` with symlinks followed (the repository's reference
    /// project links its static files and seed data to the Swift project's, so both serve the same bytes), leaving
    /// out its database, collected static files and Python caches.
    public static func copyDjangoProject(_ source: String, into work: String) throws {
        try copyFollowingLinks(source, to: work + "/django", skipping: ["static_all", "__pycache__"])  // the database too: migrate and setup: change the copy
    }

    private static func copyFollowingLinks(_ source: String, to target: String, skipping: Set<String>) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source, isDirectory: &isFolder) else { return }  // a dangling link
        if !isFolder.boolValue {
            try FileManager.default.copyItem(atPath: (source as NSString).resolvingSymlinksInPath, toPath: target)
            return
        }
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: source) where !skipping.contains(name) && !name.hasPrefix(".") {
            try copyFollowingLinks(source + "/" + name, to: target + "/" + name, skipping: skipping)
        }
    }

    // MARK: uwsgi.ini

    /// The pool's ini for this cell; `httpPort` adds an http-socket (pool-direct). For uWSGI (`pool: .uwsgi`)
    /// chdir is the Django project copy and the Python 3 plugin is loaded first, as Debian's uWSGI needs; so is
    /// chdir for stackbench's pool when it serves the Django project (`servesDjango`).
    public func writeUwsgiIni(from original: String, settings: [CellSetting], httpPort: Int?,
                              pool: StackVariant.Pool = .swift, servesDjango: Bool = false) throws -> [String] {
        var notes: [String] = []
        let options = try UwsgiIniReader.read(original, environment: ProcessInfo.processInfo.environment) { notes.append($0) }
        // Compared by canonical name, so that an alias in the ini (processes) is replaced by the swept one (workers).
        let swept = Set(settings.map { UwsgiConfig.canonicalName(of: $0.name) })
        let moved: Set<String> = ["chdir", "socket", "http-socket", "pidfile", "daemonize", "logto", "stats", "ini"]
        var lines = ["[uwsgi]", "# written by stackbench from \(original); paths moved into this folder"]
        let namesPlugin = options.contains { ["plugin", "plugins"].contains($0.key) && $0.value.contains("python") }
        if pool == .uwsgi && !namesPlugin {
            lines.append("plugin = python3")
            notes.append("\(original): plugin = python3 added for Debian's uWSGI")
        }
        var hasSocketOption = false
        for option in options {
            let name = UwsgiConfig.canonicalName(of: option.key)
            if name == "socket", !hasSocketOption {
                hasSocketOption = true
                if let upstreamPort, Self.isTCP(option.value) {
                    notes.append("\(option.file):\(option.line): socket \(option.value) → 127.0.0.1:\(upstreamPort) (TCP as the ini has it, on a free port)")
                }
            }
            if moved.contains(name) || swept.contains(name) { continue }
            if name == "uid" || name == "gid", getuid() != 0 {
                notes.append("\(option.file):\(option.line): \(option.key) left out: dropping privileges needs root")
                continue
            }
            lines.append("\(option.key) = \(option.value)")
        }
        if !hasSocketOption { notes.append("\(original): no socket option; the run adds one for the front") }
        lines += ["chdir = \(pool == .uwsgi || servesDjango ? django : project)", "socket = \(upstreamForIni)", "pidfile = \(uwsgiPidfile)", "logto = \(uwsgiLog)",
                  "stats = \(statsSocket)"]
        if let httpPort { lines.append("http-socket = \(listenHost):\(httpPort)") }
        lines += settings.map { "\($0.name) = \($0.value)" }
        try FileManager.default.createDirectory(atPath: cell, withIntermediateDirectories: true)
        try write(lines.joined(separator: "\n") + "\n", to: uwsgiIni)
        return notes
    }

    /// Whether the first `socket` of `ini` is a TCP address: uWSGI's rule, a value with `:` is TCP, anything
    /// else a unix path.
    public static func bindsTCP(_ ini: String) throws -> Bool {
        let options = try UwsgiIniReader.read(ini, environment: ProcessInfo.processInfo.environment) { _ in }
        return options.first { UwsgiConfig.canonicalName(of: $0.key) == "socket" }.map { isTCP($0.value) } ?? false
    }

    static func isTCP(_ socket: String) -> Bool { socket.contains(":") }

    /// The project folder the ini names (`chdir`), whose paths the nginx config maps into the copy.
    public static func originalProjectFolder(of ini: String) -> String? {
        let options = try? UwsgiIniReader.read(ini) { _ in }
        return options?.last { $0.key == "chdir" }.map { $0.value.hasSuffix("/") ? String($0.value.dropLast()) : $0.value }
    }

    // MARK: nginx.conf

    /// The front's config for this cell, listening on 127.0.0.1:`port`; root/alias under `originalProject` point
    /// into `appProject` (the copy the cell's pool serves). For Debian's nginx (`front: .nginx`) it stays in the
    /// foreground (`daemon off`, supervised by the run) and, run as root, its workers stay root as our front does
    /// (`user root`), so both read the same files and reach the same socket.
    public func writeNginxConf(from original: String, originalProject: String?, settings: [CellSetting], port: Int,
                               front: StackVariant.Front = .swift, appProject: String? = nil) throws {
        let directives = try nginxDirectives(from: original, originalProject: originalProject, settings: settings, port: port,
                                             front: front, appProject: appProject)
        try FileManager.default.createDirectory(atPath: cell, withIntermediateDirectories: true)
        for name in ["mime.types", "uwsgi_params"] {
            if let text = NginxConfigText.stockFile(name) { try write(text, to: cell + "/" + name) }
        }
        try write("# written by stackbench from \(original)\n" + NginxConfigText.text(directives), to: nginxConf)
    }

    /// The directives `writeNginxConf` writes, each keeping the file and line it came from.
    func nginxDirectives(from original: String, originalProject: String?, settings: [CellSetting], port: Int,
                         front: StackVariant.Front = .swift, appProject: String? = nil) throws -> [NginxDirective] {
        var directives = try NginxConfigParser.parse(file: original)
        let swept = Set(settings.map(\.name))
        directives = rewrite(directives, swept: swept, port: port, originalProject: originalProject, appProject: appProject ?? project)
        if !directives.contains(where: { $0.name == "http" }) {
            let logFormat = try NginxConfigParser.parse(text: NginxConfigText.mainLogFormat, file: "(main)", directory: cell)
            let main = directives.filter { !["server", "upstream"].contains($0.name) && $0.block == nil && Self.mainLevel.contains($0.name) }
            let http = directives.filter { !Self.mainLevel.contains($0.name) }
            directives = main + [
                NginxDirective("events", [], block: []),
                NginxDirective("http", [], block: [
                    NginxDirective("include", ["mime.types"]), NginxDirective("default_type", ["application/octet-stream"]),
                    NginxDirective("sendfile", ["on"]), NginxDirective("keepalive_timeout", ["65"]),
                ] + logFormat + http),
            ]
        }
        // No access_log anywhere: nginx still logs, to its compiled-in path (Debian's /var/log/nginx/access.log,
        // combined format); the run's copy logs the same into the cell folder.
        if !Self.contains("access_log", in: directives), let http = directives.firstIndex(where: { $0.name == "http" }) {
            directives[http].block?.insert(NginxDirective("access_log", [accessLog]), at: 0)
        }
        directives = try withTimingLog(directives)
        directives.removeAll { ["pid", "error_log", "daemon", "master_process", "user"].contains($0.name) }
        directives.insert(contentsOf: [NginxDirective("pid", [frontPidfile]), NginxDirective("error_log", [frontErrorLog])], at: 0)
        if front == .nginx {
            directives.insert(NginxDirective("daemon", ["off"]), at: 0)
            if geteuid() == 0 { directives.insert(NginxDirective("user", ["root"]), at: 0) }
        }
        for setting in settings where setting.component == .nginx {
            directives = place(setting, in: directives)
        }
        return directives
    }

    /// Wherever a block writes an access_log (not `off`), it also writes the run's timing log (FrontTimingLog), so
    /// every request the user's config logs is timed and the user's own logs stay as written; buffered (64 KiB,
    /// flushed when the front stops), so the extra line costs a format, not a write. A block with `access_log off`
    /// logs nothing, and its requests are not timed.
    private func withTimingLog(_ directives: [NginxDirective]) throws -> [NginxDirective] {
        let format = try NginxConfigParser.parse(text: FrontTimingLog.format, file: "(timing)", directory: cell)
        func add(_ directives: [NginxDirective]) -> [NginxDirective] {
            directives.map { directive in
                guard var block = directive.block else { return directive }
                var directive = directive
                block = add(block)
                if block.contains(where: { $0.name == "access_log" && $0.arguments.first != "off" }) {
                    block.append(NginxDirective("access_log", [timingLog, FrontTimingLog.formatName, "buffer=64k"]))
                }
                if directive.name == "http" { block.insert(contentsOf: format, at: 0) }
                directive.block = block
                return directive
            }
        }
        return add(directives)
    }

    private static func contains(_ name: String, in directives: [NginxDirective]) -> Bool {
        directives.contains { $0.name == name || contains(name, in: $0.block ?? []) }
    }

    static let mainLevel: Set<String> = ["worker_processes", "pid", "error_log", "user", "daemon", "master_process",
                                         "worker_rlimit_nofile", "pcre_jit", "worker_cpu_affinity"]

    private func rewrite(_ directives: [NginxDirective], swept: Set<String>, port: Int, originalProject: String?,
                         appProject: String) -> [NginxDirective] {
        var listened = false
        return directives.compactMap { directive in
            var directive = directive
            if swept.contains(directive.name), directive.name != "worker_connections" { return nil }
            switch directive.name {
            case "listen":
                if listened { return nil }
                listened = true
                directive.arguments = ["\(listenHost):\(port)"] + directive.arguments.dropFirst().filter { $0 == "default_server" }
            case "access_log" where directive.arguments.first != "off":
                directive.arguments[0] = accessLog
            case "error_log":
                directive.arguments[0] = frontErrorLog
            case "uwsgi_pass":
                directive.arguments = [upstreamForNginx]
            case "root", "alias":
                if let originalProject, let first = directive.arguments.first, first.hasPrefix(originalProject + "/") || first == originalProject {
                    directive.arguments[0] = appProject + first.dropFirst(originalProject.count)
                }
            default: break
            }
            if let block = directive.block {
                directive.block = rewrite(block, swept: swept, port: port, originalProject: originalProject, appProject: appProject)
                if directive.name == "server" { listened = false }
            }
            return directive
        }
    }

    /// Puts a swept directive where it belongs: worker_processes at the main level, worker_connections in events,
    /// everything else at the http level.
    private func place(_ setting: CellSetting, in directives: [NginxDirective]) -> [NginxDirective] {
        let directive = NginxDirective(setting.name, setting.value.split(separator: " ").map(String.init))
        var directives = directives
        switch setting.name {
        case "worker_processes":
            directives.removeAll { $0.name == "worker_processes" }
            directives.insert(directive, at: 0)
        default:
            let blockName = setting.name == "worker_connections" ? "events" : "http"
            if let index = directives.firstIndex(where: { $0.name == blockName }) {
                directives[index].block = (directives[index].block ?? []).filter { $0.name != setting.name } + [directive]
            }
        }
        return directives
    }

    private func write(_ text: String, to path: String) throws {
        if let problem = FileSystem.writeAtomically(Data(text.utf8), to: path) {
            throw FileError(path: path, problem: problem, exitStatus: .runFailed)
        }
    }
}
