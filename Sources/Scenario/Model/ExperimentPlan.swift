import Foundation
import Results

/// Which cell measures which target in which round, from what each target depends on. A target reads only some of a
/// cell's settings: the dev server runs the same whatever the pool's `workers` or the front's directives (it
/// depends on the `stack` key alone: which dev server), static files through the front depend on the stack and the
/// front's directives, the dynamic path on everything, the pool's own http-socket on the stack and the pool's
/// options, an external URL on nothing. Cells that agree on what a target reads share one configuration of it,
/// measured once per round — in a different cell of the group each round, so its windows spread over the round
/// like the others' — and every cell of the group carries those windows. A target with events under load
/// (reloads, kills) is measured in every cell: the events act on the whole stack.
struct ExperimentPlan {
    typealias Component = CellSetting.Component

    /// Per target (scenario order): its configurations, each the indices (1-based, as `Matrix.Cell.index`) of the
    /// cells that share it, in cell order.
    let groups: [[[Int]]]
    /// Per target: the matrix keys that do not change it, in the matrix's order.
    let ignoredKeys: [[String]]

    /// `cells`: the cells that can run (skipped ones left out).
    init(targets: [Scenario.Target], cells: [Matrix.Cell]) {
        let keys = cells.flatMap(\.settings).reduce(into: [CellSetting]()) { keys, setting in
            if !keys.contains(where: { $0.name == setting.name }) { keys.append(setting) }
        }
        var groups: [[[Int]]] = []
        var ignored: [[String]] = []
        for target in targets {
            let reads = Self.components(readBy: target)
            var configurations: [String: Int] = [:]
            var members: [[Int]] = []
            for cell in cells {
                let signature = cell.settings.filter { reads.contains($0.component) }.map { "\($0.name)=\($0.value)" }.joined(separator: " ")
                if let group = configurations[signature] {
                    members[group].append(cell.index)
                } else {
                    configurations[signature] = members.count
                    members.append([cell.index])
                }
            }
            groups.append(members)
            ignored.append(keys.filter { !reads.contains($0.component) }.map(\.name))
        }
        self.groups = groups
        self.ignoredKeys = ignored
    }

    /// The parts of a cell's settings a target's measurement depends on.
    static func components(readBy target: Scenario.Target) -> Set<Component> {
        if !target.events.isEmpty { return [.stack, .uwsgi, .nginx] }
        return switch target.kind {
        case .devServer: [.stack]
        case .proxiedStatic: [.stack, .nginx]
        case .proxiedDynamic: [.stack, .nginx, .uwsgi]
        case .poolDirect: [.stack, .uwsgi]
        case .external: []
        }
    }

    /// The targets (indices) `cell` measures in `round` (1-based): those for which it is the cell of its group
    /// whose turn it is — member (round − 1) mod the group's size.
    func targets(measuredIn cell: Int, round: Int) -> [Int] {
        groups.indices.filter { target in
            groups[target].contains { members in members[(round - 1) % members.count] == cell }
        }
    }

    /// How many windows each round measures, for the plan's summary: one per target and configuration, times the
    /// repetitions of each.
    func windowsPerRound(repetitions: Int) -> Int { groups.reduce(0) { $0 + $1.count } * repetitions }

    /// One line per target: "dev-server: 1 configuration (not affected by workers, threads)".
    func summary(targetNames: [String]) -> [String] {
        zip(targetNames, zip(groups, ignoredKeys)).map { name, entry in
            let (members, ignored) = entry
            return "\(name): \(members.count) configuration\(members.count == 1 ? "" : "s")"
                + (ignored.isEmpty ? "" : " (not affected by \(ignored.joined(separator: ", ")))")
        }
    }
}

extension Scenario {
    /// What `--check` and the start of a run print: per target, how many configurations are measured and the keys
    /// that do not change it.
    public var planSummary: [String] {
        ExperimentPlan(targets: targets, cells: matrix.cells).summary(targetNames: targets.map(\.name))
    }
}
