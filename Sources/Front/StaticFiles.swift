import Atomics
import CLinux
import Foundation
import ServerCore
import StackConfig

/// nginx's static, index, not_modified and range modules for one request (shared/spec/nginx-subset.md §5–6),
/// without any I/O to the client: the answer is a `StaticOutcome` the handler writes.
///
/// Safety policy: a file is opened relative to the location's root or alias directory with openat2
/// RESOLVE_BENEATH, so no request reaches outside it — not by `..` (however it was encoded or combined with an
/// alias lacking its trailing slash), nor by a symlink that points out (symlinks staying inside work); such a
/// request is answered 404, as for a missing file.
enum StaticFiles {
    /// A file to send: open descriptor (the caller closes it), what the headers say, and the byte range.
    struct File {
        var descriptor: CInt
        var size: Int
        var modified: Int
        var contentType: String
        var etag: String?
        var range: Range<Int>?
    }

    enum Outcome {
        case file(File)
        case notModified(File)
        /// A directory named without its slash: 301 to the path plus `/`.
        case addSlash
        /// An index file exists: match locations again for this path.
        case index([UInt8])
        case error(Int, log: String?)
        case rangeNotSatisfiable(size: Int)
    }

    /// The request fields the modules look at.
    struct Conditions {
        var method: String
        var ifNoneMatch: String?
        var ifModifiedSince: String?
        var ifMatch: String?
        var range: String?
    }

    static func serve(_ path: [UInt8], route: FrontRoutes.Route, _ conditions: Conditions) -> Outcome {
        let scope = route.scope
        guard ["GET", "HEAD", "POST"].contains(conditions.method) else { return .error(405, log: nil) }
        let mapped = scope.alias != nil ? path.dropFirst(min(route.uri.count, path.count)) : path[...]
        var relative = Array(mapped)
        while relative.first == UInt8(ascii: "/") { relative.removeFirst() }
        let display = route.directory.path + String(decoding: mapped, as: UTF8.self)
        guard let directory = route.directory.descriptor() else {
            return .error(404, log: "open() \"\(display)\" failed (2: No such file or directory)")
        }
        let descriptor = relative.isEmpty ? sb_open_beneath(directory, ".") : relative.withUnsafeBufferPointer { bytes in
            String(decoding: bytes, as: UTF8.self).withCString { sb_open_beneath(directory, $0) }
        }
        guard descriptor >= 0 else {
            let code = errno
            if code == EACCES { return .error(403, log: "open() \"\(display)\" failed (13: Permission denied)") }
            return .error(404, log: "open() \"\(display)\" failed (\(code == EXDEV ? 2 : code): \(code == EXDEV ? "No such file or directory" : String(cString: strerror(code))))")
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { close(descriptor); return .error(500, log: nil) }
        if status.st_mode & S_IFMT == S_IFDIR {
            close(descriptor)
            guard path.last == UInt8(ascii: "/") else { return .addSlash }
            for name in scope.index {
                let candidate = relative + Array(name.utf8)
                let found = String(decoding: candidate, as: UTF8.self).withCString { sb_open_beneath(directory, $0) }
                if found >= 0 { close(found); return .index(path + Array(name.utf8)) }
            }
            return .error(403, log: "directory index of \"\(display)\" is forbidden")
        }
        if path.last == UInt8(ascii: "/") || status.st_mode & S_IFMT != S_IFREG {
            close(descriptor)
            return .error(404, log: "open() \"\(display)\" failed (20: Not a directory)")
        }
        if conditions.method == "POST" { close(descriptor); return .error(405, log: nil) }
        let size = Int(status.st_size)
        let modified = Int(status.st_mtim.tv_sec)
        var file = File(descriptor: descriptor, size: size, modified: modified,
                        contentType: contentType(for: path, scope: scope),
                        etag: scope.etag ? "\"\(String(modified, radix: 16))-\(String(size, radix: 16))\"" : nil)
        if let ifMatch = conditions.ifMatch, !matches(ifMatch, file.etag) {
            close(descriptor)
            return .error(412, log: nil)
        }
        if let ifNoneMatch = conditions.ifNoneMatch {
            if matches(ifNoneMatch, file.etag) { return .notModified(file) }
        } else if let since = conditions.ifModifiedSince, scope.ifModifiedSince != .off,
                  let time = HTTPDate.parse(since),
                  scope.ifModifiedSince == .exact ? time == modified : time >= modified {
            return .notModified(file)
        }
        if let header = conditions.range {
            switch byteRange(header, size: size) {
            case .none: break
            case .some(nil): close(descriptor); return .rangeNotSatisfiable(size: size)
            case .some(let range?): file.range = range
            }
        }
        return .file(file)
    }

    /// Content-Type from the extension (case-insensitive) or default_type, with `; charset=` for charset_types.
    static func contentType(for path: [UInt8], scope: NginxScope) -> String {
        let name = path.lastIndex(of: UInt8(ascii: "/")).map { path[($0 + 1)...] } ?? path[...]
        let type = name.lastIndex(of: UInt8(ascii: ".")).flatMap { scope.types[String(decoding: name[($0 + 1)...], as: UTF8.self).lowercased()] }
            ?? scope.defaultType
        guard let charset = scope.charset, scope.charsetTypes.contains(type) else { return type }
        return type + "; charset=" + charset
    }

    /// `If-None-Match` / `If-Match`: `*`, or a list of entity tags, weak ones compared weakly.
    static func matches(_ header: String, _ etag: String?) -> Bool {
        if header.trimmingCharacters(in: .whitespaces) == "*" { return true }
        guard let etag else { return false }
        return header.split(separator: ",").contains { candidate in
            var tag = candidate.trimmingCharacters(in: .whitespaces)
            if tag.hasPrefix("W/") { tag.removeFirst(2) }
            return tag == etag
        }
    }

    /// One `bytes=` range against `size`: nil = ignore the header (other unit, several ranges, syntax nginx
    /// ignores); .some(nil) = unsatisfiable (416); else the byte range.
    static func byteRange(_ header: String, size: Int) -> Range<Int>?? {
        guard header.hasPrefix("bytes=") else { return .none }
        let spec = header.dropFirst(6).trimmingCharacters(in: .whitespaces)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return .none }
        let first = spec[..<dash].trimmingCharacters(in: .whitespaces)
        let last = spec[spec.index(after: dash)...].trimmingCharacters(in: .whitespaces)
        guard first.allSatisfy(\.isNumber), last.allSatisfy(\.isNumber), !(first.isEmpty && last.isEmpty) else { return .some(nil) }
        if first.isEmpty {
            guard let suffix = Int(last), suffix > 0, size > 0 else { return .some(nil) }
            return .some(max(0, size - suffix)..<size)
        }
        guard let start = Int(first), start < size else { return .some(nil) }
        guard let end = last.isEmpty ? size - 1 : Int(last), end >= start else { return .some(nil) }
        return .some(start..<min(end + 1, size))
    }
}

/// The descriptor of a location's root or alias directory, opened at its first request and kept (one that does not
/// exist yet is looked for again at the next request). Lock-free: a race opens it twice and closes the loser.
final class BaseDirectory: Sendable {
    let path: String
    private let opened = ManagedAtomic<Int32>(-1)

    init(path: String) { self.path = path }

    func descriptor() -> CInt? {
        let known = opened.load(ordering: .acquiring)
        if known >= 0 { return known }
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        let (won, current) = opened.compareExchange(expected: -1, desired: descriptor, ordering: .acquiringAndReleasing)
        if !won { close(descriptor) }
        return won ? descriptor : current
    }
}
