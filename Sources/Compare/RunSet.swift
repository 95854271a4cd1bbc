/// Compare: `stackbench compare` and the CI gate. Owns finding runs on disk, matching their cells and targets,
/// judging each difference with the Mann-Whitney U test over repetitions (benchstat's way: "~" when it is not
/// significant), the gate's limits, and the comparison's text, Markdown, JSON and HTML forms.
/// Must not: run anything or change a run folder; read result.json other than through `RunFolder`.
import BenchSupport
import Foundation
import Results
import Reports

/// One run to compare: its result and how the user named it.
public struct LoadedRun: Sendable {
    /// The run folder's name (`20261201T190639Z-static-vs-dynamic`), and the run's label after it when it has
    /// one (`20261201T190639Z-mysite [3f2a9c1d7e4b]`: the commit it measured).
    public var name: String
    public var folder: String
    public var result: ScenarioResult

    /// A run named `base` (its folder's name, or what it was pooled under), with its label after it.
    init(base: String, folder: String, result: ScenarioResult) {
        self.name = result.label.map { "\(base) [\($0)]" } ?? base
        self.folder = folder
        self.result = result
    }
}

public enum RunSet {
    /// The runs behind `paths`, in order: a result.json, a run folder, or a folder of run folders (its runs in
    /// name order, that is time order; hidden `.partial` folders of unfinished runs are skipped). Anything
    /// missing, unreadable, corrupt or of another schema is a FileError naming it (exit 2).
    public static func load(_ paths: [String]) throws -> [LoadedRun] {
        var runs: [LoadedRun] = []
        for path in paths {
            for file in try resultFiles(under: path) {
                let (result, folder) = try RunFolder.read(file)
                runs.append(LoadedRun(base: (folder as NSString).lastPathComponent, folder: folder, result: result))
            }
        }
        return runs
    }

    private static func resultFiles(under path: String) throws -> [String] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw FileError(path: path, problem: "no such file or folder")
        }
        guard isFolder.boolValue else { return [path] }
        let own = path + "/result.json"
        if FileManager.default.fileExists(atPath: own) { return [own] }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: path) } catch {
            throw FileError(path: path, problem: "cannot list: \(plainReason(error))")
        }
        let files = names.filter { !$0.hasPrefix(".") }.sorted().map { path + "/" + $0 + "/result.json" }
            .filter { FileManager.default.fileExists(atPath: $0) }
        guard !files.isEmpty else {
            throw FileError(path: path, problem: "holds no result.json, neither itself nor in a run folder under it")
        }
        return files
    }
}
