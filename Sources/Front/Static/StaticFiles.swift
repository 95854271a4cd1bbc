import CLinux
import Foundation
import ServerCore
import StackConfig

/// nginx's static, index, not_modified and range modules for one request (shared/spec/nginx-subset.md §5–6),
/// without any I/O to the client: the answer is an `Outcome` the connection writes.
///
/// Safety policy: a file is opened relative to the location's root or alias directory with openat2
/// RESOLVE_BENEATH, so no request reaches outside it — not by `..` (however it was encoded or combined with an
/// alias lacking its trailing slash), nor by a symlink that points out (symlinks staying inside work); such a
/// request is answered 404, as for a missing file. It is opened non-blocking, so a FIFO cannot hold the loop (it is
/// then refused as not a regular file, 404, as nginx does). The directory is the one its path names now: a deploy
/// that renames a new folder into place is served at once, as nginx opens the path per request.
enum StaticFiles {
    /// A file to send: open descriptor (the caller releases it), what the headers say, and the byte range.
    struct File {
        var descriptor: CInt
        /// The open_file_cache entry that owns the descriptor, or nil when the caller does.
        var owner: OpenFileCache.Entry?
        var size: Int
        var modified: Int
        var contentType: [UInt8]
        var range: Range<Int>?

        /// Done with the descriptor: closed unless the cache keeps it.
        func release() { if owner == nil { close(descriptor) } }
    }

    enum Outcome {
        case file(File)
        case notModified(File)
        /// A directory named without its slash: 301 to the path plus `/`.
        case addSlash
        /// An index file exists: match locations again for this path (the index name to append).
        case index(String)
        case error(Int, log: String?)
        case rangeNotSatisfiable(size: Int)
    }

    enum Method { case get, head, post, other }

    /// The request's conditional and range headers, read only when present: the entity-tag validators, the date
    /// validators, and the byte range with the If-Range that guards it (RFC 9110 §13.1, §14.2).
    struct Conditions {
        var ifMatch: String?, ifNoneMatch: String?
        var ifModifiedSince: String?, ifUnmodifiedSince: String?
        var range: String?, ifRange: String?
        /// If-Range alone asks nothing: it only guards a Range.
        var isEmpty: Bool { ifMatch == nil && ifNoneMatch == nil && ifModifiedSince == nil && ifUnmodifiedSince == nil && range == nil }
    }

    /// `cache`: the location's open_file_cache in the calling loop (nil when off); `now` in monotonic milliseconds.
    static func serve(_ path: UnsafeRawBufferPointer, route: FrontRoutes.Route, method: Method, _ conditions: Conditions,
                      cache: OpenFileCache?, now: Int) -> Outcome {
        let scope = route.scope
        guard method != .other else { return .error(405, log: nil) }
        var mapped = scope.alias != nil ? UnsafeRawBufferPointer(rebasing: path[min(route.uri.count, path.count)...]) : path
        let unstripped = mapped
        let display = { route.directory.path + unstripped.string }
        while mapped.first == UInt8(ascii: "/") { mapped = UnsafeRawBufferPointer(rebasing: mapped.dropFirst()) }
        let relative = mapped
        let descriptor: CInt, status: stat, owner: OpenFileCache.Entry?
        // The directory is looked up only when the file is (a cache hit needs none of it).
        func openFile(_ relative: UnsafeRawBufferPointer) -> OpenFileCache.Lookup {
            guard let directory = route.directory.current(now: now) else { return .failed(ENOENT) }
            return withExtendedLifetime(directory) { openAndStat(relative, beneath: directory.descriptor) }
        }
        switch cache?.lookup(relative, now: now, open: openFile) ?? openFile(relative) {
        case .failed(let code):
            if code == EACCES { return .error(403, log: "open() \"\(display())\" failed (13: Permission denied)") }
            return .error(404, log: "open() \"\(display())\" failed (\(code == EXDEV ? 2 : code): \(code == EXDEV ? "No such file or directory" : String(cString: strerror(code))))")
        case .opened(let opened, let found, let entry):
            (descriptor, status, owner) = (opened, found, entry)
        }
        func release() { if owner == nil { close(descriptor) } }
        let endsInSlash = path.last == UInt8(ascii: "/")
        if status.st_mode & S_IFMT == S_IFDIR {
            release()
            guard endsInSlash else { return .addSlash }
            guard let directory = route.directory.current(now: now) else { return .error(404, log: nil) }
            for name in scope.index {
                let candidate = Array(relative) + Array(name.utf8)
                let found = candidate.withUnsafeBytes { open(beneath: directory.descriptor, $0) }
                if found >= 0 { close(found); return .index(name) }
            }
            return .error(403, log: "directory index of \"\(display())\" is forbidden")
        }
        if endsInSlash || status.st_mode & S_IFMT != S_IFREG {
            release()
            return .error(404, log: "open() \"\(display())\" failed (20: Not a directory)")
        }
        if method == .post { release(); return .error(405, log: nil) }
        let size = Int(status.st_size)
        let modified = Int(status.st_mtim.tv_sec)
        var file = File(descriptor: descriptor, owner: owner, size: size, modified: modified, contentType: route.contentType(for: path))
        guard !conditions.isEmpty else { return .file(file) }
        let etag = scope.etag ? "\"\(String(modified, radix: 16))-\(String(size, radix: 16))\"" : nil
        // nginx's not_modified filter: a date it cannot read fails If-Unmodified-Since too.
        if let since = conditions.ifUnmodifiedSince, (HTTPDate.parse(since) ?? Int.min) < modified {
            release()
            return .error(412, log: nil)
        }
        if let ifMatch = conditions.ifMatch, !matches(ifMatch, etag) {
            release()
            return .error(412, log: nil)
        }
        if let ifNoneMatch = conditions.ifNoneMatch {
            if matches(ifNoneMatch, etag) { return .notModified(file) }
        } else if let since = conditions.ifModifiedSince, scope.ifModifiedSince != .off,
                  let time = HTTPDate.parse(since),
                  scope.ifModifiedSince == .exact ? time == modified : time >= modified {
            return .notModified(file)
        }
        if let header = conditions.range, rangeStillApplies(conditions.ifRange, etag: etag, modified: modified) {
            switch byteRange(header, size: size) {
            case .none: break
            case .some(nil): release(); return .rangeNotSatisfiable(size: size)
            case .some(let range?): file.range = range
            }
        }
        return .file(file)
    }

    /// Without a cache: opened and stat'ed for this request alone.
    private static func openAndStat(_ relative: UnsafeRawBufferPointer, beneath directory: CInt) -> OpenFileCache.Lookup {
        let descriptor = open(beneath: directory, relative)
        guard descriptor >= 0 else { return .failed(errno) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { let code = errno; close(descriptor); return .failed(code) }
        return .opened(descriptor: descriptor, status: status, entry: nil)
    }

    /// openat2 RESOLVE_BENEATH of `relative` (empty = the directory itself) under `directory`.
    private static func open(beneath directory: CInt, _ relative: UnsafeRawBufferPointer) -> CInt {
        guard !relative.isEmpty else { return sb_open_beneath(directory, ".") }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: relative.count + 1) { name in
            UnsafeMutableRawBufferPointer(name).copyMemory(from: relative)
            name[relative.count] = 0
            return sb_open_beneath(directory, name.baseAddress!)
        }
    }

    /// `If-Range` (RFC 9110 §13.1.5, as nginx): the range is honoured only while the entity tag, or the exact
    /// Last-Modified date, still matches; otherwise the whole file is sent.
    static func rangeStillApplies(_ ifRange: String?, etag: String?, modified: Int) -> Bool {
        guard let ifRange = ifRange?.trimmingCharacters(in: .whitespaces) else { return true }
        if ifRange.hasPrefix("\"") || ifRange.hasPrefix("W/") { return etag != nil && ifRange == etag }
        return HTTPDate.parse(ifRange) == modified
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
        let isDigit = { (character: Character) in character.isASCII && character.isNumber }
        guard first.allSatisfy(isDigit), last.allSatisfy(isDigit), !(first.isEmpty && last.isEmpty) else { return .some(nil) }
        if first.isEmpty {
            guard let suffix = Int(last), suffix > 0, size > 0 else { return .some(nil) }
            return .some(max(0, size - suffix)..<size)
        }
        guard let start = Int(first), start < size else { return .some(nil) }
        guard let end = last.isEmpty ? size - 1 : Int(last), end >= start else { return .some(nil) }
        return .some(start..<(end >= size - 1 ? size : end + 1))  // an end up to Int.max is valid: nginx sends to the file's end
    }
}

/// A location's root or alias directory, as its path names it now: stat'ed at most once a millisecond (a stat is
/// ~1 µs, 4% of a small file's request) and opened again when the path leads to another directory than the one
/// open (a release folder renamed into place), as nginx, which opens the path per request, serves it at once.
/// Shared by the loops: the open directory is a reference-counted value, so one replaced while another loop still
/// opens a file beneath it is closed only after that.
final class BaseDirectory: @unchecked Sendable {  // immutable after creation: a directory descriptor and its identity
    /// One opened directory, closed when its last user lets it go.
    final class Opened {
        let descriptor: CInt
        let device: UInt
        let inode: UInt

        fileprivate init(descriptor: CInt, device: UInt, inode: UInt) {
            self.descriptor = descriptor
            self.device = device
            self.inode = inode
        }

        deinit { close(descriptor) }
    }

    let path: String
    private let lock = NSLock()
    private var opened: Opened?
    /// The monotonic millisecond of the last stat.
    private var checkedAt = -1

    init(path: String) { self.path = path }

    /// The directory the path names now (as of this millisecond, `now` monotonic); nil when there is none (each file
    /// beneath it is then a 404).
    func current(now: Int) -> Opened? {
        if let recent = lock.withLock({ checkedAt == now ? opened : nil }) { return recent }
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else { return nil }
        let device = UInt(status.st_dev), inode = UInt(status.st_ino)
        return lock.withLock {
            checkedAt = now
            if let opened, opened.device == device, opened.inode == inode { return opened }
            let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard descriptor >= 0 else { return nil }
            var found = stat()
            guard fstat(descriptor, &found) == 0 else { close(descriptor); return nil }
            let fresh = Opened(descriptor: descriptor, device: UInt(found.st_dev), inode: UInt(found.st_ino))
            opened = fresh
            return fresh
        }
    }
}
