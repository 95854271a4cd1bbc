import ArgumentParser
import BenchSupport
import Foundation
import LoadEngine

/// `stackbench merge A.json B.json …`: the results of agents that loaded one server together, as one result.
struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Merge the JSON results of several `stackbench load` agents into one, exactly.",
        discussion: "Latency histograms are added bucket by bucket, so the merged percentiles are those of every "
            + "response together; counts and rates are summed; the per-second series is aligned on wall-clock "
            + "seconds. Each agent's client CPU and warnings are kept. The results must share the schema and overlap "
            + "in time (start the agents with --start-at).")

    @Argument(help: "Results written by `stackbench load --json` (or merged ones).") var files: [String] = []
    @Option(help: "Write the merged result as JSON to this file; - for standard output (the summary then goes to stderr).")
    var json: String?

    func run() throws {
        guard !files.isEmpty else { throw FlagError("FILE", "at least one result to merge is required") }
        let parts = try files.map { path in (source: path, result: try Self.read(path)) }
        let merged = try RunResult.merge(parts)
        let say: (String) -> Void = json == "-" ? { FileHandle.standardError.write(Data($0.utf8)) } : { print($0, terminator: "") }
        if let json { try ResultFile.write(merged, to: json) }
        var lines = ["Merged \(merged.agents?.count ?? parts.count) results, \(merged.startedAt) for "
                     + Units.fixed(merged.summary.elapsedSeconds, 2) + "s"]
        for agent in merged.agents ?? [] {
            let cpu = agent.clientCPU
            lines.append("  \(agent.name): \(agent.responses) responses, \(Units.formatCount(agent.responsesPerSecond)) req/s, "
                         + "client CPU \(Units.percent(cpu.shareOfCores)) of \(cpu.cores) core(s)" + (cpu.saturated ? " (client-bound)" : ""))
        }
        say(lines.joined(separator: "\n") + "\n" + LoadSummary(merged).text)
    }

    /// One load result; a one-line error naming the file when it cannot be read or is not one.
    static func read(_ path: String) throws -> RunResult {
        // A JSON result of a long load with many seconds and buckets stays far below 256 MiB.
        let data = Data(try FileSystem.readText(path, maximumBytes: 256 << 20).utf8)
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw FileError(path: path, problem: "is not a JSON object")
        }
        guard let schema = object["schema"] as? String, schema.hasPrefix("stackbench.load/") else {
            throw FileError(path: path, problem: "is not a `stackbench load` result (schema \(object["schema"].map { "\($0)" } ?? "missing"))")
        }
        guard schema == RunResult.currentSchema else {
            throw FileError(path: path, problem: "has schema \(schema), but merge reads \(RunResult.currentSchema) "
                            + "(results of this stackbench version)")
        }
        do {
            return try JSONDecoder().decode(RunResult.self, from: data)
        } catch {
            throw FileError(path: path, problem: "is not a complete \(schema) result (\(Self.describe(error)))")
        }
    }

    private static func describe(_ error: Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, let context): return "missing \(path(context.codingPath + [key]))"
        case .valueNotFound(_, let context), .typeMismatch(_, let context), .dataCorrupted(let context):
            return "bad value at \(path(context.codingPath))"
        default: return "\(error)"
        }
    }

    private static func path(_ keys: [CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().drop { $0 == "." }.description
    }
}
