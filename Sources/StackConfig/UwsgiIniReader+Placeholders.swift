import BenchSupport
import Foundation

extension UwsgiIniReader {
    /// The passes uWSGI runs over every value once all files are read: `$(NAME)` from the environment, `@(PATH)`
    /// from a file (one trailing newline dropped), then `%(key)` from the first option (or `set-placeholder`) with
    /// that key; unknown references stay as written; spaces inside `%( )` mean arithmetic (`%(workers + 1)`).
    static func resolve(_ options: [UwsgiOption], environment: [String: String]) throws -> [UwsgiOption] {
        var expanded = options
        for index in expanded.indices {
            expanded[index].value = try replaceReferences(in: expanded[index], opening: "$(") { environment[$0] }
            expanded[index].value = try replaceFileReferences(in: expanded[index])
        }
        var placeholders: [String: String] = [:]
        for option in expanded {
            if ["set-placeholder", "set-ph", "set"].contains(option.key) {
                let parts = option.value.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                if parts.count == 2, placeholders[String(parts[0])] == nil {
                    placeholders[String(parts[0])] = String(parts[1])
                }
            } else if placeholders[option.key] == nil {
                placeholders[option.key] = option.value
            }
        }
        for index in expanded.indices {
            let option = expanded[index]
            expanded[index].value = try replaceReferences(in: option, opening: "%(") { name in
                guard name.contains(" ") else { return placeholders[name] }
                guard let value = arithmetic(name, placeholders) else {
                    throw ConfigError(file: option.file, line: option.line, key: option.key, problem: "%(\(name)) overflows a 64-bit integer")
                }
                return value
            }
        }
        return expanded
    }

    /// At most this many references replaced in one value, and at most this long a value: a placeholder that
    /// names itself (`print = %(print)`), two that name each other, or forty that each double the last would
    /// otherwise expand without end.
    static let maximumReplacements = 1000
    static let maximumValueBytes = 1 << 20

    /// `replaceReferences` on an option's value, within the budget; past it, an error naming the option.
    private static func replaceReferences(in option: UwsgiOption, opening: String, lookup: (String) throws -> String?) throws -> String {
        var replacements = 0
        var overBudget = false
        let value = try replaceReferences(in: option.value, opening: opening) { name in
            replacements += 1
            guard replacements <= maximumReplacements else { overBudget = true; return nil }
            return try lookup(name)
        } grew: { length in
            if length > maximumValueBytes { overBudget = true }
            return !overBudget
        }
        if overBudget {
            throw ConfigError(file: option.file, line: option.line, key: option.key,
                              problem: "\(opening)...) references expand without end (more than \(maximumReplacements) replacements or \(maximumValueBytes >> 20) MiB; a placeholder that names itself?)")
        }
        return value
    }

    /// Replaces each `OPEN name )`, innermost first, with `lookup(name)`; a nil lookup leaves the text in place.
    /// `grew` sees the length after each replacement and stops the expansion by answering false.
    static func replaceReferences(in text: String, opening: String, lookup: (String) throws -> String?,
                                  grew: (Int) -> Bool = { _ in true }) rethrows -> String {
        var result = text
        var searchEnd = result.endIndex
        while let open = result.range(of: opening, options: .backwards, range: result.startIndex..<searchEnd) {
            guard let close = result[open.upperBound...].firstIndex(of: ")") else {
                searchEnd = open.lowerBound
                continue
            }
            let name = String(result[open.upperBound..<close])
            if let value = try lookup(name) {
                result.replaceSubrange(open.lowerBound...close, with: value)
                guard grew(result.utf8.count) else { return result }
                searchEnd = result.endIndex
            } else {
                searchEnd = open.lowerBound
            }
        }
        return result
    }

    /// `@(PATH)`: the file's text (one trailing newline dropped); a FIFO, a device past 16 MiB or a file that
    /// cannot be read is an error naming the option and the reason.
    private static func replaceFileReferences(in option: UwsgiOption) throws -> String {
        try replaceReferences(in: option, opening: "@(") { path in
            do {
                let text = try FileSystem.readText(path, maximumBytes: maximumValueBytes)
                return text.hasSuffix("\n") ? String(text.dropLast()) : text
            } catch let error as FileError {
                throw ConfigError(file: option.file, line: option.line, key: option.key,
                                  problem: "cannot read @(\(path)): " + error.problem.replacingOccurrences(of: "cannot read: ", with: ""))
            }
        }
    }

    /// `%(a + 1)`: numbers and keys joined by `+ - * /` (left to right, integer; division by zero gives 0), or by
    /// nothing (concatenation); nil when a step overflows a 64-bit integer (uWSGI's C arithmetic would wrap).
    static func arithmetic(_ expression: String, _ placeholders: [String: String]) -> String? {
        let tokens = expression.split(separator: " ").map(String.init)
        func operand(_ token: String) -> String { placeholders[token] ?? token }
        var text = operand(tokens.first ?? "")
        var number = Int(text)
        var index = 1
        while index < tokens.count {
            let token = tokens[index]
            if ["+", "-", "*", "/"].contains(token), index + 1 < tokens.count, let left = number,
               let right = Int(operand(tokens[index + 1])) {
                let result: Int? = switch token {
                case "+": CheckedArithmetic.sum(left, right)
                case "-": CheckedArithmetic.difference(left, right)
                case "*": CheckedArithmetic.product(left, right)
                default: right == 0 ? 0 : CheckedArithmetic.quotient(left, right)
                }
                guard let result else { return nil }
                number = result
                text = String(result)
                index += 2
            } else if token == "++" || token == "--", let left = number {
                guard let result = token == "++" ? CheckedArithmetic.sum(left, 1) : CheckedArithmetic.difference(left, 1) else { return nil }
                number = result
                text = String(result)
                index += 1
            } else {
                text += operand(token)
                number = Int(text)
                index += 1
            }
        }
        return text
    }
}
