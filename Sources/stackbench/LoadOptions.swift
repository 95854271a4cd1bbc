import BenchSupport
import Foundation
import LoadEngine

/// Turns `stackbench load`'s flags into a `LoadPlan`, with one-line errors naming the flag.
struct LoadOptions {
    let command: Load

    init(_ command: Load) { self.command = command }

    func plan() throws -> LoadPlan {
        var plan = LoadPlan(requests: try requests())
        plan.connections = command.connections
        plan.unixSocketPath = command.unixSocket
        plan.keepAlive = !command.noKeepalive
        guard let engine = Engine(rawValue: command.engine) else {
            throw FlagError("--engine", "must be framed or curl, got \"\(command.engine)\"")
        }
        plan.engine = engine
        plan.verifyPeer = !command.insecure
        plan.caCertificatePath = command.cacert
        plan.timeoutNanoseconds = try duration(command.timeout, flag: "--timeout")
        plan.warmupNanoseconds = try duration(command.warmup, flag: "--warmup")
        switch (command.duration, command.count) {
        case (.some, .some): throw FlagError("-d/--duration", "and -n/--requests cannot be used together")
        case (_, .some(let n)): plan.stop = .count(n)
        case (let text, nil): plan.stop = .duration(nanoseconds: try duration(text ?? "10s", flag: "-d/--duration"))
        }
        if let text = command.rate {
            guard let rate = Units.parseCount(text) else { throw FlagError("--rate", "must be a number, got \"\(text)\"") }
            plan.schedule = .open(requestsPerSecond: rate)
        }
        if let text = command.cpus { plan.cpus = try CPUSet(parsing: text) }
        plan.threads = try threads(cpus: plan.cpus)
        plan.startAt = try command.startAt.map(Self.startTime)
        plan.tag = command.tag
        if let json = command.json { try checkWritable(json) }
        try LoadPlanError.namingFlags { try plan.validate() }
        return plan
    }

    /// `--start-at`: epoch seconds (fractions allowed) or RFC 3339; at most a second in the past (clocks of agents
    /// started by one command differ by that much), at most a day ahead (a mistyped date, not a plan).
    static func startTime(_ text: String) throws -> Date {
        let date: Date
        if let seconds = Double(text), seconds.isFinite {
            date = Date(timeIntervalSince1970: seconds)
        } else if let parsed = RunResult.parseTime(text) {
            date = parsed
        } else {
            throw FlagError("--start-at", "must be epoch seconds or an RFC 3339 time such as 2026-12-02T17:00:00Z, got \"\(text)\"")
        }
        let ahead = date.timeIntervalSinceNow
        guard ahead >= -1 else {
            throw FlagError("--start-at", "is \(Units.formatTenths(-ahead)) s in the past (\(RunResult.formatTime(date)); now \(RunResult.formatTime(Date())))")
        }
        guard ahead <= 86_400 else {
            throw FlagError("--start-at", "is \(Units.formatWhole(ahead)) s ahead, more than a day (\(RunResult.formatTime(date)))")
        }
        return date
    }

    /// `-t N`, or `-t auto`: a thread per CPU the client may use, never more than the connections.
    private func threads(cpus: CPUSet?) throws -> Int {
        if command.threads == "auto" {
            return max(1, min(command.connections, (cpus ?? CPUSet.currentAffinity()).cpus.count))
        }
        guard let n = Int(command.threads) else {
            throw FlagError("-t/--threads", "must be a whole number or auto, got \"\(command.threads)\"")
        }
        return n  // the plan's validation bounds it
    }

    private func requests() throws -> [RequestSpec] {
        if let mix = command.mix {
            guard command.urls.isEmpty else { throw FlagError("--mix", "replaces the URL arguments: give one or the other") }
            return try RequestMixFile.load(mix)
        }
        guard !command.urls.isEmpty else { throw FlagError("URL", "is required (or --mix FILE)") }
        if command.body != nil && command.bodyFile != nil {
            throw FlagError("--body", "and --body-file cannot be used together")
        }
        let body = try command.bodyFile.map { try RequestMixFile.readBody($0, flag: "--body-file") }
            ?? command.body.map { Array($0.utf8) }
        return command.urls.map {
            RequestSpec(url: $0, method: command.method.uppercased(), headers: command.headers, body: body)
        }
    }

    /// Fails before the load, not after it, when the JSON result could not be written.
    private func checkWritable(_ path: String) throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue,
              access(folder, W_OK) == 0
        else { throw FlagError("--json", "cannot write \"\(path)\": \(folder) is not a writable folder") }
        guard !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) || !isDirectory.boolValue else {
            throw FlagError("--json", "cannot write \"\(path)\": it is a folder")
        }
    }

    private func duration(_ text: String, flag: String) throws -> UInt64 {
        guard let nanos = Units.parseDuration(text) else {
            throw FlagError(flag, "must be a duration such as 10s, 500ms or 2m, got \"\(text)\"")
        }
        return nanos
    }
}

extension LoadPlanError {
    /// Runs `body`, saying a plan's error as the flag of `stackbench load` that sets the setting at fault.
    static func namingFlags<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as LoadPlanError { throw FlagError(error.setting.flag, error.problem) }
    }
}

extension LoadPlanError.Setting {
    /// The flag or argument of `stackbench load` that sets it.
    var flag: String {
        switch self {
        case .url: "URL"
        case .weight: "weight"
        case .method: "-m/--method"
        case .header: "-H/--header"
        case .connections: "-c/--connections"
        case .threads: "-t/--threads"
        case .duration: "-d/--duration"
        case .requests: "-n/--requests"
        case .rate: "--rate"
        case .timeout: "--timeout"
        case .caCertificate: "--cacert"
        case .unixSocket: "--unix-socket"
        }
    }
}
