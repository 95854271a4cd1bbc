import BenchSupport
import Foundation
import Results

/// Validity and events, as both reports list them.
extension RunAnalysis {
    /// One flagged window, or one noisy target (window nil), as the reports' table lists them.
    struct ValidityRow: Equatable {
        var cell: String
        var target: String
        var window: Int?
        var kind: String
        var detail: String
    }

    /// Every flagged window and every noisy target, per target and configuration (a window shared by several
    /// cells is listed once, under its configuration's label).
    var validityRows: [ValidityRow] {
        var rows: [ValidityRow] = []
        for name in targetNames {
            for configuration in configurations(of: name) {
                let target = configuration.target
                for (index, repetition) in target.repetitions.enumerated() {
                    for flag in repetition.windowFlags {
                        rows.append(.init(cell: configuration.label, target: name, window: index + 1, kind: flag.kind.rawValue, detail: flag.detail))
                    }
                }
                if let noise = target.noise, noise.noisy {
                    rows.append(.init(cell: configuration.label, target: name, window: nil, kind: "noisy",
                                      detail: "the \(Units.percent(noise.coverage)) interval of the median req/s (\(Units.formatWhole(noise.low)) to "
                                          + "\(Units.formatWhole(noise.high)) over \(noise.repetitions) repetitions) spans \(Units.percent(noise.share)) of it, "
                                          + "over the \(Units.percent(noise.limit)) limit; add repetitions"))
                }
            }
        }
        return rows
    }

    /// Whether any window of `target` in `cell` is flagged, or the target is noisy.
    func isFlagged(_ target: Target) -> Bool {
        target.repetitions.contains { !$0.isValid } || target.noise?.noisy == true
    }

    /// (cell, target, window number, event) for every event carried out.
    var eventRows: [(cell: String, target: String, window: Int, event: ScenarioResult.EventRecord)] {
        okCells.flatMap { cell in
            targets(in: cell).flatMap { target in
                target.repetitions.enumerated().flatMap { index, repetition in
                    (repetition.events ?? []).map { (cell.label, target.name, index + 1, $0) }
                }
            }
        }
    }
}

extension ScenarioResult.Summary {
    /// The memory column: PSS (shared pages divided among the processes sharing them, so it adds up across a pool
    /// of workers); results written before PSS was measured show their summed RSS, said as such.
    var memoryText: String { pss.map { Units.formatBytes($0 * 1024) } ?? "RSS " + Units.formatBytes(rss * 1024) }
}
