import Foundation

/// Where the package's built products are: the folder holding the test bundle, which is also where
/// `swift build` put the `stackbench` executable.
public enum BuiltProducts {
    /// The `stackbench` executable of this build.
    public static var stackbench: String {
        let candidates = [
            Bundle.main.bundleURL,
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
        ]
        for folder in candidates {
            let path = folder.appendingPathComponent("stackbench").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
            let parent = folder.deletingLastPathComponent().appendingPathComponent("stackbench").path
            if FileManager.default.isExecutableFile(atPath: parent) { return parent }
        }
        return candidates[0].appendingPathComponent("stackbench").path
    }
}

/// A temporary folder removed when the value is released.
public final class TemporaryFolder {
    public let path: String

    public init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("sb-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// A path inside the folder.
    public func file(_ name: String) -> String { path + "/" + name }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
