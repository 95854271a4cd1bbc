// `kubectl logs` output as `stackbench k8s collect` reads it: prefixes, markers, the JSON results between them, and
// the merge of each target's results.
import Foundation
import FuzzSupport
import Scenario

fuzz { bytes in
    guard let text = String(validating: bytes, as: UTF8.self) else { return }
    _ = try? KubernetesJob.collect(logs: text, source: "fuzz")
}
