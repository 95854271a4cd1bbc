import Foundation
import StackbenchTesting
import Testing

/// A result.json is input: a results folder shared as a CI artifact may hold anything. `report` and `compare`
/// through the built binary on files edited as an attacker would (issue 29: counts at Int.max trapped `report`), on
/// a FIFO and on /dev/zero: a one-line error (exit 2) or a report, never a trap.
@Suite(.serialized) struct HostileResultFileTests {
    /// A synthetic run whose result.json had `edit` applied to every JSON object in it.
    static func run(in folder: TemporaryFolder, name: String, edit: @escaping (inout [String: Any]) -> Void) throws -> String {
        let values = SyntheticRuns.TargetValues(rps: [900, 1000, 1100], errors: [0, 1, 0])
        let path = try SyntheticRuns.write(in: folder, name: name, cells: [("workers=2", [("proxied-dynamic", values)])])
        let file = URL(fileURLWithPath: path + "/result.json")
        func walk(_ value: Any) -> Any {
            if var object = value as? [String: Any] {
                for (key, inner) in object { object[key] = walk(inner) }
                edit(&object)
                return object
            }
            if let array = value as? [Any] { return array.map(walk) }
            return value
        }
        let edited = walk(try JSONSerialization.jsonObject(with: Data(contentsOf: file)))
        try JSONSerialization.data(withJSONObject: edited).write(to: file)
        return path
    }

    static let edits: [(name: String, edit: @Sendable (inout [String: Any]) -> Void)] = [
        ("counts at Int.max", { object in
            for key in ["requests", "responses", "errors", "non2xx3xx", "unfinished", "bytes"] where object[key] is Int { object[key] = Int.max }
        }),
        ("a bucket of UInt64.max", { object in if object["counts"] != nil { object["counts"] = [[1, UInt64.max]] } }),
        ("lowest 2^63", { object in if object["lowest"] != nil { object["lowest"] = UInt64(1) << 63 } }),
        ("negative counts", { object in for key in ["requests", "responses", "errors"] where object[key] is Int { object[key] = -5 } }),
        ("an elapsed time of 1e308", { object in if object["elapsedSeconds"] != nil { object["elapsedSeconds"] = 1e308 } }),
        ("an elapsed time of 0", { object in if object["elapsedSeconds"] != nil { object["elapsedSeconds"] = 0 } }),
    ]

    @Test(arguments: 0..<edits.count)
    func reportAndCompareNeverTrapOnAnEditedResult(row: Int) throws {
        let folder = try TemporaryFolder()
        let base = try Self.run(in: folder, name: "20261201T000000Z-base") { _ in }
        let edited = try Self.run(in: folder, name: "20261201T010000Z-edited", edit: Self.edits[row].edit)
        for arguments in [["report", edited], ["compare", base, edited]] {
            let result = try runCommand(BuiltProducts.stackbench, arguments, timeout: 60)
            #expect(result.status == 0 || result.status == 2, "\(Self.edits[row].name), \(arguments[0]): exit \(result.status) \(result.stderr.split(separator: "\n").filter { $0.contains("Fatal") || $0.contains("at /work") }.prefix(6))")
            #expect(!result.stderr.contains("Fatal error"), "\(Self.edits[row].name), \(arguments[0]): \(result.stderr.suffix(400))")
        }
    }

    @Test func aFIFOOrADeviceGivenAsTheResultIsRefusedAtOnce() throws {
        let folder = try TemporaryFolder()
        #expect(mkfifo(folder.file("result.json"), 0o644) == 0)
        for (path, problem) in [(folder.file("result.json"), "a FIFO, not a regular file"), ("/dev/zero", "larger than 512 MiB")] {
            let result = try runCommand(BuiltProducts.stackbench, ["report", path], timeout: 60)
            #expect(result.status == 2 && result.stderr.contains(problem), "\(path): \(result.stderr)")
        }
    }
}
