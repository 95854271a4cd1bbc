import BenchSupport
import Foundation
import LoadEngine

/// Writes a `RunResult` as pretty JSON, through a temporary file and a rename, so a reader never sees half of it
/// and an interrupted write never destroys the previous file.
/// `-` is standard output, as wrk's and oha's users expect.
enum ResultFile {
    static func write(_ result: RunResult, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(result)
        if path == "-" {
            FileHandle.standardOutput.write(data + Data("\n".utf8))
            return
        }
        if let reason = FileSystem.writeAtomically(data, to: path) {
            throw FileError(path: path, problem: "cannot write the JSON result (\(reason))", exitStatus: .runFailed)
        }
    }
}
