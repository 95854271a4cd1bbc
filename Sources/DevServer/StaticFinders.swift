import BenchSupport
import Foundation
import StackConfig

/// Django's FileSystemFinder over STATICFILES_DIRS: finds one static path (first directory wins) for runserver,
/// and lists every collectable file for collectstatic. Lookups are lexical, like Django's `safe_join`: a path that
/// normalises to outside its directory is refused; symlinks inside a directory are followed, as Django follows them.
@PublicInit
public struct StaticFinders: Sendable {
    /// What a lookup found.
    public enum Lookup: Equatable {
        /// The absolute path of an existing file.
        case file(String)
        /// An existing directory (Django: "Directory indexes are not allowed here.").
        case directory
        /// Nothing there.
        case notFound
        /// The path leads outside every source directory (Django: SuspiciousFileOperation → 400).
        case outside
    }

    /// One file collectstatic would copy.
    public struct Source: Equatable {
        /// The absolute source path.
        public let path: String
        /// The path under STATIC_ROOT, with the directory's prefix.
        public let destination: String
    }

    /// Searched in order.
    let directories: [ProjectSettings.StaticFilesDirectory]

    /// Looks up `path` (relative to STATIC_URL, already percent-decoded).
    public func find(_ path: String) -> Lookup {
        let normalized = Self.normalize(path)
        if normalized == ".." || normalized.hasPrefix("../") || normalized.contains("\0") { return .outside }
        var sawDirectory = false
        for directory in directories {
            var relative = normalized
            if let prefix = directory.prefix {
                guard relative.hasPrefix(prefix + "/") else { continue }
                relative = String(relative.dropFirst(prefix.count + 1))
            }
            let candidate = relative.isEmpty || relative == "." ? directory.path : directory.path + "/" + relative
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue { sawDirectory = true; continue }
            return .file(candidate)
        }
        return sawDirectory ? .directory : .notFound
    }

    /// Every file under every directory, in finder order (names sorted within a directory); files and directories
    /// whose names match `ignore` (fnmatch patterns) are left out.
    public func listFiles(ignoring ignore: [String]) throws -> [Source] {
        var sources: [Source] = []
        for directory in directories {
            try walk(directory.path, relative: "", prefix: directory.prefix, ignore: ignore, into: &sources)
        }
        return sources
    }

    private func walk(_ absolute: String, relative: String, prefix: String?, ignore: [String],
                      into sources: inout [Source]) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: absolute).sorted()
        for name in names where !ignore.contains(where: { fnmatch($0, name, 0) == 0 }) {
            let path = absolute + "/" + name
            let relativePath = relative.isEmpty ? name : relative + "/" + name
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                try walk(path, relative: relativePath, prefix: prefix, ignore: ignore, into: &sources)
            } else {
                sources.append(Source(path: path, destination: prefix.map { "\($0)/\(relativePath)" } ?? relativePath))
            }
        }
    }

    /// `posixpath.normpath(path).lstrip("/")`: collapses `.`, `..` and repeated slashes.
    static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..":
                if let last = parts.last, last != ".." { parts.removeLast() } else if !path.hasPrefix("/") {
                    parts.append(part)
                }
            default: parts.append(part)
            }
        }
        return parts.joined(separator: "/")
    }
}
