import BenchSupport
import Foundation
import Results

/// What each matrix key does to each target, as benchstat projects a sweep: for a key and one of its values
/// against the key's first value, over every pair of configurations that differ only in that key, the ratio of
/// req/s (and p99) with its 95% interval (RatioEstimate: the geometric mean, round by round where the rounds are
/// recorded) and a mark: significant when the interval leaves out 1 and every side has 4 or more windows; `~`
/// otherwise. Keys a target does not read have no row for it.
extension RunAnalysis {
    struct SettingEffect {
        var key: String
        var from: String
        var to: String
        var target: String
        /// Pairs of configurations that differ only in `key` (`from` → `to`).
        var pairs: Int
        var rps: RatioEstimate
        var p99: RatioEstimate
    }

    /// Every key with two or more values among the finished cells, against each target that reads it.
    var settingEffects: [SettingEffect] {
        var keys: [(name: String, values: [String])] = []
        for setting in okCells.flatMap(\.settings) {
            if let index = keys.firstIndex(where: { $0.name == setting.name }) {
                if !keys[index].values.contains(setting.value) { keys[index].values.append(setting.value) }
            } else {
                keys.append((setting.name, [setting.value]))
            }
        }
        var effects: [SettingEffect] = []
        for key in keys where key.values.count > 1 {
            for target in targetNames {
                let configurations = configurations(of: target)
                guard let first = configurations.first, first.settings.contains(where: { $0.name == key.name }) else { continue }
                for value in key.values.dropFirst() {
                    let pairs = configurations.filter { $0.settings.contains { $0.name == key.name && $0.value == key.values[0] } }
                        .compactMap { base -> (Target, Target)? in
                            let wanted = base.settings.map { $0.name == key.name ? CellSetting(name: $0.name, value: value, component: $0.component) : $0 }
                            return configurations.first { $0.settings == wanted }.map { (base.target, $0.target) }
                        }
                    guard !pairs.isEmpty else { continue }
                    effects.append(SettingEffect(key: key.name, from: key.values[0], to: value, target: target, pairs: pairs.count,
                                                 rps: RatioEstimate(pairs, metric: pairs[0].0.searches != nil ? .capacity : .rps),
                                                 p99: RatioEstimate(pairs, metric: .p99)))
                }
            }
        }
        return effects
    }

    /// Per target that reads a swept key, one sentence for the Answers: the keys whose effect is significant, with
    /// it, and those whose effect is not.
    var effectFindings: [String] {
        let effects = settingEffects
        return targetNames.compactMap { target in
            let mine = effects.filter { $0.target == target }
            guard !mine.isEmpty else { return nil }
            let significant = mine.filter(\.rps.significant)
            let quiet = mine.map(\.key).filter { key in !significant.contains { $0.key == key } }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            var parts = significant.map { "\($0.key) \($0.from) → \($0.to): \($0.rps.text) req/s" }
            if !quiet.isEmpty { parts.append("no significant effect of " + quiet.joined(separator: ", ")) }
            return "What the settings do to \(target): " + parts.joined(separator: "; ")
        }
    }
}
