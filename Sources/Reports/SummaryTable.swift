import BenchSupport
import Foundation
import Results

extension ScenarioResult {
    /// The compact table printed at the end: per cell and target, req/s, p99, errors.
    public var summaryTable: String {
        func pad(_ text: String, _ width: Int) -> String { text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count) }
        func right(_ text: String, _ width: Int) -> String { text.count >= width ? " " + text : String(repeating: " ", count: width - text.count) + text }
        let width = max(20, (cells.map(\.label.count).max() ?? 0) + 2)
        var lines = [pad("cell", width) + pad("target", 18) + right("req/s", 10) + right("p99", 10) + right("errors", 8)]
        for cell in cells {
            if cell.status != .ok {
                lines.append(pad(cell.label, width) + cell.status.rawValue + ": " + (cell.failure ?? ""))
                continue
            }
            for target in cell.targets {
                guard let median = target.median else { continue }
                lines.append(pad(cell.label, width) + pad(target.name, 18) + right(Units.formatWhole(median.rps), 10)
                             + right(Units.formatMicroseconds(median.p99), 10) + right(String(Int(median.errors)), 8))
            }
        }
        return lines.joined(separator: "\n")
    }
}
