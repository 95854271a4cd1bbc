import Foundation

extension NginxConfig {
    /// Where a directive may stand.
    enum Context: String { case main, events, http, server, location }

    /// Reads `file` (and its includes) into a config; relative paths resolve against `prefix` (default: the main
    /// file's directory). Directives nginx knows but the front does not implement are accepted with one warning
    /// each, returned in `warnings`; anything else unknown, misplaced or malformed throws nginx's message.
    public static func load(file: String, prefix: String? = nil) throws -> (config: NginxConfig, warnings: [String]) {
        try load(directives: NginxConfigParser.parse(file: file), file: file, prefix: prefix)
    }

    /// A config from directives already parsed (and perhaps rewritten, as a run rewrites the user's file for a
    /// cell): errors name each directive's own file and line.
    public static func load(directives: [NginxDirective], file: String, prefix: String? = nil) throws -> (config: NginxConfig, warnings: [String]) {
        let directory = URL(fileURLWithPath: file).deletingLastPathComponent().standardizedFileURL.path
        var loader = Loader(config: NginxConfig(file: file, prefix: prefix.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? directory))
        loader.config.errorLog.path = loader.path("logs/error.log")  // nginx's default, under the prefix
        try loader.main(directives)
        return (loader.config, loader.warnings)
    }

    /// The walk over the directive tree: main, events, http, then each server and its locations.
    struct Loader {
        var config: NginxConfig
        var warnings: [String] = []

        func path(_ text: String) -> String {
            text.hasPrefix("/") ? text : config.prefix + "/" + text
        }

        mutating func main(_ directives: [NginxDirective]) throws {
            var sawHTTP = false
            for directive in directives {
                switch directive.name {
                case "worker_processes":
                    try expect(directive, arguments: 1...1)
                    let value = directive.arguments[0]
                    guard let count = value == "auto" ? ProcessInfo.processInfo.activeProcessorCount : Int(value), count > 0 else {
                        throw NginxConfigError(directive, "invalid value \"\(value)\" in \"worker_processes\" directive")
                    }
                    config.workerProcesses = count
                case "pid":
                    try expect(directive, arguments: 1...1)
                    config.pidFile = directive.arguments[0] == "off" ? nil : path(directive.arguments[0])
                case "error_log":
                    config.errorLog = try errorLog(directive)
                case "events":
                    try expectBlock(directive)
                    try events(directive.block!)
                case "http":
                    try expectBlock(directive)
                    guard !sawHTTP else { throw NginxConfigError(directive, "\"http\" directive is duplicate") }
                    sawHTTP = true
                    try http(directive.block!)
                case _ where Self.ignored.contains(directive.name):
                    warn(directive)
                default:
                    throw misplaced(directive, in: .main)
                }
            }
            guard sawHTTP else { throw NginxConfigError(file: config.file, line: nil, "no \"http\" block: nothing to serve") }
        }

        private mutating func events(_ directives: [NginxDirective]) throws {
            for directive in directives {
                switch directive.name {
                case "worker_connections":
                    try expect(directive, arguments: 1...1)
                    guard let count = Int(directive.arguments[0]), count > 0 else {
                        throw NginxConfigError(directive, "invalid number \"\(directive.arguments[0])\" in \"worker_connections\" directive")
                    }
                    config.workerConnections = count
                case "multi_accept", "use", "accept_mutex", "accept_mutex_delay":
                    warn(directive)
                default:
                    throw misplaced(directive, in: .events)
                }
            }
        }

        private mutating func http(_ directives: [NginxDirective]) throws {
            for directive in directives where directive.name == "log_format" {
                try logFormat(directive)
            }
            let scope = try apply(directives, to: NginxScope(prefix: config.prefix, errorLog: config.errorLog), in: .http)
            for directive in directives where directive.name == "server" {
                try expectBlock(directive)
                try server(directive, inheriting: scope)
            }
            guard !config.servers.isEmpty else { throw NginxConfigError(file: config.file, line: nil, "no \"server\" block: nothing to serve") }
        }

        private mutating func server(_ directive: NginxDirective, inheriting outer: NginxScope) throws {
            let block = directive.block!
            var server = NginxServer(scope: try apply(block, to: outer, in: .server), file: directive.file, line: directive.line)
            var sawName = false
            for inner in block {
                switch inner.name {
                case "listen":
                    server.listens.append(try listen(inner))
                case "server_name":
                    try expect(inner, arguments: 1...Int.max)
                    server.names = (sawName ? server.names : []) + inner.arguments.map { $0.lowercased() }
                    sawName = true
                case "location":
                    server.locations.append(try location(inner, inheriting: server.scope))
                default:
                    continue
                }
            }
            if server.listens.isEmpty { server.listens = [NginxListen(address: .tcp(host: "0.0.0.0", port: getuid() == 0 ? 80 : 8000), defaultServer: false)] }
            config.servers.append(server)
        }

        private mutating func location(_ directive: NginxDirective, inheriting outer: NginxScope) throws -> NginxLocation {
            try expectBlock(directive)
            let arguments = directive.arguments
            let match: NginxLocation.Match
            let uri: String
            switch (arguments.count, arguments.first) {
            case (1, _) where arguments[0].hasPrefix("~") || arguments[0].hasPrefix("@"):
                throw NginxConfigError(directive, "stackbench front does not implement regex or named locations (\"\(arguments[0])\")")
            case (1, _): (match, uri) = (.prefix, arguments[0])
            case (2, "="): (match, uri) = (.exact, arguments[1])
            case (2, "^~"): (match, uri) = (.preferredPrefix, arguments[1])
            case (2, "~"), (2, "~*"):
                throw NginxConfigError(directive, "stackbench front does not implement regex locations (\"\(arguments[0]) \(arguments[1])\")")
            case (2, _): throw NginxConfigError(directive, "invalid location modifier \"\(arguments[0])\"")
            default: throw NginxConfigError(directive, "invalid number of arguments in \"location\" directive")
            }
            var scope = outer
            scope.alias = nil
            scope = try apply(directive.block!, to: scope, in: .location)
            var location = NginxLocation(match: match, uri: uri, scope: scope, file: directive.file, line: directive.line)
            for inner in directive.block! where inner.name == "location" {
                let nested = try self.location(inner, inheriting: scope)
                guard nested.uri.hasPrefix(uri) || match == .exact else {
                    throw NginxConfigError(inner, "location \"\(nested.uri)\" is outside location \"\(uri)\"")
                }
                location.locations.append(nested)
            }
            return location
        }

        /// The directives of one block applied to a copy of the outer scope. Array directives (index,
        /// access_log, uwsgi_param, types) start empty in a block that sets any of them, as nginx inherits them.
        private mutating func apply(_ directives: [NginxDirective], to outer: NginxScope, in context: Context) throws -> NginxScope {
            var scope = outer
            var redefined: Set<String> = []
            var rootOrAlias: NginxDirective?
            for directive in directives {
                guard let rule = Self.scopeRules[directive.name] else {
                    if Self.structural[directive.name]?.contains(context) == true { continue }
                    if Self.ignored.contains(directive.name) { warn(directive); continue }
                    throw misplaced(directive, in: context)
                }
                guard rule.contexts.contains(context) else { throw NginxConfigError(directive, "\"\(directive.name)\" directive is not allowed here") }
                if directive.name == "root" || directive.name == "alias" {
                    if let earlier = rootOrAlias {
                        throw NginxConfigError(directive, earlier.name == directive.name ? "\"\(directive.name)\" directive is duplicate"
                                               : "\"\(directive.name)\" directive is duplicate, \"\(earlier.name)\" directive was specified earlier")
                    }
                    rootOrAlias = directive
                }
                if let reset = rule.reset, redefined.insert(rule.group ?? directive.name).inserted { reset(&scope) }
                if rule.block { try expectBlock(directive) } else {
                    guard directive.block == nil else { throw NginxConfigError(directive, "directive \"\(directive.name)\" has no opening \"{\"") }
                    try expect(directive, arguments: rule.arguments)
                }
                try rule.apply(&scope, directive, self)
            }
            return scope
        }

        mutating func warn(_ directive: NginxDirective) {
            warnings.append("front: [warn] stackbench front ignores \"\(directive.name)\" in \(directive.file):\(directive.line)")
        }

        func misplaced(_ directive: NginxDirective, in context: Context) -> NginxConfigError {
            let known = Self.scopeRules[directive.name] != nil || Self.structural[directive.name] != nil || directive.name == "worker_processes"
                || directive.name == "pid" || directive.name == "events" || directive.name == "worker_connections"
            return NginxConfigError(directive, known ? "\"\(directive.name)\" directive is not allowed here" : "unknown directive \"\(directive.name)\"")
        }

        func expect(_ directive: NginxDirective, arguments range: ClosedRange<Int>) throws {
            guard directive.block == nil else { throw NginxConfigError(directive, "directive \"\(directive.name)\" has no opening \"{\"") }
            guard range.contains(directive.arguments.count) else {
                throw NginxConfigError(directive, "invalid number of arguments in \"\(directive.name)\" directive")
            }
        }

        func expectBlock(_ directive: NginxDirective) throws {
            guard directive.block != nil else { throw NginxConfigError(directive, "directive \"\(directive.name)\" has no opening \"{\"") }
        }
    }
}
