import BenchSupport
import Foundation
import Results
@testable import Reports
import StackbenchTesting
import Testing

/// The analysis both report.md and report.html are laid out from, on synthetic results: which cells count,
/// the best cell, the order of the ratios, stacks side by side, and what is listed as not to trust.
@Suite struct RunAnalysisTests {
    typealias Values = SyntheticRuns.TargetValues

    static func result(_ cells: [(String, [(String, Values)]?)]) throws -> ScenarioResult {
        let folder = try TemporaryFolder()
        return try RunFolder.read(try SyntheticRuns.write(in: folder, name: "run", cells: cells)).result
    }

    @Test func failedCellsAreLeftOutAndTheBestCellMustBeatTheRunnerUp() throws {
        let result = try Self.result([
            ("workers=1", [("dev-server", Values(rps: [900, 1000, 1100, 950, 1050]))]),
            ("workers=2", [("dev-server", Values(rps: [1900, 2000, 2100, 1950, 2050]))]),
            ("workers=4", nil),
        ])
        #expect(RunAnalysis(result).okCells.map(\.label) == ["workers=1", "workers=2"])
        #expect(RunAnalysis(result).targetNames == ["dev-server"])
        #expect(RunAnalysis(result).medians(of: "dev-server").map(\.median.rps) == [1000, 2000])
        let best = try #require(RunAnalysis(result).bestSetting(of: "dev-server"))
        #expect(best.significant && best.label == "workers=2" && best.runnerUp == "workers=1" && best.pValue < 0.05)
        #expect(RunAnalysis(result).bestCell(of: "dev-server") == "workers=2")
        #expect(MarkdownReport(result: result).text.contains("better than the runner-up (workers=1) at p=0.008"))
    }

    @Test func aLeadInsideTheNoiseOrFromTooFewRepetitionsIsNoBest() throws {
        let tie = try Self.result([
            ("workers=1", [("dev-server", Values(rps: [1297, 1350, 1250, 1310, 1280]))]),
            ("workers=2", [("dev-server", Values(rps: [1309, 1260, 1340, 1290, 1300]))]),
        ])
        #expect(RunAnalysis(tie).bestCell(of: "dev-server") == nil, "1309 against 1297, both noisy: a tie")
        #expect(MarkdownReport(result: tie).text.contains("no setting is significantly better among 2"))
        let once = try Self.result([("a", [("dev-server", Values(rps: [1000]))]), ("b", [("dev-server", Values(rps: [1900]))])])
        #expect(RunAnalysis(once).bestCell(of: "dev-server") == nil)
        #expect(MarkdownReport(result: once).text.contains("too few repetitions"))
        #expect(!MarkdownReport(result: once).text.contains("**best**"))
    }

    @Test func ratiosDivideEachLaterTargetByEachEarlierOne() {
        #expect(RunAnalysis.pairs(["dev", "static", "dynamic"]).map { "\($0.0)/\($0.1)" } == ["static/dev", "dynamic/dev", "dynamic/static"])
        #expect(RunAnalysis.pairs(["only"]).isEmpty)
    }

    @Test func stacksSideBySideGroupTheOtherSettings() throws {
        var result = try Self.result([
            ("stack=swift workers=2", [("proxied-dynamic", Values(rps: [3000, 3100, 2900]))]),
            ("stack=reference workers=2", [("proxied-dynamic", Values(rps: [1500, 1550, 1450]))]),
        ])
        for index in result.cells.indices {
            let stack = index == 0 ? "swift" : "reference"
            result.cells[index].settings = [.init(name: "stack", value: stack, component: .stack), .init(name: "workers", value: "2", component: .uwsgi)]
        }
        #expect(RunAnalysis(result).stackNames == ["swift", "reference"] && RunAnalysis(result).baselineStack == "reference")
        let sides = RunAnalysis(result).sideBySide()
        let group = try #require(sides.first?.groups.first)
        #expect(sides.count == 1 && group.settings == "workers=2")
        #expect(group.ratio("swift", over: "reference") == 2)
        #expect(group.ratioText("swift", over: "reference") == "2.00x ± 0.09", "hyperfine's ±: 2 × √(2 × 0.0333²)")
    }

    @Test func flaggedWindowsAreListedNotToTrust() throws {
        let result = try Self.result([("workers=2", [("proxied-static", Values(rps: [60000, 61000], clientBound: [true, false]))])])
        #expect(RunAnalysis(result).validityRows == [.init(cell: "workers=2", target: "proxied-static", window: 1, kind: "client-bound",
                                              detail: "the client's core was 97% busy")])
        #expect(MarkdownReport(result: result).text.contains("| workers=2 | proxied-static | 1 | client-bound | the client's core was 97% busy |"))
        #expect(RunAnalysis(result).isFlagged(result[cell: 0, target: 0]))
    }

    @Test func ratiosCarryTheirUncertaintyAndNeverRoundToZero() throws {
        let result = try Self.result([("workers=2", [("dev-server", Values(rps: [1000, 1100, 900])), ("proxied-static", Values(rps: [2600, 2500, 2700]))])])
        // 2600 / 1000 with relative deviations 0.1 and 0.0385: ± 2.6 × 0.1072 = 0.28
        #expect(RunAnalysis(result).rpsRatioText("proxied-static", "dev-server", in: result.cells[0]) == "2.60x ± 0.28")
        let once = try Self.result([("c", [("dev-server", Values(rps: [10_000])), ("slow", Values(rps: [52]))])])
        #expect(RunAnalysis(once).rpsRatioText("slow", "dev-server", in: once.cells[0]) == "0.0052x", "one repetition: no ±, and not 0.01x")
        #expect(Units.formatRatio(0.0052, plusMinus: 0.0004) == "0.0052x ± 0.0004")
        #expect(Units.formatRatio(1.5) == "1.50x")
    }

    /// "The front over the dev server" divides the same file by the same file: with a dev-server target that sends
    /// the proxied-static target's URL, that one is the base; without one, the sentence says what each sends.
    @Test func theFrontOverTheDevServerComparesTheSameURLs() throws {
        var result = try Self.result([("workers=2", [("dev-server", Values(rps: [1000, 1000, 1000])),
                                                     ("dev-server-static", Values(rps: [2000, 2000, 2000])),
                                                     ("proxied-static", Values(rps: [5000, 5000, 5000]))])])
        for (index, (kind, url)) in [(TargetKind.devServer, "http://127.0.0.1:8000/admin/login/"), (.devServer, "http://127.0.0.1:8000/static/a.css"),
                                     (.proxiedStatic, "http://127.0.0.1:8080/static/a.css")].enumerated() {
            result[cell: 0, target: index].kind = kind
            result[cell: 0, target: index].url = url
        }
        let finding = try #require(RunAnalysis(result).answers?.findings.first)
        #expect(finding.hasPrefix("The front serving static files, over the dev server serving the same files: 2.50x")
                && finding.hasSuffix("(proxied-static / dev-server-static req/s)"), "\(finding)")
        result.cells[0].configurations.remove(at: 1)
        let unlike = try #require(RunAnalysis(result).answers?.findings.first)
        #expect(unlike.hasPrefix("The front serving static files, over the dev server (not like for like: proxied-static sends "
                                 + "/static/a.css; dev-server sends /admin/login/): 5.00x"), "\(unlike)")
        #expect(MarkdownReport(result: result).text.contains("A dev-server target; sends /admin/login/"))
    }

    /// A significant effect of workers 1 -> 2 and a tie between 2 and 4 read together: the tie said as a tie, by
    /// how much it beats the lowest, and the cheapest of it.
    @Test func aTieAtTheTopIsSaidAsATieWithItsCheapestSetting() throws {
        let result = try Self.result([
            ("workers=1", [("proxied-dynamic", Values(rps: [990, 1000, 1010, 995, 1005]))]),
            ("workers=2", [("proxied-dynamic", Values(rps: [1990, 2000, 2010, 1995, 2005]))]),
            ("workers=4", [("proxied-dynamic", Values(rps: [2000, 2010, 1990, 2015, 1985]))]),
        ])
        let sentence = try #require(RunAnalysis(result).recommendation(of: "proxied-dynamic"))
        #expect(sentence == "Settings for proxied-dynamic: workers=2 and workers=4 tie at the top; both beat the lowest (workers=1) by 2.00x or more; "
                + "the cheapest of the tie: workers=2", "\(sentence)")
        let clear = try Self.result([
            ("workers=1", [("proxied-dynamic", Values(rps: [990, 1000, 1010, 995, 1005]))]),
            ("workers=2", [("proxied-dynamic", Values(rps: [1990, 2000, 2010, 1995, 2005]))]),
        ])
        #expect(RunAnalysis(clear).recommendation(of: "proxied-dynamic")?.hasPrefix("Settings for proxied-dynamic: use workers=2, better than the runner-up (workers=1)") == true)
        #expect(RunAnalysis.cost("stack=swift workers=3 threads=2") == 6 && RunAnalysis.cost("keepalive_timeout=0") == .max)
    }

    @Test func theAnswersGiveEachRatioWithItsUncertaintyAndTheCaveats() throws {
        var result = try Self.result([("workers=4", [("dev-server", Values(rps: [1000, 1100, 900])),
                                                     ("proxied-static", Values(rps: [2600, 2500, 2700], clientBound: [true, false, false]))])])
        result[cell: 0, target: 0].kind = .devServer
        result[cell: 0, target: 1].kind = .proxiedStatic
        result.cells[0].settings = [.init(name: "workers", value: "4", component: .uwsgi)]
        result.load.serverCPUs = "1"
        let answers = try #require(RunAnalysis(result).answers)
        // A window of the static path measured the client: the comparison is void, its ratio only a floor.
        #expect(answers.findings.filter { !$0.hasPrefix("Where ") } == ["The front serving static files, over the dev server serving the same files: void: the client was over 90% busy in "
                                     + "1 of 3 windows of proxied-static, so those windows measured the load generator, not the "
                                     + "server (2.60x as measured, a floor; proxied-static / dev-server req/s)"])
        #expect(answers.caveats.contains { $0.hasPrefix("1 window(s) were client-bound") })
        var unbound = result
        unbound[cell: 0, target: 1].repetitions[0].flags = nil
        #expect(RunAnalysis(unbound).answers?.findings.filter { !$0.hasPrefix("Where ") } == ["The front serving static files, over the dev server serving the same files: 2.60x ± 0.28 (proxied-static / dev-server req/s)"])
        var ceiling = unbound
        ceiling[cell: 0, target: 0].repetitions[2].flags = [.init(kind: .clientBound, detail: "97%")]
        #expect(RunAnalysis(ceiling).answers?.findings.first?.contains("1 of 3 windows of dev-server") == true)
        #expect(RunAnalysis(ceiling).answers?.findings.first?.contains("a ceiling") == true)
        #expect(answers.caveats.contains { $0.hasPrefix("more pool workers than the 1 server core(s) in 1 cell(s) (workers=4)") })
        let text = MarkdownReport(result: result).text
        #expect(text.range(of: "## Answers")!.lowerBound < text.range(of: "## dev-server")!.lowerBound, "the answers open the report")
    }
}

extension RunAnalysisTests {
    @Test func aTargetThatAnsweredErrorsUnderLoadIsSaidUpFrontWithItsStatusCounts() throws {
        var result = try Self.result([("workers=2", [("dev-server", Values(rps: [900, 1000])), ("proxied-dynamic", Values(rps: [500, 510]))])])
        result[cell: 0, target: 1].repetitions[0].load.statusCodes = ["200": 400, "500": 100]
        result[cell: 0, target: 1].repetitions[1].load.statusCodes = ["500": 10, "502": 2]
        let caveats = try #require(RunAnalysis(result).answers).caveats
        #expect(caveats.contains("proxied-dynamic (workers=2) answered non-2xx/3xx under load (500: 110, 502: 2): its req/s counts those answers too; see the status codes in its windows"), "\(caveats)")
        #expect(!caveats.contains { $0.hasPrefix("dev-server answered") })
    }
}
