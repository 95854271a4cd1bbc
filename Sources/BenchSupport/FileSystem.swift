import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// File operations whose failures read as one plain line with the system's reason (`Is a directory`,
/// `Permission denied`), not Foundation's wrapped messages.
public enum FileSystem {
    /// The largest file `readText` takes by default: far more than any config, far less than /dev/zero.
    public static let maximumTextBytes = 16 << 20

    /// The whole file as UTF-8 text; fails naming the path and the reason (exit status `usage`). Opened without
    /// blocking, so a FIFO or a socket is refused at once ("not a regular file") instead of waiting for a writer;
    /// a device is read up to `maximumBytes` (`/dev/null` is empty text, `/dev/zero` too large).
    public static func readText(_ path: String, maximumBytes: Int = maximumTextBytes) throws -> String {
        guard let text = String(validating: try readBytes(path, maximumBytes: maximumBytes), as: UTF8.self) else {
            throw FileError(path: path, problem: "cannot read: not UTF-8 text")
        }
        return text
    }

    /// The whole file's bytes, read as `readText` reads it (a FIFO refused at once, a device up to `maximumBytes`).
    public static func readBytes(_ path: String, maximumBytes: Int) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { throw FileError(path: path, problem: "cannot read: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw FileError(path: path, problem: "cannot read: \(String(cString: strerror(errno)))") }
        switch status.st_mode & S_IFMT {
        case S_IFREG, S_IFCHR: break
        case S_IFDIR: throw FileError(path: path, problem: "cannot read: Is a directory")
        case S_IFIFO: throw FileError(path: path, problem: "cannot read: a FIFO, not a regular file")
        default: throw FileError(path: path, problem: "cannot read: not a regular file")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw FileError(path: path, problem: "cannot read: \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            guard bytes.count + count <= maximumBytes else {
                throw FileError(path: path, problem: "cannot read: larger than \(maximumBytes >> 20) MiB")
            }
            bytes += chunk[0..<count]
        }
        return bytes
    }

    /// Replaces the file at `path` with `data` through a temporary file and a rename, so a reader never sees half
    /// of it and a failed write leaves the previous file; on failure the system's reason (`No such file or
    /// directory`).
    public static func writeAtomically(_ data: Data, to path: String) -> String? {
        let temporary = path + ".\(getpid()).tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: data) else {
            return String(cString: strerror(errno))
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            return reason
        }
        return nil
    }

    /// Creates `path` and any missing parents (`mkdir -p`); fails naming the directory that could not be made.
    public static func createDirectories(_ path: String, exitStatus: ExitStatus = .runFailed) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o755) == 0 || errno == EEXIST {
                var status = stat()
                if stat(current, &status) == 0 && status.st_mode & S_IFMT == S_IFDIR { continue }
                throw FileError(path: current, problem: "cannot create directory: Not a directory", exitStatus: exitStatus)
            }
            throw FileError(path: current, problem: "cannot create directory: \(String(cString: strerror(errno)))",
                            exitStatus: exitStatus)
        }
    }

    /// The paths matching a shell glob pattern, sorted; none is not an error.
    /// A new private folder (mode 700) under the system's temporary directory, named stackbench-XXXXXX; short,
    /// so unix socket paths inside it stay within sun_path's 107 bytes.
    public static func temporaryFolder() throws -> String {
        var template = Array((NSTemporaryDirectory() + "/stackbench-\(getpid())-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw FileError(path: NSTemporaryDirectory(), problem: "cannot create a temporary folder: \(String(cString: strerror(errno)))", exitStatus: .runFailed)
        }
        return String(cString: made)
    }

    /// Removes what stackbench processes killed outright (SIGKILL, a lost machine) left behind: temporary folders
    /// named `stackbench-PID-…` and, under `resultsFolder`, staging folders `.NAME.PID.partial` without a
    /// result.json, whose PID is no longer running. A folder of a live process, or one holding results, is kept.
    /// Returns what was removed.
    @discardableResult
    public static func removeLeftovers(resultsFolder: String?) -> [String] {
        func isDead(_ pid: Int32?) -> Bool { pid.map { $0 > 0 && $0 != getpid() && kill($0, 0) != 0 && errno == ESRCH } ?? false }
        var removed: [String] = []
        for path in glob(NSTemporaryDirectory() + "/stackbench-*-??????") {
            let parts = (path as NSString).lastPathComponent.split(separator: "-")
            guard parts.count == 3, isDead(Int32(parts[1])), owned(path) else { continue }
            if (try? FileManager.default.removeItem(atPath: path)) != nil { removed.append(path) }
        }
        if let resultsFolder {
            for path in glob(resultsFolder + "/.*.partial") {
                let parts = (path as NSString).lastPathComponent.split(separator: ".")
                guard parts.count >= 3, isDead(Int32(parts[parts.count - 2])), owned(path),
                      !FileManager.default.fileExists(atPath: path + "/result.json") else { continue }
                if (try? FileManager.default.removeItem(atPath: path)) != nil { removed.append(path) }
            }
        }
        return removed
    }

    private static func owned(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFDIR && status.st_uid == getuid()
    }

    public static func glob(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard Glibc.glob(pattern, 0, nil, &result) == 0 else { return [] }
        return (0..<Int(result.gl_pathc)).compactMap { result.gl_pathv[$0].map { String(cString: $0) } }.sorted()
    }
}
