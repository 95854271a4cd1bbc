import BenchSupport
import Foundation
import Results

/// `stackbench compare --pool`: the runs found under one path read as one run, their repetitions side by side.
/// This is how base and change measured in turns (round 1 of each, then round 2 of each, ...) are compared: each
/// round is a `stackbench run` of its own, and the pooled run has every round's windows as repetitions, so the
/// test sees all of them and drift of the machine falls on both sides alike.
extension RunSet {
    /// One run made of `runs` (in time order), named after the path they were found under. Runs of different
    /// scenarios are refused (a FileError naming the odd one). A cell that failed in any round fails in the pool,
    /// so the gate counts it as not measured.
    public static func pool(_ runs: [LoadedRun], foundUnder path: String) throws -> LoadedRun {
        guard var pooled = runs.first?.result else { throw FileError(path: path, problem: "holds no run to pool") }
        for run in runs.dropFirst() where run.result.scenario.name != pooled.scenario.name {
            throw FileError(path: run.folder, problem: "is a run of scenario \"\(run.result.scenario.name)\", not \"\(pooled.scenario.name)\" "
                            + "like \(runs[0].name); --pool takes the rounds of one scenario")
        }
        for (index, run) in runs.enumerated().dropFirst() {
            for cell in run.result.cells {
                if let existing = pooled.cells.firstIndex(where: { $0.label == cell.label }) {
                    pooled.cells[existing] = pooled.cells[existing].merging(cell, round: index + 1)
                } else {
                    pooled.cells.append(cell)
                }
            }
            for configuration in run.result.configurations { pooled.append(configuration) }
            pooled.interrupted = pooled.interrupted || run.result.interrupted
            pooled.finishedAt = run.result.finishedAt
        }
        for index in pooled.configurations.indices {
            pooled.configurations[index].target.median = ScenarioResult.Summary.median(of: pooled.configurations[index].target)
        }
        let labels = Set(runs.map { $0.result.label ?? "" })
        pooled.label = labels.count == 1 ? runs[0].result.label : nil
        return LoadedRun(base: (path as NSString).lastPathComponent + " (\(runs.count) run\(runs.count == 1 ? "" : "s") pooled)",
                         folder: path, result: pooled)
    }
}
