// A scenario YAML as `stackbench run` reads it (relative stack paths resolve against the repository's scenarios/).
import Foundation
import FuzzSupport
import Scenario

let scenarios = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scenarios").path

fuzz { bytes in
    guard let text = String(validating: bytes, as: UTF8.self) else { return }
    _ = try? Scenario.load(text: text, file: scenarios + "/fuzz.yml", folder: scenarios)
}
