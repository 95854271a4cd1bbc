import BenchSupport
import Foundation
import Results

/// The compact table `stackbench run` prints at the end: per target and configuration (a target its cells share is
/// one row), req/s, p99, errors; then the cells that failed or were skipped.
public struct SummaryTable {
    let analysis: RunAnalysis

    public init(result: ScenarioResult) { analysis = RunAnalysis(result) }

    public var text: String {
        let (cells, targetNames) = (analysis.cells, analysis.targetNames)
        func pad(_ text: String, _ width: Int) -> String { text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count) }
        func right(_ text: String, _ width: Int) -> String { text.count >= width ? " " + text : String(repeating: " ", count: width - text.count) + text }
        let width = max(20, (cells.map(\.label.count).max() ?? 0) + 2)
        var lines = [pad("settings", width) + pad("target", 18) + right("req/s", 10) + right("p99", 10) + right("errors", 8)]
        for target in targetNames {
            for configuration in analysis.configurations(of: target) {
                guard let median = configuration.target.median else { continue }
                lines.append(pad(configuration.label, width) + pad(target, 18) + right(Units.formatWhole(median.rps), 10)
                             + right(Units.formatMicroseconds(median.p99), 10) + right(Units.formatWhole(median.errors), 8))
            }
        }
        for cell in cells where cell.status != .ok {
            lines.append(pad(cell.label, width) + cell.status.rawValue + ": " + (cell.failure ?? ""))
        }
        return lines.joined(separator: "\n")
    }
}
