// A result.json as `stackbench report` reads it (a results folder shared as a CI artifact may hold anything; issue
// 29: counts at Int.max trapped the report). An input starting with `{` is the file's text; any other input is a
// list of numbers written over the numbers of a synthetic run's result.json in order, so the edges of every count,
// time and histogram setting are reached quickly. Every result that decodes is written as report.md and .html.
import Foundation
import FuzzSupport
import Reports
import Results
import StackbenchTesting

let synthetic: Any = {
    let folder = try! TemporaryFolder()
    let values = SyntheticRuns.TargetValues(rps: [900, 1000, 1100], p99: [900, 1000, 2000], errors: [0, 1, 0])
    let run = try! SyntheticRuns.write(in: folder, name: "run", cells: [("workers=1", [("dev-server", values), ("proxied-dynamic", values)]),
                                                                          ("workers=2", [("dev-server", values), ("proxied-dynamic", values)])])
    let data = try! Data(contentsOf: URL(fileURLWithPath: run + "/result.json"))
    if let seed = ProcessInfo.processInfo.environment["STACKBENCH_FUZZ_SEED"] { try! data.write(to: URL(fileURLWithPath: seed)) }
    return try! JSONSerialization.jsonObject(with: data)
}()
if ProcessInfo.processInfo.environment["STACKBENCH_FUZZ_SEED"] != nil { _ = synthetic; exit(0) }

/// `value` with its numbers replaced, in document order, by those `next` gives while it has any.
func overwrite(_ value: Any, _ next: () -> Int64?) -> Any {
    if let object = value as? [String: Any] {
        var copy = object
        for key in object.keys.sorted() { copy[key] = overwrite(object[key]!, next) }
        return copy
    }
    if let array = value as? [Any] { return array.map { overwrite($0, next) } }
    if let number = value as? NSNumber, !["c", "B"].contains(String(cString: number.objCType)) {  // not a JSON true/false
        guard let replacement = next() else { return value }
        return replacement % 3 == 0 ? NSNumber(value: Double(bitPattern: UInt64(bitPattern: replacement)).isFinite
                                                   ? Double(bitPattern: UInt64(bitPattern: replacement)) : 0) : NSNumber(value: replacement)
    }
    return value
}

fuzz { bytes in
    let file = scratchFolder + "/result.json"
    var data = Data(bytes)
    if bytes.first != UInt8(ascii: "{") {
        var input = bytes[...]
        let edited = overwrite(synthetic) {
            guard input.count >= 8 else { return nil }
            var value: UInt64 = 0
            for _ in 0..<8 { value = value << 8 | UInt64(input.popFirst()!) }
            return Int64(bitPattern: value)
        }
        guard let json = try? JSONSerialization.data(withJSONObject: edited) else { return }
        data = json
    }
    guard FileManager.default.createFile(atPath: file, contents: data), let (result, _) = try? RunFolder.read(file) else { return }
    try? RunFolder.writeReports(result, to: scratchFolder)  // report.md and report.html, as `stackbench report` writes them
    _ = SummaryTable(result: result).text
}
