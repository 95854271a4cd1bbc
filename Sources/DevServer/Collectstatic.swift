import BenchSupport
import Foundation
import StackConfig

/// Django's `collectstatic`: every file of each STATICFILES_DIRS entry into STATIC_ROOT, the first source of a
/// destination winning; a destination whose mtime is not older than its source (whole seconds) and of the right
/// kind is left as it is ("unmodified"); `clear` deletes every file under STATIC_ROOT first; `link` makes absolute
/// symlinks instead of copies; `dryRun` only says what it would do. Copies are new files (mode 0644, mtime now),
/// written to a temporary name and renamed into place, so an interrupted run leaves no half-written file.
@PublicInit
public struct Collectstatic {
    /// The flags, as Django names them.
    public struct Options: Sendable {
        public var interactive = true
        public var clear = false
        public var link = false
        public var dryRun = false
        /// 0 silent, 1 the summary and warnings (default), 2 every file, 3 the same.
        public var verbosity = 1
        /// Extra fnmatch patterns (`-i`).
        public var ignorePatterns: [String] = []
        /// Whether Django's default patterns (`CVS`, `.*`, `*~`) apply.
        public var useDefaultIgnorePatterns = true

        /// Default options (interactive, copy, verbosity 1).
        public init() {}
    }

    /// What one run did.
    public struct Summary: Equatable, Sendable {
        public var copied = 0
        public var linked = 0
        public var unmodified = 0
        public var deleted = 0
    }

    let settings: ProjectSettings
    let options: Options

    /// Collects. `confirm` is asked the prompt text when interactive and STATIC_ROOT holds files, and answers
    /// whether to go on; `say` receives each line meant for stdout.
    public func run(confirm: (String) -> Bool, say: (String) -> Void) throws -> Summary {
        guard let root = settings.staticRoot else {
            throw ConfigError(file: settings.file, line: nil, key: "STATIC_ROOT",
                              problem: "not set: collectstatic needs a directory to collect into")
        }
        if options.interactive && Self.holdsFiles(root) && !confirm(prompt(root)) {
            throw CollectCancelled()
        }
        var summary = Summary()
        if options.clear { summary.deleted = try clear(root, say: say) }
        var claimed: [String: String] = [:]
        let ignore = (options.useDefaultIgnorePatterns ? ["CVS", ".*", "*~"] : []) + options.ignorePatterns
        let sources: [StaticFinders.Source]
        do {
            sources = try StaticFinders(directories: settings.staticFilesDirectories).listFiles(ignoring: ignore)
        } catch {
            throw ConfigError(file: settings.file, line: settings.lines["STATICFILES_DIRS"], key: "STATICFILES_DIRS",
                              problem: "cannot list a source directory: \(plainReason(error))")
        }
        for source in sources {
            if claimed[source.destination] != nil {
                if options.verbosity >= 1 {
                    say("Found another file with the destination path '\(source.destination)'. It will be ignored since "
                        + "only the first encountered file is collected. If this is not what you want, make sure every "
                        + "static file has a unique path.")
                }
                continue
            }
            claimed[source.destination] = source.path
            try collect(source, into: root, summary: &summary, say: say)
        }
        if options.verbosity >= 1 { say(""); say(summaryLine(summary, root: root)) }
        return summary
    }

    /// Django's closing line: `3 static files copied to '/abs/static_all', 1 unmodified.`
    public func summaryLine(_ summary: Summary, root: String) -> String {
        let count = options.link ? summary.linked : summary.copied
        var line = "\(count) static file\(count == 1 ? "" : "s") \(options.link ? "symlinked" : "copied") to '\(root)'"
        if summary.unmodified > 0 { line += ", \(summary.unmodified) unmodified" }
        return line + "."
    }

    private func prompt(_ root: String) -> String {
        var lines: [String] = []
        if options.dryRun { lines.append("You have activated the --dry-run option so no files will be modified.\n") }
        lines += ["You have requested to collect static files at the destination", "location as specified in your settings:",
                  "", "    \(root)", "",
                  options.clear ? "This will DELETE ALL FILES in this location!" : "This will overwrite existing files!",
                  "Are you sure you want to do this?", "", "Type 'yes' to continue, or 'no' to cancel: "]
        return lines.joined(separator: "\n")
    }

    private func collect(_ source: StaticFinders.Source, into root: String, summary: inout Summary,
                         say: (String) -> Void) throws {
        let destination = root + "/" + source.destination
        let manager = FileManager.default
        if let existing = try? manager.attributesOfItem(atPath: destination) {
            let isLink = existing[.type] as? FileAttributeType == .typeSymbolicLink
            if isLink == options.link, Self.wholeSeconds(mtimeOf: destination, following: false)
                >= Self.wholeSeconds(mtimeOf: source.path, following: true) {
                if options.verbosity >= 2 { say("Skipping '\(source.destination)' (not modified)") }
                summary.unmodified += 1
                return
            }
        }
        if options.dryRun {
            if options.verbosity >= 1 { say("Pretending to \(options.link ? "link" : "copy") '\(source.path)'") }
        } else {
            do {
                try FileSystem.createDirectories((destination as NSString).deletingLastPathComponent)
                let temporary = destination + ".stackbench-\(getpid()).tmp"
                if options.link {
                    try manager.createSymbolicLink(atPath: temporary, withDestinationPath: source.path)
                } else {
                    try copyContents(of: source.path, to: temporary)
                }
                guard rename(temporary, destination) == 0 else {
                    let reason = String(cString: strerror(errno))
                    unlink(temporary)
                    throw FileError(path: destination, problem: "cannot write: \(reason)", exitStatus: .runFailed)
                }
            } catch let error as FileError {
                throw error
            } catch {
                throw FileError(path: destination, problem: "cannot write: \(plainReason(error))", exitStatus: .runFailed)
            }
            if options.verbosity >= 2 { say("\(options.link ? "Linking" : "Copying") '\(source.path)'") }
        }
        if options.link { summary.linked += 1 } else { summary.copied += 1 }
    }

    private func copyContents(of source: String, to destination: String) throws {
        guard let input = FileHandle(forReadingAtPath: source) else {
            throw FileError(path: source, problem: "cannot read", exitStatus: .runFailed)
        }
        defer { try? input.close() }
        guard FileManager.default.createFile(atPath: destination, contents: nil,
                                             attributes: [.posixPermissions: 0o644]),
              let output = FileHandle(forWritingAtPath: destination) else {
            throw FileError(path: destination, problem: "cannot create", exitStatus: .runFailed)
        }
        defer { try? output.close() }
        while let chunk = try input.read(upToCount: 1 << 20), !chunk.isEmpty { try output.write(contentsOf: chunk) }
    }

    private func clear(_ root: String, say: (String) -> Void) throws -> Int {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return 0 }
        var deleted = 0
        while let relative = walker.nextObject() as? String {
            let path = root + "/" + relative
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            guard attributes?[.type] as? FileAttributeType != .typeDirectory else { continue }
            if options.verbosity >= 1 { say("\(options.dryRun ? "Pretending to delete" : "Deleting") '\(relative)'") }
            if !options.dryRun {
                guard unlink(path) == 0 else {
                    throw FileError(path: path, problem: "cannot delete: \(String(cString: strerror(errno)))",
                                    exitStatus: .runFailed)
                }
            }
            deleted += 1
        }
        return deleted
    }

    private static func holdsFiles(_ root: String) -> Bool {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return false }
        while let relative = walker.nextObject() as? String {
            let type = (try? FileManager.default.attributesOfItem(atPath: root + "/" + relative))?[.type] as? FileAttributeType
            if type != .typeDirectory { return true }
        }
        return false
    }

    private static func wholeSeconds(mtimeOf path: String, following: Bool) -> Int {
        var status = stat()
        let result = following ? stat(path, &status) : lstat(path, &status)
        return result == 0 ? Int(status.st_mtim.tv_sec) : Int.min
    }
}

/// The user answered anything but `yes` (Django: `CommandError: Collecting static files cancelled.`).
public struct CollectCancelled: UserFacingError {
    public var exitStatus: ExitStatus { .thresholdsFailed }
    public var description: String { "Collecting static files cancelled." }
}
