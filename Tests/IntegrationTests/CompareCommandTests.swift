import BenchSupport
@testable import Compare
import Foundation
import Results
import StackbenchTesting
import Testing

/// `stackbench compare` and the gate on synthetic run folders whose repetitions the test chooses: identical
/// distributions are "~", a 20% drop with little noise is significant and fails the gate, a 3% drop inside heavy
/// noise is not, too few repetitions make the gate say it cannot judge, and bad files exit 2 with the reason.
@Suite struct CompareCommandTests {
    typealias Values = SyntheticRuns.TargetValues

    static let steady: [Double] = [1000, 1008, 994, 1003, 997]
    static let noisy: [Double] = [1000, 1310, 780, 1160, 890]

    func twoRuns(_ a: Values, _ b: Values, in folder: TemporaryFolder) throws -> (String, String) {
        (try SyntheticRuns.write(in: folder, name: "20261201T000000Z-a", cells: [("workers=2", [("proxied-dynamic", a)])]),
         try SyntheticRuns.write(in: folder, name: "20261201T010000Z-b", cells: [("workers=2", [("proxied-dynamic", b)])]))
    }

    func compare(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try runCommand(BuiltProducts.stackbench, ["compare"] + arguments, timeout: 60)
    }

    @Test func identicalDistributionsAreNotSignificantAndPassTheGate() throws {
        let folder = try TemporaryFolder()
        let (a, b) = try twoRuns(Values(rps: Self.steady), Values(rps: Self.steady.reversed()), in: folder)
        let comparison = Comparison(runs: try RunSet.load([a, b]))
        let delta = try #require(comparison.rows(of: .rps).first?.deltas.first)
        #expect(!delta.significant && delta.testable && delta.pValue > 0.5)
        let run = try compare(["--baseline", a, b, "--fail-on", "rps:-5%,p99:+10%"])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("~ (p=1.000)"), "\(run.stdout)")
        #expect(run.stderr.contains("gate: passed"))
    }

    @Test func aTwentyPercentDropWithLowNoiseIsSignificantAndFailsTheGate() throws {
        let folder = try TemporaryFolder()
        let (a, b) = try twoRuns(Values(rps: Self.steady), Values(rps: Self.steady.map { $0 * 0.8 }), in: folder)
        let delta = try #require(Comparison(runs: try RunSet.load([a, b])).rows(of: .rps).first?.deltas.first)
        #expect(delta.significant && !delta.improvement && abs((delta.percent ?? 0) + 20) < 0.5)
        #expect(delta.pValue < 0.01)
        let run = try compare(["--baseline", a, b, "--fail-on", "rps:-5%"])
        #expect(run.status == 1, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stderr.contains("gate: FAIL: workers=2 · proxied-dynamic: rps") && run.stderr.contains("breaks rps:-5%"), "\(run.stderr)")
        #expect(run.stdout.contains("-20.00% (p=0.008)"), "\(run.stdout)")
        // The same drop is an improvement the other way round, which no limit fails.
        let reverse = try compare(["--baseline", b, a, "--fail-on", "rps:-5%"])
        #expect(reverse.status == 0, "\(reverse.stderr)")
    }

    /// As CI tools want the gate: its verdict in the Markdown (for `>> $GITHUB_STEP_SUMMARY`), and a baseline
    /// that is said, never guessed: a folder of several runs is refused, `--baseline-latest DIR` takes its newest.
    @Test func theVerdictIsInTheMarkdownAndTheBaselineIsNeverASilentChoice() throws {
        let folder = try TemporaryFolder()
        let (a, b) = try twoRuns(Values(rps: Self.steady), Values(rps: Self.steady.map { $0 * 0.8 }), in: folder)
        let failed = try compare(["--baseline", a, b, "--fail-on", "rps:-5%", "--format", "md"])
        #expect(failed.status == 1 && failed.stdout.contains("## Gate: failed") && failed.stdout.contains("- **FAIL** workers=2 · proxied-dynamic: rps"),
                "\(failed.stdout)")
        let junit = folder.file("gate.xml")
        let annotated = try compare(["--baseline", a, b, "--fail-on", "rps:-5%,errors:+0", "--junit", junit, "--github"])
        #expect(annotated.status == 1 && annotated.stdout.contains("::error title=stackbench gate::workers=2 · proxied-dynamic: rps"), "\(annotated.stdout)")
        let xml = try String(contentsOfFile: junit, encoding: .utf8)
        #expect(xml.contains("tests=\"2\" failures=\"1\" errors=\"0\" skipped=\"0\"") && xml.contains("<testcase classname=\"workers=2 · proxied-dynamic\" name=\"rps in 20261201T010000Z-b (rps:-5%)\" time=\"0\">\n      <failure message=")
                && xml.contains("name=\"errors in 20261201T010000Z-b (errors:+0)\" time=\"0\"/>"), "\(xml)")
        // Well-formed, with the elements and attributes Jenkins, GitLab and GitHub reporters read.
        let lint = try runCommand("/usr/bin/xmllint", ["--noout", junit])
        #expect(lint.status == 0, "xmllint: \(lint.stderr)")
        for (query, expected) in [("count(/testsuites/testsuite/testcase)", "2"), ("string(/testsuites/@failures)", "1"),
                                  ("string(/testsuites/testsuite/@tests)", "2"), ("count(//testcase[@classname and @name and @time])", "2"),
                                  ("count(//testcase/failure[@message and @type])", "1")] {
            let answer = try runCommand("/usr/bin/xmllint", ["--xpath", query, junit])
            #expect(answer.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == expected, "\(query): \(answer.stdout)\(answer.stderr)")
        }
        let without = try compare(["--baseline", a, b, "--junit", junit])
        #expect(without.status == 2 && without.stderr.contains("--junit needs --fail-on LIMITS"), "\(without.stderr)")
        let passed = try compare(["--baseline", b, a, "--fail-on", "rps:-5%", "--format", "md"])
        #expect(passed.status == 0 && passed.stdout.contains("## Gate: passed"), "\(passed.stdout)")
        let current = try SyntheticRuns.write(in: folder, name: "20261201T020000Z-c", cells: [("workers=2", [("proxied-dynamic", Values(rps: Self.steady))])])
        let several = try compare(["--baseline", folder.path, current])
        #expect(several.status == 2 && several.stderr.contains("holds 3 runs; name one run folder, or use --baseline-latest"), "\(several.stderr)")
        let both = try compare(["--baseline", a, "--baseline-latest", folder.path, b])
        #expect(both.status == 2 && both.stderr.contains("--baseline and --baseline-latest cannot be used together"), "\(both.stderr)")
        let empty = try TemporaryFolder()
        let none = try compare(["--baseline-latest", empty.path, a])
        #expect(none.status == 2 && none.stderr.contains("\(empty.path): holds no result.json"), "\(none.stderr)")
        let latest = try compare(["--baseline-latest", folder.path, a, "--metrics", "rps"])
        #expect(latest.status == 0 && latest.stdout.contains("A  20261201T020000Z-c  (baseline)"), "the newest is the baseline: \(latest.stdout)")
    }

    /// A 3% drop inside a ±31% spread is not significant, and the gate does not pass it either: a 5% regression
    /// could not have been seen, so it says so, with about how many repetitions would do, and exits 2.
    @Test func aDropInsideHeavyNoiseIsNotSignificantAndTheGateSaysItCannotJudge() throws {
        let folder = try TemporaryFolder()
        let shifted = [Self.noisy[2], Self.noisy[4], Self.noisy[0], Self.noisy[3], Self.noisy[1]].map { $0 * 0.97 }
        let (a, b) = try twoRuns(Values(rps: Self.noisy), Values(rps: shifted), in: folder)
        let delta = try #require(Comparison(runs: try RunSet.load([a, b])).rows(of: .rps).first?.deltas.first)
        #expect(!delta.significant && delta.testable, "p=\(delta.pValue)")
        let run = try compare([a, b, "--fail-on", "rps:-5%", "--format", "md"])
        #expect(run.status == 2, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("~ (p="))
        let line = try #require(run.stderr.split(separator: "\n").first { $0.hasPrefix("gate: cannot judge:") }.map(String.init), "\(run.stderr)")
        #expect(line.contains("cannot judge rps:-5% in 20261201T010000Z-b with this noise: with 5 + 5 repetitions the smallest change they could detect is"), "\(line)")
        // The noisy values' standard deviation is about 21% of the median: 2 × 0.21² / 0.05² × (2.0 + 0.84)² ≈ 280.
        let needed = try #require(line.split(separator: " ").firstIndex(of: "about").map { Int(line.split(separator: " ")[$0 + 1]) ?? 0 })
        #expect((200...400).contains(needed), "\(line)")
        #expect(run.stdout.contains("- **cannot judge** workers=2 · proxied-dynamic: cannot judge rps:-5%"), "\(run.stdout)")
        // --unresolved warn: the gate passes on what it could judge, the blind spot a warning with its figure.
        let junit = folder.file("gate.xml")
        let warned = try compare([a, b, "--fail-on", "rps:-5%", "--unresolved", "warn", "--github", "--junit", junit])
        #expect(warned.status == 0 && warned.stderr.contains("gate: unresolved: workers=2 · proxied-dynamic: cannot judge rps:-5%")
                && warned.stderr.contains("gate: passed"), "\(warned.stderr)")
        #expect(warned.stdout.contains("::warning title=stackbench gate::workers=2 · proxied-dynamic: cannot judge rps:-5%"), "\(warned.stdout)")
        let skipped = try runCommand("/usr/bin/xmllint", ["--xpath", "string(/testsuites/@skipped)", junit])
        #expect(skipped.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1", "\(skipped.stdout)\(skipped.stderr)")
        let badMode = try compare([a, b, "--fail-on", "rps:-5%", "--unresolved", "pass"])
        #expect(badMode.status == 2 && badMode.stderr.contains("--unresolved must be fail or warn"), "\(badMode.stderr)")
        // A significant regression beyond the limit still fails, whatever the mode.
        let other = try TemporaryFolder()
        let (c, d) = try twoRuns(Values(rps: Self.steady), Values(rps: Self.steady.map { $0 * 0.8 }), in: other)
        #expect(try compare([c, d, "--fail-on", "rps:-5%", "--unresolved", "warn"]).status == 1)
        // A limit wider than what the repetitions can see is judged, and passes.
        let wide = try compare([a, b, "--fail-on", "rps:-60%"])
        #expect(wide.status == 0 && wide.stderr.contains("gate: sensitivity: rps:-60%: the repetitions could detect"), "\(wide.stderr)")
    }

    /// The steady runs could see a 1% change: the gate passes and says how fine it looked.
    @Test func quietRepetitionsCanJudgeATightLimit() throws {
        let folder = try TemporaryFolder()
        let (a, b) = try twoRuns(Values(rps: Self.steady), Values(rps: Self.steady.map { $0 * 0.99 }), in: folder)
        let run = try compare([a, b, "--fail-on", "rps:-5%"])
        #expect(run.status == 0, "\(run.stderr)")
        let line = try #require(run.stderr.split(separator: "\n").first { $0.hasPrefix("gate: sensitivity: rps:-5%") }.map(String.init), "\(run.stderr)")
        let percent = try #require(Double(line.split(separator: " ")[7].dropLast()), "\(line)")
        #expect(percent > 0.5 && percent < 2, "\(line)")
    }

    /// Base and change measured in turns, one `stackbench run` per round each: `--pool` reads each side's folder
    /// as one run of 5 repetitions, so the test has 5 + 5 and a 20% drop fails while an A/A pair passes.
    @Test func poolReadsTheRoundsOfEachSideAsOneRun() throws {
        let folder = try TemporaryFolder()
        for (round, value) in Self.steady.enumerated() {
            _ = try SyntheticRuns.write(in: folder, name: "base/20261201T0\(round)0000Z-mysite", cells: [("workers=2", [("proxied-dynamic", Values(rps: [value]))])])
            _ = try SyntheticRuns.write(in: folder, name: "same/20261201T0\(round)0500Z-mysite", cells: [("workers=2", [("proxied-dynamic", Values(rps: [Self.steady.reversed()[round]]))])])
            _ = try SyntheticRuns.write(in: folder, name: "slower/20261201T0\(round)0500Z-mysite", cells: [("workers=2", [("proxied-dynamic", Values(rps: [value * 0.8]))])])
        }
        let (base, same, slower) = (folder.file("base"), folder.file("same"), folder.file("slower"))
        let regression = try compare(["--pool", "--baseline", base, slower, "--fail-on", "rps:-5%"])
        #expect(regression.status == 1 && regression.stderr.contains("gate: FAIL: workers=2 · proxied-dynamic: rps")
                && regression.stderr.contains("in slower (5 runs pooled) breaks rps:-5%"), "\(regression.stderr)")
        #expect(regression.stdout.contains("(n=5)"), "\(regression.stdout)")
        let aa = try compare(["--pool", "--baseline", base, same, "--fail-on", "rps:-5%"])
        #expect(aa.status == 0 && aa.stderr.contains("gate: passed"), "\(aa.stderr)")
        // Without --pool the folder is five runs of one repetition each: the baseline must be one of them.
        let unpooled = try compare(["--baseline", base, slower])
        #expect(unpooled.status == 2 && unpooled.stderr.contains("holds 5 runs"), "\(unpooled.stderr)")
        let latest = try compare(["--pool", "--baseline-latest", base, slower])
        #expect(latest.status == 2 && latest.stderr.contains("--baseline-latest picks one run of a folder"), "\(latest.stderr)")
        // Rounds of another scenario are not pooled with these.
        let odd = folder.file("slower/20261201T040500Z-mysite/result.json")
        try String(contentsOfFile: odd, encoding: .utf8).replacingOccurrences(of: "\"name\" : \"synthetic\"", with: "\"name\" : \"other\"")
            .replacingOccurrences(of: "\"name\":\"synthetic\"", with: "\"name\":\"other\"").write(toFile: odd, atomically: true, encoding: .utf8)
        let mixed = try compare(["--pool", "--baseline", base, slower])
        #expect(mixed.status == 2 && mixed.stderr.contains("is a run of scenario \"other\", not \"synthetic\""), "\(mixed.stderr)")
    }

    @Test func tooFewRepetitionsMakeTheGateSayItCannotJudge() throws {
        let folder = try TemporaryFolder()
        let (a, b) = try twoRuns(Values(rps: [1000]), Values(rps: [700]), in: folder)
        let run = try compare([a, b, "--fail-on", "rps:-5%"])
        #expect(run.status == 2, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stderr.contains("gate: cannot judge: cannot tell a regression from noise with 1 + 1 repetitions"), "\(run.stderr)")
        #expect(run.stdout.contains("-30.00% (n too small)"))
        // Within the limit too: a 5% regression could hide in one repetition each as well.
        let other = try TemporaryFolder()
        let (c, d) = try twoRuns(Values(rps: [1000]), Values(rps: [990]), in: other)
        let within = try compare([c, d, "--fail-on", "rps:-5%"])
        #expect(within.status == 2 && within.stderr.contains("with 1 + 1 repetitions"), "\(within.stderr)")
    }

    @Test func errorsAreCountsJudgedWithoutATest() throws {
        let folder = try TemporaryFolder()
        let (a, b) = try twoRuns(Values(rps: Self.steady, errors: [0, 0, 0, 0, 0]), Values(rps: Self.steady, errors: [0, 3, 2, 4, 1]), in: folder)
        let run = try compare([a, b, "--fail-on", "errors:+0"])
        #expect(run.status == 1 && run.stderr.contains("errors 0 → 2 (+2)"), "\(run.stderr)")
        #expect(try compare([a, b, "--fail-on", "errors:+5"]).status == 0)
    }

    @Test func cellsInOnlyOneRunAreListedAndAFailedCellFailsTheGate() throws {
        let folder = try TemporaryFolder()
        let good = Values(rps: Self.steady)
        let a = try SyntheticRuns.write(in: folder, name: "20261201T000000Z-a", cells: [("workers=1", [("proxied-dynamic", good)]), ("workers=2", [("proxied-dynamic", good)])])
        let b = try SyntheticRuns.write(in: folder, name: "20261201T010000Z-b", cells: [("workers=1", nil), ("workers=4", [("proxied-dynamic", good)])])
        let run = try compare([folder.path, "--fail-on", "rps:-5%"])  // the folder of runs: both, oldest first
        #expect(run.status == 1, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("workers=4 · proxied-dynamic: measured in B; not in A (not in this run)"), "\(run.stdout)")
        #expect(run.stdout.contains("workers=1 · proxied-dynamic: measured in A; not in B (cell failed: pool killed by signal 9)"), "\(run.stdout)")
        #expect(run.stderr.contains("workers=1 · proxied-dynamic: measured in the baseline, not in 20261201T010000Z-b (cell failed"), "\(run.stderr)")
        #expect(run.stderr.contains("workers=2 · proxied-dynamic: measured in the baseline, not in 20261201T010000Z-b (not in this run)"), "\(run.stderr)")
        _ = (a, b)
    }

    @Test func badInputExits2WithTheReason() throws {
        let folder = try TemporaryFolder()
        let (a, b) = try twoRuns(Values(rps: Self.steady), Values(rps: Self.steady), in: folder)
        try "{\"schema\": \"stackbench.run/2\", \"cells\": [".write(toFile: b + "/result.json", atomically: true, encoding: .utf8)
        let corrupt = try compare([a, b])
        #expect(corrupt.status == 2 && corrupt.stderr.contains("result.json: not JSON"), "\(corrupt.stderr)")
        try "{\"schema\": \"stackbench.run/9\"}".write(toFile: b + "/result.json", atomically: true, encoding: .utf8)
        let future = try compare([a, b])
        #expect(future.status == 2 && future.stderr.contains("schema \"stackbench.run/9\": this stackbench reads \"stackbench.run/3\" and \"stackbench.run/2\""), "\(future.stderr)")
        let missing = try compare([a, folder.file("nope")])
        #expect(missing.status == 2 && missing.stderr.contains("nope: no such file or folder"), "\(missing.stderr)")
        let one = try compare([a])
        #expect(one.status == 2 && one.stderr.contains("at least two runs"), "\(one.stderr)")
        for (limits, problem) in [("rps:+5%", "a regression of rps is a drop"), ("errors:+5%", "errors is a count"),
                                  ("latency:+5%", "unknown metric \"latency\""), ("p99", "is not METRIC:LIMIT"), ("p99:+soon", "is not a limit")] {
            let run = try compare([a, a, "--fail-on", limits])
            #expect(run.status == 2 && run.stderr.contains(problem), "\(limits): \(run.stderr)")
        }
        #expect(try compare([a, a, "--format", "pdf"]).status == 2)
    }

    @Test func everyFormatRenders() throws {
        let folder = try TemporaryFolder()
        let (a, b) = try twoRuns(Values(rps: Self.steady), Values(rps: Self.steady.map { $0 * 0.8 }), in: folder)
        let json = try compare([a, b, "--format", "json"])
        let document = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(document?["schema"] as? String == "stackbench.compare/1")
        #expect(try compare([a, b, "--format", "md"]).stdout.contains("| workers=2 · proxied-dynamic |"))
        let html = try compare([a, b, "--format", "html", "--fail-on", "rps:-5%", "-o", folder.file("c.html")])
        #expect(html.status == 1)
        let page = try String(contentsOfFile: folder.file("c.html"), encoding: .utf8)
        #expect(page.contains("<svg") && page.contains("class=\"num bad\"") && page.contains("Gate: <span class=\"bad\">failed"))
    }

    @Test func theGateLeavesFlaggedWindowsOutAndSaysSo() throws {
        let folder = try TemporaryFolder()
        // B's two slow windows are client-bound: left out, B's valid windows match A's.
        let b = Values(rps: Self.steady + [600, 610], clientBound: [false, false, false, false, false, true, true])
        let (a, bFolder) = try twoRuns(Values(rps: Self.steady), b, in: folder)
        let run = try compare([a, bFolder, "--fail-on", "rps:-5%"])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stderr.contains("gate: ignored: workers=2 · proxied-dynamic: 2 flagged window(s) of 20261201T010000Z-b left out"), "\(run.stderr)")
        #expect(run.stdout.contains("(n=5, 2 flagged left out)"), "\(run.stdout)")
        // Every window flagged: nothing valid to compare, exit 2.
        let other = try TemporaryFolder()
        let (c, d) = try twoRuns(Values(rps: Self.steady), Values(rps: [500, 510], clientBound: [true, true]), in: other)
        let nothing = try compare([c, d, "--fail-on", "rps:-5%"])
        #expect(nothing.status == 2, "\(nothing.stderr)")
        #expect(nothing.stderr.contains("nothing valid to compare in 20261201T010000Z-b: all 2 window(s) flagged (client-bound)"), "\(nothing.stderr)")
    }
}
