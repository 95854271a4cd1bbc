import Foundation
import LoadEngine
import StackbenchTesting
import Testing

/// `stackbench load --start-at/--tag` and `stackbench merge` through the built binary: two agents started together
/// against one server, merged; and the inputs merge refuses.
@Suite(.serialized) struct MergeCommandTests {
    static let stackbench = BuiltProducts.stackbench

    @Test func twoAgentsStartedTogetherMergeExactly() throws {
        let server = try FixtureHTTPServer(.init(delayMilliseconds: 1))
        defer { server.shutdown() }
        let folder = try TemporaryFolder()
        let startAt = String(format: "%.3f", Date().timeIntervalSince1970 + 1.5)
        let agents = try ["a", "b"].map { name in
            try RunningProcess(Self.stackbench, ["load", server.url(), "-c", "2", "-d", "1s", "--start-at", startAt,
                                             "--tag", name, "--json", folder.file("\(name).json")])
        }
        let ended = agents.map { $0.wait(timeout: 30) }
        for run in ended { #expect(run.status == 0, "\(run.stderr)") }
        #expect(ended[0].stdout.contains("starting at"), "\(ended[0].stdout)")
        let a = try Self.read(folder.file("a.json"))
        let b = try Self.read(folder.file("b.json"))
        #expect(a.tag == "a" && b.tag == "b")
        let starts = try [a, b].map { try #require($0.startDate) }
        #expect(abs(starts[0].timeIntervalSince(starts[1])) < 0.1, "started together: \(a.startedAt) \(b.startedAt)")
        #expect(abs(starts[0].timeIntervalSince1970 - Double(startAt)!) < 0.2, "at --start-at: \(a.startedAt)")

        let merged = try runCommand(Self.stackbench, ["merge", folder.file("a.json"), folder.file("b.json"),
                                                      "--json", folder.file("m.json")])
        #expect(merged.status == 0, "\(merged.stderr)")
        #expect(merged.stdout.contains("Merged 2 results") && merged.stdout.contains("a (\(folder.file("a.json"))):"),
                "\(merged.stdout)")
        let m = try Self.read(folder.file("m.json"))
        #expect(m.summary.responses == a.summary.responses + b.summary.responses)
        #expect(m.summary.requests == a.summary.requests + b.summary.requests)
        #expect(m.statusCodes["200"] == m.summary.responses)
        var whole = try #require(a.histogram.decoded())
        whole.add(try #require(b.histogram.decoded()))
        for percentile in Percentile.allCases {
            #expect(m.latency[percentile] == Double(whole.valueAtPercentile(percentile.value)), "p\(percentile.rawValue)")
        }
        #expect(m.agents?.count == 2 && m.config.connections == 4)
        let twice = try runCommand(Self.stackbench, ["merge", folder.file("a.json"), folder.file("a.json")])
        #expect(twice.status == 2 && twice.stderr.contains("is the same load as \(folder.file("a.json"))"), "\(twice.stderr)")
    }

    @Test func badInputsExitTwoNamingTheFileOrFlag() throws {
        let folder = try TemporaryFolder()
        try "{\"schema\": \"stackbench.run/2\"}".write(toFile: folder.file("run.json"), atomically: true, encoding: .utf8)
        try "[1, 2".write(toFile: folder.file("broken.json"), atomically: true, encoding: .utf8)
        try "{\"schema\": \"stackbench.load/1\"}".write(toFile: folder.file("old.json"), atomically: true, encoding: .utf8)
        try "{\"schema\": \"stackbench.load/2\", \"summary\": {}}".write(toFile: folder.file("partial.json"),
                                                                        atomically: true, encoding: .utf8)
        let cases: [([String], String)] = [
            (["merge"], "at least one result"),
            (["merge", folder.file("none.json")], "\(folder.file("none.json")): cannot read"),
            (["merge", folder.file("broken.json")], "\(folder.file("broken.json")): is not a JSON object"),
            (["merge", folder.file("run.json")], "is not a `stackbench load` result"),
            (["merge", folder.file("old.json")], "\(folder.file("old.json")): has schema stackbench.load/1"),
            (["merge", folder.file("partial.json")], "\(folder.file("partial.json")): is not a complete"),
            (["load", "http://127.0.0.1:1/", "--start-at", "yesterday"], "--start-at must be epoch seconds or an RFC 3339"),
            (["load", "http://127.0.0.1:1/", "--start-at", "2020-01-01T00:00:00Z"], "--start-at is "),
            (["load", "http://127.0.0.1:1/", "--start-at", "\(Int(Date().timeIntervalSince1970) - 30)"], "s in the past"),
        ]
        for (arguments, expected) in cases {
            let result = try runCommand(Self.stackbench, arguments, timeout: 30)
            #expect(result.status == 2, "\(arguments): exit \(result.status) \(result.stderr)")
            #expect(result.stderr.contains(expected) && result.stderr.split(separator: "\n").count == 1,
                    "\(arguments): \(result.stderr)")
        }
    }

    static func read(_ path: String) throws -> RunResult {
        try JSONDecoder().decode(RunResult.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
