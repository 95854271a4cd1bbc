import Foundation

/// The process exit statuses of every stackbench command (see shared/STYLE.md).
public enum ExitStatus: Int32, Sendable {
    /// Everything worked and every threshold held.
    case ok = 0
    /// Thresholds or a gate failed (results were still written).
    case thresholdsFailed = 1
    /// Bad usage or configuration: a flag, a file, a key.
    case usage = 2
    /// The run itself failed: a stack did not come up, verification failed.
    case runFailed = 3
}

/// An error meant for a person: one line, naming the file, line and key or the flag, and the exit status.
public protocol UserFacingError: Error, CustomStringConvertible {
    /// The exit status the process ends with when this error stops it.
    var exitStatus: ExitStatus { get }
}

/// A usage error about one command-line flag, printed as `--rate must be > 0, got -5`.
@PublicInit(.unlabeled)
public struct FlagError: UserFacingError {
    /// The flag as the user typed it, e.g. `--rate` or `-c`.
    public let flag: String
    /// What is wrong, e.g. `must be > 0, got -5`.
    public let problem: String

    public var exitStatus: ExitStatus { .usage }
    public var description: String { "\(flag) \(problem)" }
}

/// An error about a file the user named: it could not be read or written.
@PublicInit
public struct FileError: UserFacingError {
    /// The path as given.
    public let path: String
    /// What went wrong, e.g. `cannot read: No such file or directory`.
    public let problem: String
    /// A usage error unless said otherwise.
    public var exitStatus: ExitStatus = .usage

    public var description: String { "\(path): \(problem)" }
}

/// The plain reason behind a Foundation file error (`No such file or directory`), without Foundation's wrapping.
public func plainReason(_ error: Error) -> String {
    let nsError = error as NSError
    if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
        return String(cString: strerror(Int32(underlying.code)))
    }
    if nsError.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(nsError.code))) }
    if nsError.domain == NSCocoaErrorDomain, nsError.code == NSFileReadNoSuchFileError {
        return "No such file or directory"
    }
    return nsError.localizedDescription
}
