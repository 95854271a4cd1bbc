import BenchSupport
import Foundation

/// A run folder on disk: reading its result.json back (`stackbench.run/3`, or `/2` read as `/3`), with the schema
/// checked and decoding failures told in one line. (Writing it, with the reports, is in Reports.)
public enum RunFolder {
    /// The largest result.json read (a run of 1000 cells with their windows is a few tens of MB).
    public static let maximumResultBytes = 512 << 20

    /// The result.json of `path`, a run folder or the file itself. Errors name the file and exit 2.
    public static func read(_ path: String) throws -> (result: ScenarioResult, folder: String) {
        var isFolder: ObjCBool = false
        let file = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && isFolder.boolValue ? path + "/result.json" : path
        // A FIFO is refused at once, /dev/zero at the limit: result.json is input, and may be anything.
        let data = Data(try FileSystem.readBytes(file, maximumBytes: maximumResultBytes))
        struct SchemaOnly: Decodable { var schema: String? }
        guard let probe = try? JSONDecoder().decode(SchemaOnly.self, from: data) else {
            throw FileError(path: file, problem: "not JSON (a result.json written by `stackbench run` was expected)")
        }
        guard let schema = probe.schema, [ScenarioResult.currentSchema, run2Schema].contains(schema) else {
            throw FileError(path: file, problem: "schema \(probe.schema.map { "\"\($0)\"" } ?? "missing"): this stackbench reads \"\(ScenarioResult.currentSchema)\" "
                            + "and \"\(run2Schema)\"")
        }
        do {
            let result = schema == run2Schema ? try decodeRun2(data) : try JSONDecoder().decode(ScenarioResult.self, from: data)
            return (result, (file as NSString).deletingLastPathComponent)
        } catch let error as DecodingError {
            throw FileError(path: file, problem: "not a complete \(schema) result: \(describe(error))")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined().drop { $0 == "." }.description
        }
        switch error {
        case .keyNotFound(let key, let context): return "key \(path(context)).\(key.stringValue) missing".replacingOccurrences(of: "key .", with: "key ")
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(path(context).isEmpty ? "the top level" : path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
