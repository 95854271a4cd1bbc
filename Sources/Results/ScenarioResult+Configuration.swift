import Foundation

// Configurations: the unit the experiment plan measures and the reports and compare show. A target reads only some
// of a cell's settings (the dev server ignores the pool's `workers`); the cells that differ only in the keys it
// ignores share one configuration of it, measured once per round in one of them. result.json stores each
// configuration once, with every window measured of it, and each cell names the configurations it shares by id.

extension ScenarioResult {
    public struct Configuration: Codable, Sendable {
        /// `proxied-dynamic (workers=2 threads=4)`: the target's name and the label; unique in a result.
        public var id: String
        /// The settings the target reads, as a label: `workers=2 threads=4`, `stack=swift`, `every cell` when it reads
        /// none of the matrix keys.
        public var label: String
        /// The cell settings the target reads (all of them in results from before the run planned by dependency).
        public var settings: [CellSetting]
        /// The target with every window measured of this configuration, in time order (each names its cell and
        /// round), and their medians.
        public var target: Target

        /// The configuration `target` has in a cell with `settings`, labelled `cellLabel`, with `target`'s windows:
        /// the cell's settings without the keys the target ignores (`stack=swift` for the dev server in cell
        /// `stack=swift workers=2`), `every cell` when it ignores all of them. Nil `ignores` (results from before
        /// the run planned by dependency): every cell is its own configuration.
        public init(_ target: Target, inCellWith settings: [CellSetting], labelled cellLabel: String) {
            self.settings = settings.filter { !(target.ignores ?? []).contains($0.name) }
            label = Self.label(ignoring: target.ignores, inCellWith: settings, labelled: cellLabel)
            id = Self.id(target: target.name, label: label)
            self.target = target
        }

        public static func label(ignoring ignores: [String]?, inCellWith settings: [CellSetting], labelled cellLabel: String) -> String {
            guard let ignores, !ignores.isEmpty else { return cellLabel }
            let read = settings.filter { !ignores.contains($0.name) }
            if read.isEmpty { return settings.isEmpty ? cellLabel : "every cell" }
            return read.map { "\($0.name)=\($0.value)" }.joined(separator: " ")
        }

        public static func id(target: String, label: String) -> String { "\(target) (\(label))" }
    }

    /// The configuration with this id.
    public func configuration(id: String) -> Configuration? { configurations.first { $0.id == id } }

    /// The targets `cell` shares, in the scenario's order, with their windows.
    public func targets(in cell: Cell) -> [Target] { cell.configurations.compactMap { configuration(id: $0)?.target } }

    /// The configuration of the target called `name` that `cell` shares.
    public func configuration(of name: String, in cell: Cell) -> Configuration? {
        cell.configurations.lazy.compactMap(configuration(id:)).first { $0.target.name == name }
    }

    public func target(_ name: String, in cell: Cell) -> Target? { configuration(of: name, in: cell)?.target }

    /// The cells that share `configuration`, in cell order.
    public func cells(sharing configuration: Configuration) -> [Cell] { cells.filter { $0.configurations.contains(configuration.id) } }

    /// Windows of `target` measured in a cell with `settings`, labelled `cellLabel`: appended to their
    /// configuration, which is made when it is the first.
    public mutating func append(_ target: Target, measuredWith settings: [CellSetting], cellLabel: String) {
        append(Configuration(target, inCellWith: settings, labelled: cellLabel))
    }

    /// `configuration`'s windows (and searches) added after those of the configuration with its id, or it added
    /// when there is none: a run's measurements as they come, and `compare --pool`'s runs one after another.
    public mutating func append(_ configuration: Configuration) {
        if let index = configurations.firstIndex(where: { $0.id == configuration.id }) {
            configurations[index].target = configurations[index].target.appending(configuration.target)
        } else {
            configurations.append(configuration)
        }
    }

    /// Cell `position` (an index into `cells`) shares `target`'s configuration: it is named in the cell, and made
    /// from `target` when no cell has it yet (a cell sharing it carries the same windows as the first).
    public mutating func share(_ target: Target, inCell position: Int) {
        let configuration = Configuration(target, inCellWith: cells[position].settings, labelled: cells[position].label)
        if !configurations.contains(where: { $0.id == configuration.id }) { configurations.append(configuration) }
        if !cells[position].configurations.contains(configuration.id) { cells[position].configurations.append(configuration.id) }
    }

    /// Each configuration with the medians and the noise check over all its windows.
    public func withMedians(noiseLimit: Double) -> ScenarioResult {
        var result = self
        for index in result.configurations.indices {
            let target = result.configurations[index].target
            result.configurations[index].target.median = Summary.median(of: target)
            result.configurations[index].target.noise = Noise.check(of: target.values(.rps), limit: noiseLimit)
        }
        return result
    }
}
