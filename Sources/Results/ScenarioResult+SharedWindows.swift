import Foundation

// The windows that cells share: a target that ignores some of the matrix keys has one configuration for the cells
// that differ only in them (the planner measures it once per round), named by the keys it reads, and stored once in
// result.json.

extension ScenarioResult.Cell {
    /// The settings `target` reads in this cell, as a label: the cell's label without the keys the target ignores
    /// (`stack=swift` for the dev server in cell `stack=swift workers=2`), `every cell` when it ignores all of them.
    /// Cells with the same label for a target carry the same windows of it.
    public func configurationLabel(of target: ScenarioResult.Target) -> String {
        guard let ignored = target.ignores, !ignored.isEmpty else { return label }
        let read = settings.filter { !ignored.contains($0.name) }
        if read.isEmpty { return settings.isEmpty ? label : "every cell" }
        return read.map { "\($0.name)=\($0.value)" }.joined(separator: " ")
    }
}

extension ScenarioResult {
    /// For writing: the windows that cells share (one configuration of a target) kept in the first cell that has
    /// them, the others pointing there (`windowsIn`), so result.json holds each window once.
    public func sharingWindowsOnce() -> ScenarioResult {
        var result = self
        var first: [String: String] = [:]  // target and configuration -> the cell holding its windows
        for c in result.cells.indices {
            for t in result.cells[c].targets.indices where !(result.cells[c].targets[t].ignores ?? []).isEmpty {
                let target = result.cells[c].targets[t]
                let key = target.name + "\n" + result.cells[c].configurationLabel(of: target)
                if let holder = first[key] {
                    result.cells[c].targets[t].repetitions = []
                    result.cells[c].targets[t].searches = nil
                    result.cells[c].targets[t].windowsIn = holder
                } else {
                    first[key] = result.cells[c].label
                }
            }
        }
        return result
    }

    /// After reading: every cell's targets with their windows again (the reverse of `sharingWindowsOnce`).
    public func withSharedWindows() -> ScenarioResult {
        var result = self
        for c in result.cells.indices {
            for t in result.cells[c].targets.indices {
                let target = result.cells[c].targets[t]
                guard let holder = target.windowsIn,
                      let source = cells.first(where: { $0.label == holder })?.targets.first(where: { $0.name == target.name }) else { continue }
                result.cells[c].targets[t].repetitions = source.repetitions
                result.cells[c].targets[t].searches = source.searches
                result.cells[c].targets[t].windowsIn = nil
            }
        }
        return result
    }
}
