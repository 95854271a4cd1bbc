import BenchSupport
import Foundation

extension UwsgiConfig {
    /// How an option's value is read and what it sets; one row per option, aliases included.
    struct OptionRule: Sendable {
        enum Effect: Sendable {
            /// Sets a field from the value.
            case apply(@Sendable (inout UwsgiConfig, UwsgiOption) throws -> Void)
            /// Accepted with a one-line warning saying why it does nothing here.
            case warn(String)
            /// Accepted silently (placeholders).
            case silent
        }

        let names: [String]
        let effect: Effect
    }

    /// Reads `reference` (`FILE[:SECTION]`) into a config. Warnings (unimplemented options, odd values) go to
    /// `warn`, one line each; an unknown option or a bad value throws naming file, line and key.
    public static func load(_ reference: String, environment: [String: String] = ProcessInfo.processInfo.environment,
                            warn: (String) -> Void) throws -> UwsgiConfig {
        let (file, section) = UwsgiIniReader.split(reference)
        var config = UwsgiConfig(file: file, section: section)
        let options = try UwsgiIniReader.read(reference, environment: environment, warn: warn)
        let known = rules.flatMap(\.names)
        for option in options {
            guard let rule = rules.first(where: { $0.names.contains(option.key) }) else {
                throw ConfigError(file: option.file, line: option.line, key: option.key,
                                  problem: "unknown uWSGI option" + Suggestion.hint(for: option.key, in: known)
                                    + " (set-placeholder = name=value defines a placeholder)")
            }
            switch rule.effect {
            case .apply(let set): try set(&config, option)
            case .warn(let reason):
                warn("\(option.file):\(option.line): warning: \(option.key): \(reason)")
            case .silent: break
            }
            config.lines[rule.names[0]] = option.line
        }
        for plugin in config.plugins where !(plugin.hasPrefix("python") || plugin == "0") {
            warn("\(config.file):\(config.lines["plugins"] ?? 0): warning: plugins: \(plugin): ignored: stackbench has the "
                 + "python plugin built in and no other")
        }
        if config.threads > 1 { config.enableThreads = true }
        if config.harakiri > 0 && config.postBuffering == 0 {
            warn(" *** WARNING: you have enabled harakiri without post buffering. Slow upload could be rejected on "
                 + "post-unbuffered webservers *** ")
        }
        return config
    }

    static let rules: [OptionRule] = [
        .init(names: ["chdir"], effect: .apply { $0.chdir = try nonEmpty($1) }),
        .init(names: ["uid"], effect: .apply { $0.uid = try nonEmpty($1) }),
        .init(names: ["gid"], effect: .apply { $0.gid = try nonEmpty($1) }),
        .init(names: ["module", "wsgi", "w"], effect: .apply { $0.module = try nonEmpty($1) }),
        .init(names: ["callable"], effect: .apply { $0.callable = try nonEmpty($1) }),
        .init(names: ["socket", "uwsgi-socket", "s"], effect: .apply { $0.sockets.append(try nonEmpty($1)) }),
        .init(names: ["http-socket"], effect: .apply { $0.httpSockets.append(try nonEmpty($1)) }),
        .init(names: ["chmod-socket", "chmod", "C"], effect: .apply { $0.chmodSocket = try chmodMode($1) }),
        .init(names: ["master", "M"], effect: .apply { $0.master = flag($1) }),
        .init(names: ["workers", "processes", "p"], effect: .apply { $0.workers = try number($1, minimum: 1) }),
        .init(names: ["threads"], effect: .apply { $0.threads = try number($1, minimum: 1) }),
        .init(names: ["enable-threads", "T"], effect: .apply { $0.enableThreads = flag($1) }),
        .init(names: ["thunder-lock"], effect: .apply { $0.thunderLock = flag($1) }),
        .init(names: ["harakiri", "t"], effect: .apply { $0.harakiri = try number($1, minimum: 0) }),
        .init(names: ["harakiri-verbose"], effect: .apply { $0.harakiriVerbose = flag($1) }),
        .init(names: ["post-buffering"], effect: .apply { $0.postBuffering = try number($1, minimum: 0) }),
        .init(names: ["post-buffering-bufsize"], effect: .apply {
            $0.postBufferingBufsize = try number($1, minimum: 1)
        }),
        .init(names: ["buffer-size", "b"], effect: .apply { $0.bufferSize = min(try number($1, minimum: 1), 65535) }),
        .init(names: ["listen", "l"], effect: .apply { $0.listen = try number($1, minimum: 1) }),
        .init(names: ["max-requests", "R"], effect: .apply { $0.maxRequests = try number($1, minimum: 0) }),
        .init(names: ["worker-reload-mercy"], effect: .apply { $0.workerReloadMercy = try number($1, minimum: 1) }),
        .init(names: ["socket-timeout", "z"], effect: .apply { $0.socketTimeout = try number($1, minimum: 1) }),
        .init(names: ["pidfile"], effect: .apply { $0.pidfile = try nonEmpty($1) }),
        .init(names: ["vacuum"], effect: .apply { $0.vacuum = flag($1) }),
        .init(names: ["daemonize", "d"], effect: .apply { $0.daemonize = try nonEmpty($1) }),
        .init(names: ["logto"], effect: .apply { $0.logto = try nonEmpty($1) }),
        .init(names: ["stats", "stats-server"], effect: .apply {
            $0.stats = try nonEmpty($1)
            $0.master = true
        }),
        .init(names: ["disable-logging", "L"], effect: .apply { $0.disableLogging = flag($1) }),
        .init(names: ["die-on-term"], effect: .apply { $0.dieOnTerm = flag($1) }),
        .init(names: ["need-app"], effect: .apply { $0.needApp = flag($1) }),
        .init(names: ["print"], effect: .apply { $0.prints.append($1.value) }),
        .init(names: ["set-placeholder", "set-ph", "set"], effect: .silent),
        .init(names: ["strict"], effect: .silent),
        .init(names: ["plugins", "plugin"], effect: .apply { config, option in
            let names = option.value.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
            guard !names.isEmpty else { throw problem(option, "needs a value") }
            config.plugins += names
        }),
        .init(names: ["wsgi-file", "file"], effect: .apply { $0.wsgiFile = try nonEmpty($1) }),
        .init(names: ["home", "virtualenv", "venv", "pyhome", "H"], effect: .apply { $0.pythonHome = try nonEmpty($1) }),
        .init(names: ["pythonpath", "python-path", "pp"], effect: .apply { $0.pythonPath.append(try nonEmpty($1)) }),
        .init(names: ["env"], effect: .apply { config, option in
            guard let equals = option.value.firstIndex(of: "="), equals != option.value.startIndex else {
                throw problem(option, "invalid value \"\(option.value)\": must be KEY=VALUE")
            }
            config.environment.append(option.value)
        }),
        .init(names: ["lazy-apps"], effect: .apply { $0.lazyApps = flag($1) }),
        .init(names: ["single-interpreter", "i"], effect: .apply { $0.singleInterpreter = flag($1) }),
        .init(names: ["plugins-dir", "py-autoreload"],
              effect: .warn("ignored: stackbench embeds Python itself and does not reload on file changes")),
        .init(names: ["memory-report", "m", "log-format", "logformat", "limit-post",
                      "max-worker-lifetime", "min-worker-lifetime", "reload-mercy", "chdir2", "pidfile2",
                      "daemonize2", "http11-socket", "stats-http", "stats-minified", "cheaper", "offload-threads",
                      "log-date", "logdate", "req-logger", "logger", "touch-reload", "reload-on-rss", "uwsgi-modifier1",
                      "harakiri-graceful-timeout", "auto-procname", "procname-prefix", "vhost", "route"],
              effect: .warn("accepted but not implemented by stackbench; it has no effect")),
    ]

    /// uWSGI's flag rule: off iff `false`, `off`, `no` (any case) or exactly `0`; anything else, even empty, is on.
    static func flag(_ option: UwsgiOption) -> Bool {
        !["false", "off", "no"].contains(option.value.lowercased()) && option.value != "0"
    }

    private static func nonEmpty(_ option: UwsgiOption) throws -> String {
        guard !option.value.isEmpty else { throw problem(option, "needs a value") }
        return option.value
    }

    /// C `atoi` as uWSGI uses it: the leading digits. Trailing text is refused (uWSGI would silently read
    /// `buffer-size = 8k` as 8), and so is a value below `minimum`.
    private static func number(_ option: UwsgiOption, minimum: Int) throws -> Int {
        let digits = option.value.prefix { $0.isASCII && $0.isNumber }
        guard !option.value.hasPrefix("-") else {
            throw problem(option, "invalid value \"\(option.value)\": must be >= \(minimum)")
        }
        guard !digits.isEmpty, digits.count == option.value.count, let value = Int(digits) else {
            let hint = digits.isEmpty ? "" : " (uWSGI would read it as \(digits): it takes plain bytes and seconds, no units)"
            throw problem(option, "invalid value \"\(option.value)\": must be a whole number\(hint)")
        }
        guard value >= minimum else { throw problem(option, "invalid value \"\(option.value)\": must be >= \(minimum)") }
        // uWSGI reads its numbers into a C int: past 2147483647 it would wrap.
        guard value <= Int(Int32.max) else { throw problem(option, "invalid value \"\(option.value)\": must be at most \(Int32.max)") }
        return value
    }

    /// `chmod-socket`: exactly three octal digits, or `1` (uWSGI's 666).
    private static func chmodMode(_ option: UwsgiOption) throws -> UInt16 {
        if option.value == "1" { return 0o666 }
        guard option.value.count == 3, let mode = UInt16(option.value, radix: 8) else {
            throw problem(option, "invalid chmod value \"\(option.value)\": three octal digits such as 660")
        }
        return mode
    }

    private static func problem(_ option: UwsgiOption, _ text: String) -> ConfigError {
        ConfigError(file: option.file, line: option.line, key: option.key, problem: text)
    }
}

extension UwsgiConfig {
    /// Every option name the pool reads, aliases included (a scenario's matrix may sweep any of them).
    public static var optionNames: [String] { rules.flatMap(\.names) }

    /// The first name of an option's row (`processes` → `workers`, `T` → `enable-threads`); an unknown name as is.
    public static func canonicalName(of option: String) -> String {
        rules.first { $0.names.contains(option) }?.names[0] ?? option
    }
}
