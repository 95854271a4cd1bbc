import BenchSupport
import Foundation
import Results

/// Stacks side by side, when the matrix sweeps `stack`: per target and per the other settings, each stack's median
/// and each stack's req/s over the reference stack's (over the first stack's when there is no reference).
extension RunAnalysis {
    /// The stack names of the finished cells, in cell order; empty when the matrix does not sweep `stack`.
    var stackNames: [String] {
        okCells.compactMap { $0.stackName }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
    }

    /// The stack every other is divided by: `reference` when present, else the first.
    var baselineStack: String? { stackNames.contains("reference") ? "reference" : stackNames.first }

    /// One target under one combination of the other settings: each stack's measurement of it.
    struct StackGroup {
        var settings: String
        var targets: [String: Target]

        /// Each stack's medians.
        var byStack: [String: Summary] { targets.compactMapValues(\.median) }

        /// `stack`'s req/s over `baseline`'s.
        func ratio(_ stack: String, over baseline: String) -> Double? {
            guard let a = byStack[stack]?.rps, let b = byStack[baseline]?.rps, b > 0 else { return nil }
            return a / b
        }

        /// The ratio with its ± from both sides' repetitions (`1.52x ± 0.08`), `-` where a stack did not measure it.
        func ratioText(_ stack: String, over baseline: String) -> String {
            guard let a = targets[stack], let b = targets[baseline] else { return "-" }
            return RunAnalysis.rpsRatioText(a, over: b)
        }
    }

    /// Per stack, the memory of its front and pool together as PSS (the median over the windows of the first
    /// proxied-dynamic target), in stack order; empty when no such target measured PSS.
    var stackMemory: [(stack: String, pssKiB: Double)] {
        stackNames.compactMap { stack in
            okCells.lazy.filter { $0.stackName == stack }.compactMap { cell in
                targets(in: cell).first { $0.kind == .proxiedDynamic }?.median?.pss
            }.first.map { (stack, $0) }
        }
    }

    /// Per target (in order), per the settings other than the stack: each stack's medians.
    func sideBySide() -> [(target: String, groups: [StackGroup])] {
        guard stackNames.count > 1 else { return [] }
        return targetNames.map { target in
            var groups: [StackGroup] = []
            for cell in okCells {
                guard let stack = cell.stackName, let measured = self.target(target, in: cell), measured.median != nil else { continue }
                let settings = cell.labelWithoutStack(ignoring: measured.ignores ?? [])
                if let index = groups.firstIndex(where: { $0.settings == settings }) {
                    groups[index].targets[stack] = measured
                } else {
                    groups.append(StackGroup(settings: settings, targets: [stack: measured]))
                }
            }
            return (target, groups)
        }
    }
}

extension ScenarioResult.Cell {
    var stackName: String? { settings.last { $0.component == .stack }?.value }

    /// The settings other than the stack that a target reads (`ignored`: the keys it does not): `every cell` when
    /// it reads none of the swept ones, `defaults` when only the stack is swept.
    func labelWithoutStack(ignoring ignored: [String] = []) -> String {
        let others = settings.filter { $0.component != .stack }
        let read = others.filter { !ignored.contains($0.name) }
        if read.isEmpty { return others.isEmpty ? "defaults" : "every cell" }
        return read.map { "\($0.name)=\($0.value)" }.joined(separator: " ")
    }
}
