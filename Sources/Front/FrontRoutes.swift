import StackConfig

/// The servers and locations of a loaded config, ready for per-request choice (shared/spec/nginx-subset.md §3):
/// a server by listening address and Host, then a location by `=`, longest prefix, `^~`; nested locations the same
/// way inside the winner. Built once; read by every event loop without locks.
final class FrontRoutes: Sendable {
    final class Server: Sendable {
        let names: [String]
        let scope: Route
        let locations: [Route]
        init(_ server: NginxServer) {
            names = server.names
            scope = Route(match: .prefix, uri: "", scope: server.scope, children: [])
            locations = server.locations.map(Route.init)
        }
        var name: String { names.first ?? "" }
    }

    /// One location (or the server level), with what a request needs from its scope precomputed.
    final class Route: Sendable {
        let match: NginxLocation.Match
        let uri: [UInt8]
        let scope: NginxScope
        let children: [Route]
        /// Where static files come from: the alias, else the root.
        let directory: BaseDirectory

        init(match: NginxLocation.Match, uri: String, scope: NginxScope, children: [Route]) {
            self.match = match
            self.uri = Array(uri.utf8)
            self.scope = scope
            self.children = children
            directory = BaseDirectory(path: scope.alias ?? scope.root)
        }

        convenience init(_ location: NginxLocation) {
            self.init(match: location.match, uri: location.uri, scope: location.scope, children: location.locations.map(Route.init))
        }
    }

    /// Servers per listening address, in config order; the default server first in each list.
    let byListen: [NginxListen.Address: [Server]]

    init(_ config: NginxConfig) {
        var byListen: [NginxListen.Address: [Server]] = [:]
        for server in config.servers {
            let built = Server(server)
            for listen in server.listens {
                if listen.defaultServer { byListen[listen.address, default: []].insert(built, at: 0) } else { byListen[listen.address, default: []].append(built) }
            }
        }
        self.byListen = byListen
    }

    /// The server for a request on `address` with `host` (lower case, no port): an exact name, then `*.suffix`,
    /// then `prefix.*`, else the default.
    func server(on address: NginxListen.Address, host: String?) -> Server? {
        guard let servers = byListen[address], let first = servers.first else { return nil }
        guard let host, !host.isEmpty else { return first }
        if let exact = servers.first(where: { $0.names.contains(host) }) { return exact }
        var best: (server: Server, length: Int)?
        for server in servers {
            for name in server.names where name.hasPrefix("*.") || name.hasPrefix(".") {
                let suffix = name.hasPrefix("*") ? String(name.dropFirst()) : name
                let matches = host.hasSuffix(suffix) || (name.hasPrefix(".") && host == String(name.dropFirst()))
                if matches, name.count > (best?.length ?? -1) { best = (server, name.count) }
            }
        }
        if let best { return best.server }
        for server in servers {
            for name in server.names where name.hasSuffix(".*") {
                if host.hasPrefix(String(name.dropLast())), name.count > (best?.length ?? -1) { best = (server, name.count) }
            }
        }
        return best?.server ?? first
    }

    /// nginx's choice among `routes` for `path`, then among the winner's nested locations; nil if none matches.
    static func location(in routes: [Route], for path: [UInt8]) -> Route? {
        var best: Route?
        for route in routes {
            switch route.match {
            case .exact:
                if path.elementsEqual(route.uri) { return route }
            case .prefix, .preferredPrefix:
                if path.starts(with: route.uri), route.uri.count > (best?.uri.count ?? -1) { best = route }
            }
        }
        guard let best else { return nil }
        return location(in: best.children, for: path) ?? best
    }
}
