import BenchSupport
import Foundation
import Yams

/// One YAML value with the file and line it came from, so every error can name both.
public struct YAMLValue {
    /// The parsed node.
    public let node: Node
    /// The file as the user named it.
    public let file: String
    /// The dotted key path that led here (`load.connections`), or nil at the root.
    public let key: String?

    /// The 1-based line of the value.
    public var line: Int? { node.mark?.line }

    /// Reads and parses `file`; an empty file is an empty mapping.
    public static func load(file: String) throws -> YAMLValue {
        try parse(FileSystem.readText(file), file: file)
    }

    /// Parses `text` as the contents of `file`.
    public static func parse(_ text: String, file: String) throws -> YAMLValue {
        do {
            let node = try Yams.compose(yaml: text) ?? Node.mapping(Node.Mapping([]))
            return YAMLValue(node: node, file: file, key: nil)
        } catch let error as YamlError {
            var line = Self.line(of: error)
            if case .duplicatedKeysInMapping(let duplicates, _) = error, let key = duplicates.first {
                line = Self.lineOfRepeat(of: key, in: text) ?? line
            }
            throw ConfigError(file: file, line: line, key: nil, problem: Self.problem(of: error))
        }
    }

    /// A problem at this value.
    public func error(_ problem: String) -> ConfigError {
        ConfigError(file: file, line: line, key: key, problem: problem)
    }

    /// The entries of a mapping, in file order; any key outside `allowedKeys` is an error naming the closest one.
    public func mapping(allowedKeys: [String]) throws -> [(key: String, value: YAMLValue)] {
        guard case .mapping(let mapping) = node else { throw error("must be a mapping of keys to values") }
        var entries: [(key: String, value: YAMLValue)] = []
        for (keyNode, valueNode) in mapping {
            guard let name = keyNode.scalar?.string else {
                throw ConfigError(file: file, line: keyNode.mark?.line, key: key, problem: "keys must be plain names")
            }
            let path = key.map { "\($0).\(name)" } ?? name
            guard allowedKeys.contains(name) else {
                throw ConfigError(file: file, line: keyNode.mark?.line, key: path,
                                  problem: "unknown key" + Suggestion.hint(for: name, in: allowedKeys))
            }
            entries.append((name, YAMLValue(node: valueNode, file: file, key: path)))
        }
        return entries
    }

    /// The items of a sequence.
    public func sequence() throws -> [YAMLValue] {
        guard case .sequence(let sequence) = node else { throw error("must be a list, got \(describe())") }
        return sequence.enumerated().map { index, item in
            YAMLValue(node: item, file: file, key: "\(key ?? "")[\(index)]")
        }
    }

    /// A scalar as text (numbers and booleans included, as written).
    public func string() throws -> String {
        guard let scalar = node.scalar, !(scalar.style == .plain && node.null != nil) else {
            throw error("must be a string, got \(describe())")
        }
        return scalar.string
    }

    /// A boolean in any YAML 1.1 spelling (true/false, yes/no, on/off, True/False).
    public func bool() throws -> Bool {
        guard node.scalar != nil, let value = node.bool else {
            throw error("must be true or false, got \(describe())")
        }
        return value
    }

    /// A whole number.
    public func int() throws -> Int {
        guard node.scalar != nil, let value = node.int else { throw error("must be a whole number, got \(describe())") }
        return value
    }

    /// How the value reads in an error message.
    public func describe() -> String {
        switch node {
        case .scalar(let scalar): return node.null != nil && scalar.style == .plain ? "nothing" : "\"\(scalar.string)\""
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    /// The line where `key:` appears for the second time (libyaml reports the mapping's start instead).
    private static func lineOfRepeat(of key: String, in text: String) -> Int? {
        var seen = 0
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        for (index, line) in lines.enumerated() {
            let trimmed = line.drop { $0 == " " || $0 == "-" }
            guard trimmed.hasPrefix(key) else { continue }
            let rest = trimmed.dropFirst(key.count).drop { $0 == " " }
            guard rest.hasPrefix(":") else { continue }
            seen += 1
            if seen == 2 { return index + 1 }
        }
        return nil
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        case .duplicatedKeysInMapping(_, let context): return context.mark.line
        default: return nil
        }
    }

    private static func problem(of error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, _, _), .parser(let context, let problem, _, _),
             .composer(let context, let problem, _, _):
            return "invalid YAML: " + [context?.text, problem].compactMap { $0 }.joined(separator: ", ")
        case .duplicatedKeysInMapping(let duplicates, _):
            return "duplicate key \(duplicates.map { "\"\($0)\"" }.joined(separator: ", "))"
        case .reader(let problem, _, _, _): return "unreadable YAML: \(problem)"
        default: return "invalid YAML: \(error)"
        }
    }
}
