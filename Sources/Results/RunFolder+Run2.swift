import Foundation

// Reading a result.json of `stackbench.run/2`. There every cell carried its targets with their windows, and a cell
// sharing a target's configuration with an earlier cell named that cell (`windowsIn`) instead of repeating them.
// The document is read as `stackbench.run/3` without the cells' targets, which are then filed under their
// configurations: a run/2 result reads as if run/3 had written it.

extension RunFolder {
    static let run2Schema = "stackbench.run/2"

    /// `data`, a run/2 document, as a run/3 result. Decoding errors are thrown as they come (paths as in the file).
    static func decodeRun2(_ data: Data) throws -> ScenarioResult {
        struct Run2: Decodable {
            var cells: [Cell]
            struct Cell: Decodable {
                var targets: [Target]
            }
            /// A target as run/2 stored it: the target, or a pointer to the cell holding its windows.
            struct Target: Decodable {
                var target: ScenarioResult.Target
                var windowsIn: String?
                enum Keys: String, CodingKey { case windowsIn }
                init(from decoder: any Decoder) throws {
                    target = try ScenarioResult.Target(from: decoder)
                    windowsIn = try decoder.container(keyedBy: Keys.self).decodeIfPresent(String.self, forKey: .windowsIn)
                }
            }
        }
        guard var document = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw DecodingError.typeMismatch([String: Any].self, .init(codingPath: [], debugDescription: "not a JSON object"))
        }
        document["schema"] = ScenarioResult.currentSchema
        document["configurations"] = [Any]()
        if let cells = document["cells"] as? [[String: Any]] {
            document["cells"] = cells.map { cell in
                var cell = cell
                cell["targets"] = nil
                cell["configurations"] = [Any]()
                return cell
            }
        }
        var result = try JSONDecoder().decode(ScenarioResult.self, from: try JSONSerialization.data(withJSONObject: document))
        let cells = try JSONDecoder().decode(Run2.self, from: data).cells
        for (position, cell) in cells.enumerated() {
            for stored in cell.targets {
                var target = stored.target
                if let holder = stored.windowsIn,
                   let source = cells.indices.first(where: { result.cells[$0].label == holder }).flatMap({ cells[$0].targets.first { $0.target.name == target.name } }) {
                    target.repetitions = source.target.repetitions
                    target.searches = source.target.searches
                }
                result.share(target, inCell: position)
            }
        }
        return result
    }
}
