import ArgumentParser
import BenchSupport
import Reports
import Results

/// `stackbench report RUN`: writes report.md and report.html again from a run's result.json (after an upgrade,
/// or for a result.json copied from another machine).
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write report.md and report.html again from a run folder's result.json.")

    @Argument(help: "A run folder (results/<timestamp>-<name>) or its result.json.") var folder: String

    func run() throws {
        let (result, folder) = try RunFolder.read(self.folder)
        try RunFolder.writeReports(result, to: folder)
        print("\(folder)/report.md, \(folder)/report.html")
    }
}
