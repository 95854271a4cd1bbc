import Foundation
import StackConfig

/// The servers and locations of a loaded config, ready for per-request choice (shared/spec/nginx-subset.md §3):
/// a server by listening address and Host, then a location by `=`, longest prefix, `^~`; nested locations the same
/// way inside the winner. Built once; read by every event loop without locks; matching compares bytes only.
final class FrontRoutes: Sendable {
    final class Server: Sendable {
        let names: [String]
        let scope: Route
        let locations: [Route]
        /// `$server_name`, as bytes.
        let nameBytes: StableBytes
        init(_ server: NginxServer, loops: Int, logs: (NginxScope) -> [AccessLogTarget]) {
            names = server.names
            nameBytes = StableBytes(server.names.first ?? "")
            scope = Route(match: .prefix, uri: "", scope: server.scope, children: [], loops: loops, logs: logs)
            locations = server.locations.map { Route($0, loops: loops, logs: logs) }
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
        let documentRoot: StableBytes
        /// Content-Type values by lower-case extension, `; charset=` already added where charset_types says.
        private let contentTypes: [String: [UInt8]]
        private let defaultContentType: [UInt8]
        /// The access logs of this scope, compiled.
        let accessLogs: [AccessLogTarget]
        /// The uwsgi_params, compiled.
        let uwsgiParams: [(name: [UInt8], value: AccessLogFormat, ifNotEmpty: Bool)]
        /// The add_header lines, compiled: name with its `: `, value, and whether `always`.
        let addedHeaders: [(name: [UInt8], value: AccessLogFormat, always: Bool)]
        /// The params named `HTTP_…`: a request header of that name is then not passed again.
        let uwsgiParamNames: [[UInt8]]
        /// The upstream's `$upstream_addr`, as bytes.
        let upstreamAddress: [UInt8]
        /// open_file_cache: one per event loop (none when off).
        private let fileCaches: [OpenFileCache]

        init(match: NginxLocation.Match, uri: String, scope: NginxScope, children: [Route], loops: Int,
             logs: (NginxScope) -> [AccessLogTarget]) {
            self.match = match
            self.uri = Array(uri.utf8)
            self.scope = scope
            self.children = children
            directory = BaseDirectory(path: scope.alias ?? scope.root)
            documentRoot = StableBytes(scope.alias ?? scope.root)
            func withCharset(_ type: String) -> [UInt8] {
                guard let charset = scope.charset, scope.charsetTypes.contains(type) else { return Array(type.utf8) }
                return Array((type + "; charset=" + charset).utf8)
            }
            contentTypes = scope.types.mapValues(withCharset)
            defaultContentType = withCharset(scope.defaultType)
            accessLogs = logs(scope)
            uwsgiParams = scope.uwsgiParams.map { (Array($0.name.utf8), AccessLogFormat($0.value), $0.ifNotEmpty) }
            addedHeaders = scope.addHeaders.map { (Array(($0.name + ": ").utf8), AccessLogFormat($0.value), $0.always) }
            uwsgiParamNames = scope.uwsgiParams.map { Array($0.name.utf8) }.filter { $0.starts(with: Array("HTTP_".utf8)) }
            upstreamAddress = Array((scope.uwsgiPass?.address ?? "").utf8)
            fileCaches = scope.openFileCache.map { settings in (0..<loops).map { _ in OpenFileCache(settings, scope: scope) } } ?? []
        }

        convenience init(_ location: NginxLocation, loops: Int, logs: (NginxScope) -> [AccessLogTarget]) {
            self.init(match: location.match, uri: location.uri, scope: location.scope,
                      children: location.locations.map { Route($0, loops: loops, logs: logs) }, loops: loops, logs: logs)
        }

        /// The open_file_cache of loop `loop`, nil when the location has none.
        func openFileCache(loop: Int) -> OpenFileCache? { fileCaches.isEmpty ? nil : fileCaches[loop] }

        /// Content-Type from the last extension of `path` (case-insensitive), else default_type.
        func contentType(for path: UnsafeRawBufferPointer) -> [UInt8] {
            var dot = path.count
            while dot > 0, path[dot - 1] != UInt8(ascii: "."), path[dot - 1] != UInt8(ascii: "/") { dot -= 1 }
            guard dot > 0, path[dot - 1] == UInt8(ascii: "."), path.count - dot <= 15 else { return defaultContentType }
            let lowered = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: path.count - dot) { scratch in
                for index in dot..<path.count {
                    let byte = path[index]
                    scratch[index - dot] = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
                }
                return String(decoding: scratch, as: UTF8.self)  // at most 15 bytes: stored inline, not allocated
            }
            return contentTypes[lowered] ?? defaultContentType
        }
    }

    /// Servers per listening address, in config order; the default server first in each list.
    let byListen: [NginxListen.Address: [Server]]

    /// `loops`: the event loops that will read these routes (each gets its own open_file_cache).
    init(_ config: NginxConfig, loops: Int, logs: (NginxScope) -> [AccessLogTarget]) {
        var byListen: [NginxListen.Address: [Server]] = [:]
        for server in config.servers {
            let built = Server(server, loops: loops, logs: logs)
            for listen in server.listens {
                if listen.defaultServer { byListen[listen.address, default: []].insert(built, at: 0) } else { byListen[listen.address, default: []].append(built) }
            }
        }
        self.byListen = byListen
    }

    /// The server for a request on `address` with the Host header `hostHeader`: an exact name, then `*.suffix`,
    /// then `prefix.*`, else the default. One server on the address is chosen without looking at the header.
    func server(on address: NginxListen.Address, hostHeader: UnsafeRawBufferPointer?) -> Server? {
        guard let servers = byListen[address], let first = servers.first else { return nil }
        guard servers.count > 1, let hostHeader, !hostHeader.isEmpty else { return first }
        let host = String(decoding: hostHeader.prefix { $0 != UInt8(ascii: ":") }, as: UTF8.self).lowercased()
        return server(among: servers, host: host) ?? first
    }

    private func server(among servers: [Server], host: String) -> Server? {
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
        return best?.server
    }

    /// nginx's choice among `routes` for `path`, then among the winner's nested locations; nil if none matches.
    static func location(in routes: [Route], for path: UnsafeRawBufferPointer) -> Route? {
        var best: Route?
        for route in routes {
            let matches = route.uri.withUnsafeBytes { uri in
                uri.count <= path.count && (uri.isEmpty || memcmp(uri.baseAddress!, path.baseAddress!, uri.count) == 0)
            }
            guard matches else { continue }
            switch route.match {
            case .exact:
                if route.uri.count == path.count { return route }
            case .prefix, .preferredPrefix:
                if route.uri.count > (best?.uri.count ?? -1) { best = route }
            }
        }
        guard let best else { return nil }
        return location(in: best.children, for: path) ?? best
    }
}
