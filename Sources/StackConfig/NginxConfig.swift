import BenchSupport

/// An nginx.conf turned into the front's settings: the subset of shared/spec/nginx-subset.md §2 that stackbench's
/// front implements, with nginx 1.22's defaults. Inheritance is resolved here: every server and location carries
/// its effective `NginxScope` (outer values unless redefined; array directives replaced as a whole, §1).
public struct NginxConfig: Sendable {
    /// The main file as named, and the prefix relative paths (pid, logs, root) resolve against.
    public var file: String
    public var prefix: String
    /// Event-loop threads (`worker_processes`; `auto` = the CPU count).
    public var workerProcesses = 1
    /// Connections per worker (`events { worker_connections }`).
    public var workerConnections = 512
    /// `pid`, resolved; nil when the config sets none (the front then writes no pidfile unless -s needs one).
    public var pidFile: String?
    /// The main-level `error_log` (servers may have their own); by default logs/error.log under the prefix.
    public var errorLog = NginxErrorLog(path: nil, level: .error)
    /// Named access-log formats; `combined` is always there.
    public var logFormats: [String: NginxLogFormat] = ["combined": .combined]
    public var servers: [NginxServer] = []
}

/// One `server {}`.
public struct NginxServer: Sendable {
    public var listens: [NginxListen] = []
    /// `server_name` values; the first is `$server_name`.
    public var names: [String] = [""]
    /// The server-level settings (used when no location matches) and the locations in file order.
    public var scope: NginxScope
    public var locations: [NginxLocation] = []
    public var file: String
    public var line: Int
}

/// A `listen` address.
@PublicInit
public struct NginxListen: Sendable, Equatable, Hashable {
    public enum Address: Sendable, Equatable, Hashable {
        case tcp(host: String, port: Int)
        case unix(path: String)
    }
    public var address: Address
    public var defaultServer: Bool
}

/// A `location`: how it matches, its URI, its effective settings, nested locations.
public struct NginxLocation: Sendable {
    public enum Match: String, Sendable { case exact = "=", prefix = "", preferredPrefix = "^~" }
    public var match: Match
    public var uri: String
    public var scope: NginxScope
    public var locations: [NginxLocation] = []
    public var file: String
    public var line: Int
}

/// Where the upstream of `uwsgi_pass` listens.
public enum NginxUpstream: Sendable, Equatable {
    case unix(path: String)
    case tcp(host: String, port: Int)

    /// `unix:/x.sock` or `127.0.0.1:3031`, as `$upstream_addr` and the connect() error line write it.
    public var address: String {
        switch self {
        case .unix(let path): return "unix:\(path)"
        case .tcp(let host, let port): return "\(host):\(port)"
        }
    }

    /// nginx's spelling in error logs' `upstream:` field: `uwsgi://unix:/x.sock:` or `uwsgi://127.0.0.1:3031`.
    public var logName: String {
        if case .unix = self { return "uwsgi://\(address):" }
        return "uwsgi://\(address)"
    }
}

/// An `error_log` target and level.
@PublicInit
public struct NginxErrorLog: Sendable, Equatable {
    public enum Level: Int, Sendable, Comparable, CaseIterable {
        case debug, info, notice, warn, error, crit, alert, emerg
        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
        public var name: String { "\(self)" }
    }
    /// The path resolved against the prefix, `stderr`, or nil for /dev/null.
    public var path: String?
    public var level: Level
}

/// An `access_log` target: the path and the format.
@PublicInit
public struct NginxAccessLog: Sendable {
    public var path: String
    public var format: NginxLogFormat
    /// `buffer=SIZE` (bytes): lines gather until this much is pending; nil = written as each request ends.
    public var buffer: Int?
    /// `flush=TIME` (milliseconds): the longest a buffered line waits; nil = until the buffer fills.
    public var flush: Int?
}

/// A `uwsgi_param`: the name, its value template, and whether an empty value is left out (`if_not_empty`).
/// `add_header NAME VALUE [always]`: added to answers of 200, 201, 204, 206, 301, 302, 303, 304, 307 and 308, or to
/// every answer with `always`; an empty value adds nothing. A level with its own add_header inherits none.
public struct NginxAddHeader: Sendable {
    public var name: String
    public var value: NginxTemplate
    public var always: Bool
}

public struct NginxUwsgiParam: Sendable {
    public var name: String
    public var value: NginxTemplate
    public var ifNotEmpty: Bool
}

/// `open_file_cache max=N inactive=TIME`.
@PublicInit
public struct NginxOpenFileCache: Sendable, Equatable {
    public var max: Int
    /// Milliseconds without use after which an entry is dropped.
    public var inactive: Int = 60_000
}

/// The settings that inherit from http to server to location, effective at one place.
public struct NginxScope: Sendable {
    /// `root` (resolved against the prefix) or, in a location, `alias`.
    public var root: String
    public var alias: String?
    public var index = ["index.html"]
    /// Extension (lower case) → type, and the type for anything else.
    public var types: [String: String] = ["html": "text/html", "gif": "image/gif", "jpg": "image/jpeg"]
    public var defaultType = "text/plain"
    /// `charset` (nil = off) and the types it applies to.
    public var charset: String?
    public var charsetTypes: Set<String> = ["text/html", "text/xml", "text/plain", "text/vnd.wap.wml",
                                           "application/javascript", "application/rss+xml"]
    public var sendfile = false
    /// `open_file_cache max=N [inactive=TIME]`; nil = off (nginx's default).
    public var openFileCache: NginxOpenFileCache?
    /// Milliseconds an entry is trusted before it is looked up again.
    public var openFileCacheValid = 60_000
    public var openFileCacheMinUses = 1
    public var openFileCacheErrors = false
    /// `tcp_nodelay`: TCP_NODELAY on a connection kept alive, which also pushes out a response's last segment.
    public var tcpNodelay = true
    /// Milliseconds; 0 disables keep-alive.
    public var keepaliveTimeout = 75_000
    public var keepaliveRequests = 1000
    /// Bytes; 0 = unlimited.
    public var clientMaxBodySize = 1 << 20
    public var clientHeaderBufferSize = 1024
    public var largeClientHeaderBufferSize = 8192
    public var clientHeaderTimeout = 60_000
    public var clientBodyTimeout = 60_000
    public var sendTimeout = 60_000
    /// Empty = `access_log off`.
    public var accessLogs: [NginxAccessLog]
    public var errorLog: NginxErrorLog
    public var serverTokens = true
    public var etag = true
    public var ifModifiedSince = IfModifiedSince.exact
    public var uwsgiPass: NginxUpstream?
    public var uwsgiParams: [NginxUwsgiParam] = []
    public var addHeaders: [NginxAddHeader] = []
    public var uwsgiConnectTimeout = 60_000
    public var uwsgiReadTimeout = 60_000
    public var uwsgiSendTimeout = 60_000
    public var uwsgiPassRequestHeaders = true
    public var uwsgiPassRequestBody = true
    public var uwsgiModifier1: UInt8 = 0
    public var uwsgiModifier2: UInt8 = 0

    public enum IfModifiedSince: String, Sendable { case off, exact, before }

    /// nginx's defaults, with `prefix` for root and the default access log.
    public init(prefix: String, errorLog: NginxErrorLog) {
        root = prefix + "/html"
        accessLogs = [NginxAccessLog(path: prefix + "/logs/access.log", format: .combined)]
        self.errorLog = errorLog
    }
}
