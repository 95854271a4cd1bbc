import BenchSupport
import Foundation
import LoadEngine
import Results
import StackConfig

extension Scenario {
    /// Reads and validates `file`. Every mistake — unknown key, wrong type, missing field, unknown target, a
    /// matrix value the pool or front would refuse, a threshold that does not parse, a stack file that is missing
    /// — is a ConfigError naming the file, line and key (exit 2), before anything starts.
    public static func load(file: String) throws -> Scenario {
        let root = try YAMLValue.load(file: file)
        var scenario = try read(root, file: file, folder: (URL(fileURLWithPath: file).standardizedFileURL.path as NSString).deletingLastPathComponent)
        scenario.text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        return scenario
    }

    /// A scenario from its text, as a run recorded it: relative paths resolve against `folder` (the original
    /// scenario's), errors name `file`.
    public static func load(text: String, file: String, folder: String) throws -> Scenario {
        var scenario = try read(try YAMLValue.parse(text, file: file), file: file, folder: folder)
        scenario.text = text
        return scenario
    }

    private static func read(_ root: YAMLValue, file: String, folder: String) throws -> Scenario {
        var scenario = Scenario(file: file, name: ((file as NSString).lastPathComponent as NSString).deletingPathExtension,
                                stack: StackFiles(project: "", uwsgiIni: "", nginxConf: ""), matrix: Matrix(cells: []),
                                targets: [], load: LoadSettings(), thresholds: [])
        var sections: [String: YAMLValue] = [:]
        for (key, value) in try root.mapping(allowedKeys: ["name", "stack", "matrix", "targets", "load", "thresholds", "setup"]) {
            sections[key] = value
        }
        if let name = sections["name"] { scenario.name = try name.string() }
        // Read in the file's order (stack, matrix, targets), so the first mistake is the one reported.
        if let stack = sections["stack"] { scenario.stack = try readStack(stack, folder: folder) }
        scenario.matrix = try Matrix.read(sections["matrix"])
        guard let targets = sections["targets"] else { throw root.error("missing targets: (dev-server, proxied-static, ...)") }
        scenario.targets = try readTargets(targets)
        // Only external targets (servers stackbench does not run, the Kubernetes case): no stack to name.
        let needsStack = scenario.needsStack
        if let stack = sections["stack"] {
            if needsStack, scenario.stack.django == nil, scenario.variants.contains(where: { $0.pool == .uwsgi }) {
                throw stack.error("a uWSGI pool serves a Django project: name its folder with django: (scenarios/reference/teacher-django)")
            }
            if needsStack, scenario.stack.project.isEmpty, scenario.stack.django == nil,
               let variant = scenario.variants.first(where: { $0.pool == .swift }) {
                throw stack.error("the \(variant.name) stack runs stackbench's pool: name the Django project it serves with django: "
                                  + "(reference/teacher-django), or the Swift teacher app's settings with project: (teacher/settings.yml)")
            }
        } else if needsStack {
            throw root.error("missing stack: (project, uwsgi, nginx); only a scenario whose targets are all kind: external needs none")
        }
        if let load = sections["load"] { scenario.load = try readLoad(load) }
        if let config = scenario.load.agentSSHConfig, !config.hasPrefix("/") { scenario.load.agentSSHConfig = folder + "/" + config }
        if !scenario.load.agents.isEmpty {
            // An agent is told its requests on the command line: URLs with one method and one set of headers.
            for target in scenario.targets {
                guard target.sendsAsURLs else {
                    throw targets.error("\(target.name): load agents send a target's requests as URLs with one method and one set of "
                                        + "headers, equally weighted and without a body; this target's mix cannot be sent to them yet")
                }
            }
        }
        try checkEvents(scenario, loadSection: sections["load"] ?? root)
        if let setup = sections["setup"] {
            scenario.setup = try setup.sequence().map { item in
                let text = try item.string().trimmingCharacters(in: .whitespaces)
                guard !text.isEmpty, !text.contains("\n") else { throw item.error("must be one command line, e.g. manage.py loaddata fixture.json") }
                return (text, item.line)
            }
        }
        if let thresholds = sections["thresholds"] {
            let names = scenario.targets.map(\.name)
            scenario.thresholds = try thresholds.sequence().map { item in
                do {
                    return try Threshold.parse(try item.string(), line: item.line, targets: names)
                } catch let error as ThresholdSyntax {
                    throw item.error(error.description)
                }
            }
        }
        return scenario
    }

    /// Events must fall inside a timed window, and a harakiri event needs harakiri set in every cell.
    private static func checkEvents(_ scenario: Scenario, loadSection: YAMLValue) throws {
        for target in scenario.targets {
            if scenario.load.search != nil, let event = target.events.first {
                throw ConfigError(file: scenario.file, line: event.line, key: "targets.\(target.name).events",
                                  problem: "events and a capacity search cannot go together (the search's steps are short windows)")
            }
            for event in target.events {
                let place = ConfigError(file: scenario.file, line: event.line, key: "targets.\(target.name).events", problem: "")
                guard let duration = scenario.load.duration else {
                    throw ConfigError(file: place.file, line: place.line, key: place.key, problem: "events need a timed window (load.duration), not a count")
                }
                if event.at >= duration {
                    throw ConfigError(file: place.file, line: place.line, key: place.key,
                                      problem: "at \(Units.formatMicroseconds(Double(event.at) / 1000)) is not inside the \(Units.formatMicroseconds(Double(duration) / 1000)) window")
                }
                if event.action == .harakiri {
                    for cell in scenario.matrix.cells where scenario.harakiriSeconds(in: cell) == 0 {
                        throw ConfigError(file: place.file, line: place.line, key: place.key,
                                          problem: "harakiri needs the pool's harakiri option set (it is 0 in cell \(cell.label)); sweep or set harakiri: 2")
                    }
                }
            }
        }
    }

    /// The pool's harakiri in `cell`: the matrix's value, else the ini's; 0 when neither sets it.
    func harakiriSeconds(in cell: Matrix.Cell) -> Int {
        if let swept = cell.settings.last(where: { UwsgiConfig.canonicalName(of: $0.name) == "harakiri" }) { return Int(swept.value) ?? 0 }
        let options = (try? UwsgiIniReader.read(stack.uwsgiIni) { _ in }) ?? []
        return options.last { UwsgiConfig.canonicalName(of: $0.key) == "harakiri" }.flatMap { Int($0.value) } ?? 0
    }

    private static func readStack(_ value: YAMLValue, folder: String) throws -> StackFiles {
        var files: [String: String] = [:]
        var kind: StackVariant?
        var front: StackVariant.Front?, pool: StackVariant.Pool?
        for (key, entry) in try value.mapping(allowedKeys: ["project", "uwsgi", "nginx", "django", "kind", "front", "pool"]) {
            let text = try entry.string()
            switch key {
            case "kind":
                guard let variant = StackVariant(name: text) else { throw entry.error("unknown stack \"\(text)\": \(StackVariant.namesHelp)") }
                kind = variant
            case "front":
                front = StackVariant.Front(rawValue: text)
                if front == nil { throw entry.error("must be swift or nginx, got \"\(text)\"") }
            case "pool":
                pool = StackVariant.Pool(rawValue: text)
                if pool == nil { throw entry.error("must be swift or uwsgi, got \"\(text)\"") }
            default:
                let path = text.hasPrefix("/") ? text : folder + "/" + text
                var isFolder: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), FileManager.default.isReadableFile(atPath: path) else {
                    throw entry.error("cannot read \"\(path)\"")
                }
                if key == "django" {
                    guard isFolder.boolValue, FileManager.default.fileExists(atPath: path + "/manage.py") else {
                        throw entry.error("\"\(path)\" is not a Django project folder (no manage.py in it)")
                    }
                } else if isFolder.boolValue {
                    throw entry.error("\"\(path)\" is a folder; name the file")
                } else {
                    var status = stat()
                    if stat(path, &status) == 0, status.st_mode & S_IFMT != S_IFREG {  // a FIFO would block the run's readers
                        throw entry.error("\"\(path)\" is not a regular file")
                    }
                }
                files[key] = path
            }
        }
        // A Django project alone is enough for Debian's stack; the Swift app's settings are needed only where a cell
        // runs our pool (checked once the matrix is read).
        for key in ["project", "uwsgi", "nginx"] where files[key] == nil && !(key == "project" && files["django"] != nil) {
            throw value.error("missing \(key): (the \(key == "project" ? "project's settings file" : key == "uwsgi" ? "uwsgi.ini" : "nginx.conf"))")
        }
        if kind != nil, front != nil || pool != nil { throw value.error("kind: and front:/pool: cannot be used together") }
        let variant = kind ?? StackVariant(front: front ?? .swift, pool: pool ?? .swift)
        return StackFiles(project: files["project"] ?? "", uwsgiIni: files["uwsgi"]!, nginxConf: files["nginx"]!, django: files["django"],
                          variant: variant)
    }

    private static func readSearch(_ value: YAMLValue) throws -> Search {
        var search = Search()
        var limited = false
        for (key, field) in try value.mapping(allowedKeys: ["p50", "p90", "p99", "p99.9", "errors", "start", "max", "step", "precision", "steps"]) {
            switch key {
            case "errors":
                search.errors = try field.int()
                guard search.errors >= 0 else { throw field.error("must be >= 0") }
                limited = true
            case "start", "max":
                guard let rate = Units.parseCount(try field.string()), rate >= 1, rate.isFinite else {
                    throw field.error("must be a rate in req/s, 1 or more (100, 5k), got \(field.describe())")
                }
                if key == "start" { search.start = rate } else { search.maximum = rate }
            case "step":
                guard let nanos = Units.parseDuration(try field.string()), nanos >= 200_000_000 else {
                    throw field.error("must be a duration of 200ms or more, got \(field.describe())")
                }
                search.step = nanos
            case "precision":
                let text = try field.string()
                guard text.hasSuffix("%"), let share = Double(text.dropLast()), share > 0, share < 100 else {
                    throw field.error("must be a share such as 5%, got \(field.describe())")
                }
                search.precision = share / 100
            case "steps": search.maximumSteps = try field.int()
                guard (2...100).contains(search.maximumSteps) else { throw field.error("must be 2 to 100") }
            default:
                guard let nanos = Units.parseDuration(try field.string()), nanos > 0 else {
                    throw field.error("must be a latency such as 20ms, got \(field.describe())")
                }
                search.latency[String(key.dropFirst())] = Double(nanos) / 1000
                limited = true
            }
        }
        guard limited else { throw value.error("a search needs a limit to meet: a latency (p99: 20ms) or errors: 0") }
        if search.maximum < search.start { throw value.error("max (\(search.maximum)) is below start (\(search.start))") }
        return search
    }

    private static func readLoad(_ value: YAMLValue) throws -> LoadSettings {
        var load = LoadSettings()
        func duration(_ field: YAMLValue) throws -> UInt64 {
            guard let nanos = Units.parseDuration(try field.string()) else {
                throw field.error("must be a duration such as 10s or 500ms, got \(field.describe())")
            }
            return nanos
        }
        func positive(_ field: YAMLValue, maximum: Int) throws -> Int {
            let number = try field.int()
            guard (1...maximum).contains(number) else { throw field.error("must be 1 to \(maximum), got \(number)") }
            return number
        }
        var sawDuration = false
        for (key, field) in try value.mapping(allowedKeys: ["connections", "threads", "duration", "count", "warmup", "rate",
                                                            "repetitions", "rounds", "keepalive", "engine", "client-cpus", "server-cpus", "noise", "search",
                                                            "agents", "agent-ssh-config", "agent-command"]) {
            switch key {
            case "connections": load.connections = try positive(field, maximum: 100_000)
            case "threads": load.threads = try positive(field, maximum: 1024)
            case "duration":
                sawDuration = true
                load.duration = try duration(field)
                guard load.duration! > 0 else { throw field.error("must be > 0") }
            case "count":
                load.count = try positive(field, maximum: Int.max)
                load.duration = nil
            case "warmup": load.warmup = try duration(field)
            case "rate":
                guard let rate = Units.parseCount(try field.string()), rate > 0, rate.isFinite else {
                    throw field.error("must be requests per second > 0 (5000, 10k), got \(field.describe())")
                }
                load.rate = rate
            case "repetitions": load.repetitions = try positive(field, maximum: 100)
            case "rounds": load.rounds = try positive(field, maximum: 100)
            case "search": load.search = try readSearch(field)
            case "noise":
                let text = try field.string()
                guard text.hasSuffix("%"), let share = Double(text.dropLast()), share > 0, share <= 1000 else {
                    throw field.error("must be a share such as 10%, got \(field.describe())")
                }
                load.noise = share / 100
            case "keepalive": load.keepAlive = try field.bool()
            case "engine":
                guard let engine = Engine(rawValue: try field.string()) else {
                    throw field.error("must be framed or curl, got \(field.describe())")
                }
                load.engine = engine
            case "agents": load.agents = try field.sequence().map(readAgent)
            case "agent-ssh-config": load.agentSSHConfig = try field.string()
            case "agent-command":
                load.agentCommand = try field.string()
                guard !load.agentCommand.isEmpty else { throw field.error("must name the stackbench the agents run") }
            case "client-cpus", "server-cpus":
                do {
                    let cpus = try CPUSet(parsing: try field.string(), flag: key)
                    if key == "client-cpus" { load.clientCPUs = cpus } else { load.serverCPUs = cpus }
                } catch let error as FlagError {
                    throw field.error(error.problem)
                }
            default: break
            }
        }
        if sawDuration, load.count != nil { throw value.error("duration and count cannot be used together") }
        if load.search != nil, load.rate != nil { throw value.error("search: finds the rate itself; leave rate: out") }
        if load.search != nil, load.count != nil { throw value.error("search: measures timed steps; leave count: out") }
        if load.connections < load.threads { throw value.error("connections (\(load.connections)) must be >= threads (\(load.threads))") }
        if !load.agents.isEmpty, load.connections < load.agents.count * load.threads {
            throw value.error("connections (\(load.connections)) are shared among \(load.agents.count) agents of \(load.threads) thread(s) each: "
                              + "give at least \(load.agents.count * load.threads)")
        }
        return load
    }

    /// `ssh://[user@]host[:port]`, nothing more.
    private static func readAgent(_ field: YAMLValue) throws -> Agent {
        let text = try field.string()
        guard text.hasPrefix("ssh://"), let url = URLComponents(string: text), let host = url.host, !host.isEmpty,
              url.path.isEmpty || url.path == "/", url.query == nil, url.password == nil
        else { throw field.error("must be an ssh://[user@]host[:port] address, got \(field.describe())") }
        if let port = url.port, !(1...65535).contains(port) { throw field.error("has port \(port), outside 1-65535") }
        return Agent(url: text, destination: url.user.map { "\($0)@\(host)" } ?? host, port: url.port)
    }
}

extension YAMLValue {
    /// The keys of a mapping as written (any key allowed); empty for anything else.
    var keysAsWritten: [String] {
        guard case .mapping(let mapping) = node else { return [] }
        return mapping.keys.compactMap { $0.scalar?.string }
    }
}
