import Foundation
import StackbenchTesting
import Testing

/// `stackbench history` as a user runs it, on synthetic run folders: a step is reported where it happened, the gate
/// exits 1 on a newest run that regressed, and every bad input exits 2 with one line naming it.
@Suite struct HistoryCommandTests {
    static let steady: [Double] = [1000, 1008, 994]

    /// `runs[i]` is run i's factor on the steady req/s; `scenarios[i]` its scenario.
    static func results(_ factors: [Double], scenarios: [String]? = nil, in folder: TemporaryFolder,
                        named name: String = "results") throws -> String {
        let results = folder.file(name)
        for (index, factor) in factors.enumerated() {
            let stamp = (index < 10 ? "0" : "") + "\(index)"
            _ = try SyntheticRuns.write(in: folder, name: "\(name)/20261201T\(stamp)0000Z-run",
                                        cells: [("workers=2", [("proxied-dynamic", .init(rps: steady.map { $0 * factor }))])],
                                        run: .init(startedAt: "2026-12-01T\(stamp):00:00Z", label: "c\(index)", scenario: scenarios?[index] ?? "synthetic"))
        }
        return results
    }

    func history(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try runCommand(BuiltProducts.stackbench, ["history"] + arguments, timeout: 60)
    }

    @Test func aStepIsReportedAtItsRunAndEveryFormatIsWritten() throws {
        let folder = try TemporaryFolder()
        let results = try Self.results((0..<12).map { $0 < 6 ? 1 : 0.5 }, in: folder)
        let text = try history([results, "--metrics", "rps"])
        #expect(text.status == 0 && text.stdout.contains("at run 7 (20261201T060000Z-run [c6]") && text.stdout.contains("0.50x"), "\(text.stdout)\(text.stderr)")
        for (format, marker) in [("md", "| series |"), ("html", "<svg"), ("json", "stackbench.history/1")] {
            let written = try history([results, "--format", format, "-o", folder.file("history.\(format)")])
            let content = (try? String(contentsOfFile: folder.file("history.\(format)"), encoding: .utf8)) ?? ""
            #expect(written.status == 0 && content.contains(marker), "\(format): \(written.stderr) \(content.prefix(300))")
        }
        let csv = try history([results, "--export", "otava-csv"])
        #expect(csv.status == 0 && csv.stdout.hasPrefix("time,commit,") && csv.stdout.split(separator: "\n").count == 13)
        #expect(try history([results, "--fail-on-change", "rps:-5%"]).status == 0, "the step is old; the newest run is like the five before it")
    }

    @Test func theGateFailsOnANewestRunThatRegressed() throws {
        let folder = try TemporaryFolder()
        let results = try Self.results([1, 1, 1, 1, 1, 1, 1, 1, 0.5], in: folder)
        let junit = folder.file("history.xml")
        let gated = try history([results, "--fail-on-change", "rps:-5%", "--junit", junit, "--github"])
        #expect(gated.status == 1 && gated.stderr.contains("gate: FAIL: synthetic · workers=2 · proxied-dynamic: rps") && gated.stdout.contains("::error"),
                "\(gated.stderr)")
        #expect(((try? String(contentsOfFile: junit, encoding: .utf8)) ?? "").contains("<failure"))
        let short = try history([try Self.results([1, 1], in: folder, named: "short"), "--fail-on-change", "rps:-5%"])
        #expect(short.status == 2 && short.stderr.contains("gate: cannot judge") && short.stderr.contains("at least 2"), "\(short.stderr)")
    }

    @Test func badInputsExitTwoWithOneLine() throws {
        let folder = try TemporaryFolder()
        let empty = folder.file("empty")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let one = try Self.results([1], in: folder, named: "one")
        let mixed = try Self.results([1, 1], scenarios: ["a", "b"], in: folder, named: "mixed")
        let corrupt = try Self.results([1, 1, 1], in: folder, named: "corrupt")
        let broken = corrupt + "/20261201T010000Z-run/result.json"
        try "{\"schema\": \"stackbench.run/3\", \"scenario\": ".write(toFile: broken, atomically: true, encoding: .utf8)
        let cases: [([String], String)] = [
            ([empty], "holds no result.json"),
            ([one], "at least two runs"),
            ([mixed], "no series has two runs"),
            ([corrupt], broken),
            ([], "DIR missing"),
            ([one, "--magnitude", "5"], "--magnitude"),
            ([one, "--window", "1"], "--window"),
            ([one, "--format", "pdf"], "--format"),
            ([one, "--fail-on-change", "rps:-2%"], "below --magnitude"),
            ([one, "--fail-on-change", "rps:+5%"], "--fail-on-change"),
            ([one, "--junit", "x.xml"], "needs --fail-on-change"),
        ]
        for (arguments, expected) in cases {
            let run = try history(arguments)
            let lines = run.stderr.split(separator: "\n")
            #expect(run.status == 2 && lines.count == 1 && run.stderr.contains(expected), "\(arguments): \(run.status) \(run.stderr)")
            #expect(!run.stderr.contains("Fatal") && run.stdout.isEmpty, "\(arguments)")
        }
    }
}
