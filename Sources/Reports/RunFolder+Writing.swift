import BenchSupport
import Foundation
import Results

/// Writing a run folder: result.json and the two reports, each atomically, so a folder never holds a half file.
extension RunFolder {
    /// result.json, report.md and report.html into `folder`.
    public static func write(_ result: ScenarioResult, to folder: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try write(try encoder.encode(result), named: "result.json", in: folder)
        try writeReports(result, to: folder)
    }

    public static func writeReports(_ result: ScenarioResult, to folder: String) throws {
        try write(Data(MarkdownReport(result: result).text.utf8), named: "report.md", in: folder)
        try write(Data(HTMLReport(result: result).text.utf8), named: "report.html", in: folder)
    }

    private static func write(_ data: Data, named name: String, in folder: String) throws {
        if let problem = FileSystem.writeAtomically(data, to: folder + "/" + name) {
            throw FileError(path: folder + "/" + name, problem: problem, exitStatus: .runFailed)
        }
    }
}
