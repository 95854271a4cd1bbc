import BenchSupport
import Foundation

/// A project's settings: the analogue of the Django settings.py the seed excerpts, read from YAML.
///
/// Relative paths resolve against the settings file's directory, which is the project directory (BASE_DIR, and
/// what uWSGI's `chdir` points at). Defaults are Django's global ones unless stated.
public struct ProjectSettings: Sendable, Equatable {
    /// One STATICFILES_DIRS entry: a source directory, optionally served under `prefix/`.
    @PublicInit
    public struct StaticFilesDirectory: Sendable, Equatable {
        /// The URL prefix inside STATIC_URL (Django's `(prefix, path)` form), or nil.
        public let prefix: String?
        /// The absolute directory.
        public let path: String
    }

    /// The settings file, absolute.
    public let file: String
    /// The project directory (BASE_DIR): the settings file's directory.
    public let baseDirectory: String
    /// DEBUG: development mode; runserver serves static files only when true. Default false.
    public var debug = false
    /// ALLOWED_HOSTS: `example.com`, `.example.com` (and subdomains) or `*`. Default empty.
    public var allowedHosts: [String] = [] {
        didSet { hostPatterns = allowedHosts.map { $0.lowercased() } }
    }
    /// ALLOWED_HOSTS lower-cased once, not per request.
    private var hostPatterns: [String] = []
    /// STATIC_URL: the URL prefix of static files, ending in `/`. Default `/static/`.
    public var staticURL = "/static/"
    /// STATICFILES_DIRS: the source directories collectstatic and runserver search, in order.
    public var staticFilesDirectories: [StaticFilesDirectory] = []
    /// STATIC_ROOT: the directory collectstatic fills and the front serves; absolute, or nil when unset.
    public var staticRoot: String?
    /// DATABASE: the SQLite file, absolute, or nil when the project has none.
    public var database: String?
    /// TEMPLATE_DIRS: where templates are looked up, in order.
    public var templateDirectories: [String] = []
    /// INITIAL_DATA: a JSON fixture loaded into a database created empty, or nil.
    public var initialData: String?
    /// WSGI_APPLICATION: the app runserver serves, e.g. `teacher.wsgi.application`, or nil.
    public var wsgiApplication: String?
    /// The line each key was set on, for errors found after loading (e.g. by runserver).
    public var lines: [String: Int] = [:]

    /// Settings with every default, for a file at `file`.
    public init(file: String) {
        let absolute = ProjectSettings.absolute(file, relativeTo: FileManager.default.currentDirectoryPath)
        self.file = absolute
        self.baseDirectory = (absolute as NSString).deletingLastPathComponent
    }

    /// `path` made absolute against the project directory and normalised.
    public func resolve(_ path: String) -> String {
        ProjectSettings.absolute(path, relativeTo: baseDirectory)
    }

    /// Whether `host` (a Host header, port allowed) passes ALLOWED_HOSTS, as Django's `validate_host` decides;
    /// with DEBUG and an empty list, `.localhost`, `127.0.0.1` and `[::1]` pass.
    public func allows(host: String) -> Bool {
        let patterns = hostPatterns.isEmpty && debug ? [".localhost", "127.0.0.1", "[::1]"] : hostPatterns
        guard let domain = ProjectSettings.domain(ofHost: host) else { return false }
        return patterns.contains { pattern in
            if pattern == "*" { return true }
            if pattern.hasPrefix(".") { return domain.hasSuffix(pattern) || domain == String(pattern.dropFirst()) }
            return domain == pattern
        }
    }

    /// The host part of a Host header, lower-cased, without the port and a trailing dot; nil when malformed
    /// (Django's `split_domain_port` plus its host validation pattern).
    static func domain(ofHost host: String) -> String? {
        // The common case, a plain lower-case name or IPv4 address without a port, needs no copying.
        if !host.isEmpty, host.utf8.allSatisfy({ isHostByte($0) && $0 != UInt8(ascii: ":") && $0 != UInt8(ascii: "[") }),
           host.utf8.last != UInt8(ascii: ".") {
            return host
        }
        let lower = host.lowercased()
        guard !lower.isEmpty, lower.utf8.allSatisfy(isHostByte) else { return nil }
        if lower.hasPrefix("[") {
            guard let close = lower.firstIndex(of: "]") else { return nil }
            let rest = lower[lower.index(after: close)...]
            guard rest.isEmpty || rest.hasPrefix(":") && rest.dropFirst().allSatisfy(\.isNumber) else { return nil }
            return String(lower[...close])
        }
        let parts = lower.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        if parts.count == 2 && !parts[1].allSatisfy(\.isNumber) { return nil }
        var domain = String(parts[0])
        if domain.hasSuffix(".") { domain.removeLast() }
        return domain.isEmpty ? nil : domain
    }

    /// Letters, digits, `-`, `.`, `:`, `[`, `]`: Django's host validation pattern, after lower-casing.
    private static func isHostByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): return true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: ":"), UInt8(ascii: "["), UInt8(ascii: "]"): return true
        default: return false
        }
    }

    static func absolute(_ path: String, relativeTo base: String) -> String {
        let joined = path.hasPrefix("/") ? path : (base as NSString).appendingPathComponent(path)
        return (joined as NSString).standardizingPath
    }
}
