import BenchSupport
import Foundation
import Results

/// One line of `thresholds:`: `proxied-static.rps > 5000`, `proxied-dynamic.p99 < 50ms`, `errors == 0`, or a ratio
/// of two targets, `proxied-static.rps / dev-server.rps > 1.5`. A metric without a target applies to every target.
/// It is checked in every cell, against the median over repetitions; latencies compare in microseconds, written
/// with a unit (us, ms, s) or bare (microseconds).
public struct Threshold: Sendable, Equatable {
    public var text: String
    public var line: Int?
    public var left: Operand
    public var divisor: Operand?
    public var comparison: Comparison
    public var limit: Double

    public struct Operand: Sendable, Equatable {
        /// nil: every target.
        public var target: String?
        public var metric: Metric
    }


    public enum Comparison: String, Sendable, CaseIterable {
        case greaterOrEqual = ">=", lessOrEqual = "<=", equal = "==", notEqual = "!=", greater = ">", less = "<"

        func holds(_ value: Double, _ limit: Double) -> Bool {
            switch self {
            case .greater: value > limit
            case .greaterOrEqual: value >= limit
            case .less: value < limit
            case .lessOrEqual: value <= limit
            case .equal: value == limit
            case .notEqual: value != limit
            }
        }
    }

    /// Parses one threshold; `targets` are the scenario's target names. The error text is the problem only.
    public static func parse(_ text: String, line: Int?, targets: [String]) throws(ThresholdSyntax) -> Threshold {
        guard let comparison = Comparison.allCases.first(where: { text.contains($0.rawValue) }),
              let range = text.range(of: comparison.rawValue) else {
            throw ThresholdSyntax("\"\(text)\" has no comparison (one of > >= < <= == !=)")
        }
        let expression = text[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
        let limitText = text[range.upperBound...].trimmingCharacters(in: .whitespaces)
        let parts = expression.split(separator: "/", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count <= 2 else { throw ThresholdSyntax("\"\(text)\": at most one \"/\" (a ratio of two targets)") }
        let left = try operand(parts[0], targets: targets)
        let divisor = try parts.count == 2 ? operand(parts[1], targets: targets) : nil
        if divisor != nil, left.target == nil || divisor?.target == nil {
            throw ThresholdSyntax("\"\(text)\": a ratio names a target on both sides (proxied-static.rps / dev-server.rps)")
        }
        guard let limit = value(limitText, latency: divisor == nil && left.metric.isLatency) else {
            throw ThresholdSyntax("\"\(text)\": \"\(limitText)\" is not a number\(left.metric.isLatency && divisor == nil ? " or a duration (50ms)" : "")")
        }
        return Threshold(text: text, line: line, left: left, divisor: divisor, comparison: comparison, limit: limit)
    }

    private static func operand(_ text: String, targets: [String]) throws(ThresholdSyntax) -> Operand {
        if let metric = Metric(rawValue: text) { return Operand(target: nil, metric: metric) }
        guard let dot = text.firstIndex(of: ".") else {
            throw ThresholdSyntax("\"\(text)\" is neither a metric (\(Metric.allCases.map(\.rawValue).joined(separator: ", "))) nor target.metric")
        }
        let target = String(text[..<dot])
        let metricName = String(text[text.index(after: dot)...])
        guard targets.contains(target) else {
            throw ThresholdSyntax("unknown target \"\(target)\"" + Suggestion.hint(for: target, in: targets))
        }
        guard let metric = Metric(rawValue: metricName) else {
            throw ThresholdSyntax("unknown metric \"\(metricName)\"" + Suggestion.hint(for: metricName, in: Metric.allCases.map(\.rawValue)))
        }
        return Operand(target: target, metric: metric)
    }

    private static func value(_ text: String, latency: Bool) -> Double? {
        if let number = Double(text), number.isFinite { return number }
        guard latency, let nanos = Units.parseDuration(text) else { return nil }
        return Double(nanos) / 1000
    }

    /// The outcome in one cell. `value(target, metric)` gives the measured median, nil when not measured.
    public func check(targets: [String], value: (String, Metric) -> Double?) -> [Verdict] {
        let names = left.target.map { [$0] } ?? targets
        return names.map { name in
            guard let measured = value(name, left.metric) else { return Verdict(target: name, value: nil, passed: false) }
            var result = measured
            if let divisor, let target = divisor.target {
                guard let below = value(target, divisor.metric), below != 0 else { return Verdict(target: name, value: nil, passed: false) }
                result = measured / below
            }
            return Verdict(target: name, value: result, passed: comparison.holds(result, limit))
        }
    }

    public struct Verdict: Sendable, Equatable {
        public var target: String
        /// nil when the target was not measured in this cell (the threshold fails).
        public var value: Double?
        public var passed: Bool
    }
}

/// Why a threshold line does not parse.
public struct ThresholdSyntax: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
