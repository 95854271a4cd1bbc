import BenchSupport
import Foundation

/// The directive table of the front (shared/spec/nginx-subset.md §2): for each directive that sets an inheritable
/// value, where it may stand, how many arguments it takes, and how it sets the scope. Parsing, "not allowed here"
/// and "unknown directive" all come from this one table.
extension NginxConfig.Loader {
    struct ScopeRule: Sendable {
        var contexts: Set<NginxConfig.Context>
        var arguments: ClosedRange<Int> = 1...1
        var block = false
        /// For array directives: empties the inherited value before the block's first one.
        var reset: (@Sendable (inout NginxScope) -> Void)?
        var group: String?
        var apply: @Sendable (inout NginxScope, NginxDirective, NginxConfig.Loader) throws -> Void
    }

    static let everywhere: Set<NginxConfig.Context> = [.http, .server, .location]
    static let notLocation: Set<NginxConfig.Context> = [.http, .server]

    /// Directives handled by the walk itself, and where.
    static let structural: [String: Set<NginxConfig.Context>] = [
        "server": [.http], "log_format": [.http], "listen": [.server], "server_name": [.server],
        "location": [.server, .location],
    ]

    /// Directives nginx knows that change nothing the front measures (or that it does not implement): accepted,
    /// one warning each.
    static let ignored: Set<String> = [
        "user", "daemon", "master_process", "worker_rlimit_nofile", "worker_cpu_affinity", "pcre_jit",
        "tcp_nopush", "types_hash_max_size", "types_hash_bucket_size", "server_names_hash_bucket_size",
        "server_names_hash_max_size", "gzip", "gzip_vary", "gzip_proxied", "gzip_comp_level", "gzip_types",
        "gzip_min_length", "reset_timedout_connection",
        "client_body_buffer_size", "client_body_temp_path", "uwsgi_temp_path", "uwsgi_buffers", "uwsgi_busy_buffers_size",
        "uwsgi_buffer_size", "uwsgi_buffering", "uwsgi_request_buffering", "output_buffers", "postpone_output",
        "ssl_protocols", "ssl_prefer_server_ciphers", "access_log_buffer", "lingering_close", "lingering_time",
        "lingering_timeout", "autoindex", "expires", "more_set_headers",
    ]

    static let scopeRules: [String: ScopeRule] = [
        "root": ScopeRule(contexts: everywhere) { scope, d, loader in scope.root = loader.path(d.arguments[0]) },
        "alias": ScopeRule(contexts: [.location]) { scope, d, loader in scope.alias = loader.path(d.arguments[0]) },
        "index": ScopeRule(contexts: everywhere, arguments: 1...64, reset: { $0.index = [] }) { scope, d, _ in
            scope.index += d.arguments
        },
        "types": ScopeRule(contexts: everywhere, block: true, reset: { $0.types = [:] }) { scope, d, _ in
            for entry in d.block! {
                guard !entry.arguments.isEmpty, entry.block == nil else { throw NginxConfigError(entry, "invalid number of arguments in \"types\" directive") }
                for ext in entry.arguments { scope.types[ext.lowercased()] = entry.name }
            }
        },
        "default_type": ScopeRule(contexts: everywhere) { scope, d, _ in scope.defaultType = d.arguments[0] },
        "charset": ScopeRule(contexts: everywhere) { scope, d, _ in scope.charset = d.arguments[0] == "off" ? nil : d.arguments[0] },
        "charset_types": ScopeRule(contexts: everywhere, arguments: 1...64) { scope, d, _ in
            scope.charsetTypes = Set(d.arguments)
        },
        "sendfile": flag(\.sendfile),
        "tcp_nodelay": flag(\.tcpNodelay),
        "open_file_cache": ScopeRule(contexts: everywhere, arguments: 1...3) { scope, d, _ in scope.openFileCache = try openFileCache(d) },
        "open_file_cache_valid": time(\.openFileCacheValid),
        "open_file_cache_min_uses": ScopeRule(contexts: everywhere) { scope, d, _ in scope.openFileCacheMinUses = try number(d) },
        "open_file_cache_errors": flag(\.openFileCacheErrors),
        "server_tokens": flag(\.serverTokens),
        "etag": flag(\.etag),
        "uwsgi_pass_request_headers": flag(\.uwsgiPassRequestHeaders),
        "uwsgi_pass_request_body": flag(\.uwsgiPassRequestBody),
        "if_modified_since": ScopeRule(contexts: everywhere) { scope, d, _ in
            guard let value = NginxScope.IfModifiedSince(rawValue: d.arguments[0]) else {
                throw NginxConfigError(d, "invalid value \"\(d.arguments[0])\" in \"if_modified_since\" directive, it must be \"off\", \"exact\" or \"before\"")
            }
            scope.ifModifiedSince = value
        },
        "keepalive_timeout": ScopeRule(contexts: everywhere, arguments: 1...2) { scope, d, _ in
            scope.keepaliveTimeout = try milliseconds(d, d.arguments[0])
        },
        "keepalive_requests": ScopeRule(contexts: everywhere) { scope, d, _ in scope.keepaliveRequests = try number(d) },
        "client_max_body_size": size(\.clientMaxBodySize),
        "client_header_buffer_size": size(\.clientHeaderBufferSize, contexts: notLocation),
        "large_client_header_buffers": ScopeRule(contexts: notLocation, arguments: 2...2) { scope, d, _ in
            guard let count = Int(d.arguments[0]), count > 0 else { throw NginxConfigError(d, "invalid value \"\(d.arguments[0])\"") }
            scope.largeClientHeaderBufferSize = try bytes(d, d.arguments[1])
        },
        "client_header_timeout": time(\.clientHeaderTimeout, contexts: notLocation),
        "client_body_timeout": time(\.clientBodyTimeout),
        "send_timeout": time(\.sendTimeout),
        "uwsgi_connect_timeout": time(\.uwsgiConnectTimeout),
        "uwsgi_read_timeout": time(\.uwsgiReadTimeout),
        "uwsgi_send_timeout": time(\.uwsgiSendTimeout),
        "uwsgi_modifier1": ScopeRule(contexts: everywhere) { scope, d, _ in scope.uwsgiModifier1 = UInt8(clamping: try number(d)) },
        "uwsgi_modifier2": ScopeRule(contexts: everywhere) { scope, d, _ in scope.uwsgiModifier2 = UInt8(clamping: try number(d)) },
        "uwsgi_pass": ScopeRule(contexts: [.location]) { scope, d, _ in scope.uwsgiPass = try upstream(d) },
        "uwsgi_param": ScopeRule(contexts: everywhere, arguments: 2...3, reset: { $0.uwsgiParams = [] }) { scope, d, _ in
            guard d.arguments.count == 2 || d.arguments[2] == "if_not_empty" else {
                throw NginxConfigError(d, "invalid parameter \"\(d.arguments[2])\"")
            }
            scope.uwsgiParams.append(NginxUwsgiParam(name: d.arguments[0], value: try template(d, d.arguments[1]),
                                                      ifNotEmpty: d.arguments.count == 3))
        },
        "add_header": ScopeRule(contexts: everywhere, arguments: 2...3, reset: { $0.addHeaders = [] }) { scope, d, _ in
            guard d.arguments.count == 2 || d.arguments[2] == "always" else { throw NginxConfigError(d, "invalid parameter \"\(d.arguments[2])\"") }
            guard !d.arguments[0].isEmpty, d.arguments[0].utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ":") }),
                  !d.arguments[1].utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) else {
                throw NginxConfigError(d, "invalid header in \"add_header\" directive")
            }
            scope.addHeaders.append(NginxAddHeader(name: d.arguments[0], value: try template(d, d.arguments[1]), always: d.arguments.count == 3))
        },
        "access_log": ScopeRule(contexts: everywhere, arguments: 1...4, reset: { $0.accessLogs = [] }) { scope, d, loader in
            if d.arguments[0] == "off" { return }
            let name = d.arguments.count > 1 ? d.arguments[1] : "combined"
            guard let format = loader.config.logFormats[name] else { throw NginxConfigError(d, "unknown log format \"\(name)\"") }
            var log = NginxAccessLog(path: loader.logPath(d.arguments[0]), format: format)
            for parameter in d.arguments.dropFirst(2) {
                if parameter.hasPrefix("buffer=") {
                    log.buffer = try bytes(d, String(parameter.dropFirst(7)))
                    guard log.buffer! > 0 else { throw NginxConfigError(d, "invalid buffer size \"\(parameter)\"") }
                } else if parameter.hasPrefix("flush=") {
                    log.flush = try milliseconds(d, String(parameter.dropFirst(6)))
                    guard log.flush! > 0 else { throw NginxConfigError(d, "invalid flush time \"\(parameter)\"") }
                } else {
                    throw NginxConfigError(d, "invalid parameter \"\(parameter)\"")
                }
            }
            if log.flush != nil, log.buffer == nil { log.buffer = 64 * 1024 }  // nginx: flush= alone implies buffer=64k
            scope.accessLogs.append(log)
        },
        "error_log": ScopeRule(contexts: everywhere, arguments: 1...2) { scope, d, loader in scope.errorLog = try loader.errorLog(d) },
    ]

    /// `open_file_cache off | max=N [inactive=TIME]`, with nginx's words for a bad parameter; `off` anywhere wins.
    static func openFileCache(_ d: NginxDirective) throws -> NginxOpenFileCache? {
        var max: Int?
        var inactive = 60_000
        var off = false
        for parameter in d.arguments {
            let invalid = NginxConfigError(d, "invalid \"open_file_cache\" parameter \"\(parameter)\"")
            if parameter.hasPrefix("max=") {
                guard let value = Int(parameter.dropFirst(4)), value > 0 else { throw invalid }
                max = value
            } else if parameter.hasPrefix("inactive=") {
                guard let value = try? milliseconds(d, String(parameter.dropFirst(9))) else { throw invalid }
                inactive = value
            } else if parameter == "off" {
                off = true
            } else {
                throw invalid
            }
        }
        if off { return nil }
        guard let max else { throw NginxConfigError(d, "\"open_file_cache\" must have the \"max\" parameter") }
        return NginxOpenFileCache(max: max, inactive: inactive)
    }

    static func flag(_ key: WritableKeyPath<NginxScope, Bool> & Sendable) -> ScopeRule {
        ScopeRule(contexts: everywhere) { scope, d, _ in
            switch d.arguments[0].lowercased() {
            case "on": scope[keyPath: key] = true
            case "off": scope[keyPath: key] = false
            default: throw NginxConfigError(d, "invalid value \"\(d.arguments[0])\" in \"\(d.name)\" directive, it must be \"on\" or \"off\"")
            }
        }
    }

    static func time(_ key: WritableKeyPath<NginxScope, Int> & Sendable, contexts: Set<NginxConfig.Context> = everywhere) -> ScopeRule {
        ScopeRule(contexts: contexts) { scope, d, _ in scope[keyPath: key] = try milliseconds(d, d.arguments[0]) }
    }

    static func size(_ key: WritableKeyPath<NginxScope, Int> & Sendable, contexts: Set<NginxConfig.Context> = everywhere) -> ScopeRule {
        ScopeRule(contexts: contexts) { scope, d, _ in scope[keyPath: key] = try bytes(d, d.arguments[0]) }
    }

    static func number(_ d: NginxDirective) throws -> Int {
        guard let value = Int(d.arguments[0]), value >= 0 else { throw NginxConfigError(d, "invalid value \"\(d.arguments[0])\" in \"\(d.name)\" directive") }
        return value
    }

    /// nginx times: a bare number is seconds; `ms s m h d w M y` combine (`1m30s`).
    static func milliseconds(_ d: NginxDirective, _ text: String) throws -> Int {
        let units: [(String, Int)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000),
                                      ("w", 604_800_000), ("M", 2_592_000_000), ("y", 31_536_000_000)]
        var rest = Substring(text)
        var total = 0
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard let value = Int(digits) else { throw NginxConfigError(d, "\"\(d.name)\" directive invalid value") }
            rest = rest.dropFirst(digits.count)
            let unit = units.first { rest.hasPrefix($0.0) && !(rest.hasPrefix("ms") && $0.0 == "m") }
            let (multiplier, length) = unit.map { ($0.1, $0.0.count) } ?? (1000, 0)
            guard unit != nil || rest.isEmpty else { throw NginxConfigError(d, "\"\(d.name)\" directive invalid value") }
            // Past what fits, nginx says "invalid value" too (ngx_parse_time's overflow checks).
            guard let part = CheckedArithmetic.product(value, multiplier), let sum = CheckedArithmetic.sum(total, part) else {
                throw NginxConfigError(d, "\"\(d.name)\" directive invalid value")
            }
            total = sum
            rest = rest.dropFirst(length)
        }
        guard !text.isEmpty else { throw NginxConfigError(d, "\"\(d.name)\" directive invalid value") }
        return total
    }

    /// nginx sizes: bytes, `k`/`K`, `m`/`M`, `g`/`G`.
    static func bytes(_ d: NginxDirective, _ text: String) throws -> Int {
        let multipliers: [Character: Int] = ["k": 1 << 10, "K": 1 << 10, "m": 1 << 20, "M": 1 << 20, "g": 1 << 30, "G": 1 << 30]
        let (digits, multiplier) = text.last.flatMap { multipliers[$0] }.map { (text.dropLast(), $0) } ?? (Substring(text), 1)
        guard let value = Int(digits), value >= 0, let size = CheckedArithmetic.product(value, multiplier) else {
            throw NginxConfigError(d, "\"\(d.name)\" directive invalid value")
        }
        return size
    }

    static func template(_ d: NginxDirective, _ text: String) throws -> NginxTemplate {
        do { return try NginxTemplate(parsing: text) } catch { throw NginxConfigError(d, error.problem) }
    }

    /// `unix:/path`, `host:port` (a name resolves now, as nginx resolves it at load), with an optional `uwsgi://`.
    static func upstream(_ d: NginxDirective) throws -> NginxUpstream {
        var text = Substring(d.arguments[0])
        if text.hasPrefix("uwsgi://") { text = text.dropFirst(8) }
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst(5))
            guard !path.isEmpty else { throw NginxConfigError(d, "no path in the unix domain socket \"\(d.arguments[0])\"") }
            return .unix(path: path)
        }
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else {
            throw NginxConfigError(d, "no port in upstream \"\(text)\"")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host == "localhost" { host = "127.0.0.1" }
        guard IPAddressText.isNumeric(host) else { throw NginxConfigError(d, "host not found in upstream \"\(text)\"") }
        return .tcp(host: host, port: port)
    }

    func logPath(_ text: String) -> String {
        text == "stderr" || text == "/dev/stderr" ? "stderr" : path(text)
    }

    func errorLog(_ d: NginxDirective) throws -> NginxErrorLog {
        try expect(d, arguments: 1...2)
        let level = try d.arguments.count == 2 ? NginxErrorLog.Level.allCases.first { $0.name == d.arguments[1] }
            ?? { throw NginxConfigError(d, "invalid log level \"\(d.arguments[1])\"") }() : .error
        return NginxErrorLog(path: d.arguments[0] == "/dev/null" ? nil : logPath(d.arguments[0]), level: level)
    }

    mutating func logFormat(_ d: NginxDirective) throws {
        try expect(d, arguments: 2...64)
        var strings = d.arguments.dropFirst()
        var escape = NginxLogFormat.Escape.default
        if let first = strings.first, first.hasPrefix("escape=") {
            guard let value = NginxLogFormat.Escape(rawValue: String(first.dropFirst(7))) else {
                throw NginxConfigError(d, "unknown log format escaping \"\(first.dropFirst(7))\"")
            }
            escape = value
            strings = strings.dropFirst()
        }
        guard !strings.isEmpty else { throw NginxConfigError(d, "invalid number of arguments in \"log_format\" directive") }
        let name = d.arguments[0]
        guard name != "combined" else { throw NginxConfigError(d, "duplicate \"log_format\" name \"combined\"") }
        config.logFormats[name] = NginxLogFormat(name: name, escape: escape, template: try Self.template(d, strings.joined()))
    }

    /// `listen 80`, `127.0.0.1:8080`, `*:80`, `[::1]:80`, `localhost:80`, `unix:/path`, then `default_server`.
    func listen(_ d: NginxDirective) throws -> NginxListen {
        try expect(d, arguments: 1...8)
        let text = d.arguments[0]
        for parameter in d.arguments.dropFirst() where !["default_server", "default", "reuseport"].contains(parameter)
            && !parameter.hasPrefix("backlog=") {
            throw NginxConfigError(d, "invalid parameter \"\(parameter)\"")
        }
        let isDefault = d.arguments.contains("default_server") || d.arguments.contains("default")
        if text.hasPrefix("unix:") { return NginxListen(address: .unix(path: String(text.dropFirst(5))), defaultServer: isDefault) }
        var host = "0.0.0.0"
        var portText = Substring(text)
        if let colon = text.lastIndex(of: ":"), !(text.hasPrefix("[") && !text[..<colon].hasSuffix("]")) {
            host = String(text[..<colon])
            portText = text[text.index(after: colon)...]
        } else if !text.allSatisfy(\.isNumber) {
            host = text
            portText = "80"
        }
        if host == "*" { host = "0.0.0.0" }
        if host == "localhost" { host = "127.0.0.1" }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard let port = Int(portText), (1...65535).contains(port) else { throw NginxConfigError(d, "invalid port in \"\(text)\" of the \"listen\" directive") }
        guard IPAddressText.isNumeric(host) else { throw NginxConfigError(d, "host not found in \"\(text)\" of the \"listen\" directive") }
        return NginxListen(address: .tcp(host: host, port: port), defaultServer: isDefault)
    }
}

/// Whether a host is written as a numeric IPv4 or IPv6 address.
enum IPAddressText {
    static func isNumeric(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }
}

extension NginxConfig {
    /// Directives a scenario's matrix may sweep: the main-level worker_processes, events' worker_connections, and
    /// every http-level setting of the directive table (it then applies to every server and location).
    public static var sweepableDirectives: [String] {
        ["worker_processes", "worker_connections"]
            + Loader.scopeRules.filter { $0.value.contexts.contains(.http) && !$0.value.block }.keys.sorted()
    }
}
