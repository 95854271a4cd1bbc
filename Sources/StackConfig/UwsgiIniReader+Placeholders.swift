import BenchSupport
import Foundation

extension UwsgiIniReader {
    /// The passes uWSGI runs over every value once all files are read: `$(NAME)` from the environment, `@(PATH)`
    /// from a file (one trailing newline dropped), then `%(key)` from the first option (or `set-placeholder`) with
    /// that key; unknown references stay as written; spaces inside `%( )` mean arithmetic (`%(workers + 1)`).
    static func resolve(_ options: [UwsgiOption], environment: [String: String]) throws -> [UwsgiOption] {
        var expanded = options
        for index in expanded.indices {
            expanded[index].value = replaceReferences(in: expanded[index].value, opening: "$(") { environment[$0] }
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
            expanded[index].value = replaceReferences(in: expanded[index].value, opening: "%(") { name in
                name.contains(" ") ? arithmetic(name, placeholders) : placeholders[name]
            }
        }
        return expanded
    }

    /// Replaces each `OPEN name )`, innermost first, with `lookup(name)`; a nil lookup leaves the text in place.
    static func replaceReferences(in text: String, opening: String, lookup: (String) -> String?) -> String {
        var result = text
        var searchEnd = result.endIndex
        while let open = result.range(of: opening, options: .backwards, range: result.startIndex..<searchEnd) {
            guard let close = result[open.upperBound...].firstIndex(of: ")") else {
                searchEnd = open.lowerBound
                continue
            }
            let name = String(result[open.upperBound..<close])
            if let value = lookup(name) {
                result.replaceSubrange(open.lowerBound...close, with: value)
                searchEnd = result.endIndex
            } else {
                searchEnd = open.lowerBound
            }
        }
        return result
    }

    private static func replaceFileReferences(in option: UwsgiOption) throws -> String {
        var failure: ConfigError?
        let value = replaceReferences(in: option.value, opening: "@(") { path in
            guard let text = try? FileSystem.readText(path) else {
                failure = ConfigError(file: option.file, line: option.line, key: option.key, problem: "cannot read @(\(path))")
                return ""
            }
            return text.hasSuffix("\n") ? String(text.dropLast()) : text
        }
        if let failure { throw failure }
        return value
    }

    /// `%(a + 1)`: numbers and keys joined by `+ - * /` (left to right, integer; division by zero gives 0), or by
    /// nothing (concatenation).
    static func arithmetic(_ expression: String, _ placeholders: [String: String]) -> String {
        let tokens = expression.split(separator: " ").map(String.init)
        func operand(_ token: String) -> String { placeholders[token] ?? token }
        var text = operand(tokens.first ?? "")
        var number = Int(text)
        var index = 1
        while index < tokens.count {
            let token = tokens[index]
            if ["+", "-", "*", "/"].contains(token), index + 1 < tokens.count, let left = number,
               let right = Int(operand(tokens[index + 1])) {
                switch token {
                case "+": number = left + right
                case "-": number = left - right
                case "*": number = left * right
                default: number = right == 0 ? 0 : left / right
                }
                text = String(number!)
                index += 2
            } else if token == "++" || token == "--", let left = number {
                number = token == "++" ? left + 1 : left - 1
                text = String(number!)
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
