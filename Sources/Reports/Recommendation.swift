import BenchSupport
import Foundation
import Results

/// The sentence per target that says what to do with its settings, as benchstat's rows and hyperfine's "X times
/// faster" do: the best setting when it is significantly better than every other; else the settings that tie with
/// the top (none of them significantly below it, each compared with the top round by round or by rank), the cheapest
/// of them (fewest workers × threads), and by how much the tie beats the lowest. The effect table and this sentence
/// then never read as contradicting each other: a significant `workers 1 -> 2` sits beside "workers 2 and 4 tie".
extension RunAnalysis {
    func recommendation(of target: String) -> String? {
        guard let best = bestSetting(of: target) else { return nil }
        if best.significant {
            return "Settings for \(target): use \(best.label), better than the runner-up (\(best.runnerUp)) \(best.leadText)"
        }
        guard best.testable else {
            return "Settings for \(target): the \(best.cells) cannot be told apart with these repetitions (add rounds)"
        }
        let ranked = configurations(of: target).filter { $0.target.median != nil }
            .sorted { $0.target.median!.rankingValue > $1.target.median!.rankingValue }
        guard let top = ranked.first else { return nil }
        let tie = ranked.filter { $0.label == top.label || !Self.lead(of: top.target, over: $0.target).significant }
        let below = ranked.filter { candidate in !tie.contains { $0.label == candidate.label } }
        var sentence = tie.count == ranked.count
            ? "Settings for \(target): all \(ranked.count) tie (none significantly better than another)"
            : "Settings for \(target): \(Self.list(tie.map(\.label))) tie at the top"
        if let lowest = below.last, let bottom = lowest.target.median?.rankingValue, bottom > 0,
           let weakest = tie.last?.target.median?.rankingValue {
            sentence += "; \(tie.count == 2 ? "both beat" : tie.count > 2 ? "each beats" : "it beats") the lowest (\(lowest.label)) by "
                + "\(Units.formatRatio(weakest / bottom)) or more"
        }
        if tie.count > 1, let cheapest = tie.min(by: { Self.cost($0.label) < Self.cost($1.label) }),
           Self.cost(cheapest.label) < .max {
            sentence += "; the cheapest of the tie: \(cheapest.label)"
        }
        return sentence
    }

    /// What a setting costs in processes and threads: workers (or processes) × threads from its label; `.max` when
    /// the label names neither.
    static func cost(_ label: String) -> Int {
        var workers: Int?, threads: Int?
        for part in label.split(separator: " ") {
            let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2, let value = Int(pair[1]) else { continue }
            if pair[0] == "workers" || pair[0] == "processes" { workers = value }
            if pair[0] == "threads" { threads = value }
        }
        guard workers != nil || threads != nil else { return .max }
        return (workers ?? 1) * (threads ?? 1)
    }

    private static func list(_ labels: [String]) -> String {
        labels.count < 3 ? labels.joined(separator: " and ") : labels.dropLast().joined(separator: ", ") + " and " + labels.last!
    }
}
