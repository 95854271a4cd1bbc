import BenchSupport

/// A configuration error: the file, the line, the key and what is wrong; a usage error (exit 2).
@PublicInit
public struct ConfigError: UserFacingError, Equatable {
    /// The file as the user named it.
    public let file: String
    /// The 1-based line, or nil when the error is about the file as a whole.
    public let line: Int?
    /// The key the error is about, or nil.
    public let key: String?
    /// What is wrong.
    public let problem: String

    public var exitStatus: ExitStatus { .usage }

    public var description: String {
        let place = line.map { "\(file):\($0)" } ?? file
        let subject = key.map { "\($0): " } ?? ""
        return "\(place): error: \(subject)\(problem)"
    }
}
