import BenchSupport
import Foundation

/// One directive of an nginx.conf as written: its name, arguments (quotes removed, escapes resolved), where it
/// stands, and its block when it has one. `include` is already replaced by the included files' directives.
public struct NginxDirective: Sendable, Equatable {
    public var name: String
    public var arguments: [String]
    /// The file as named (the main file as given, an include as resolved) and the 1-based line of the name.
    public var file: String
    public var line: Int
    /// The directives inside `{ }`, or nil for a simple directive ending in `;`.
    public var block: [NginxDirective]?
}

/// An nginx configuration error, worded as nginx words it (`nginx: [emerg] unknown directive "foo" in
/// /path/nginx.conf:12`). nginx exits 1 on a bad configuration, and so does `stackbench front`.
public struct NginxConfigError: UserFacingError, Equatable {
    public let file: String
    public let line: Int?
    public let problem: String

    public init(file: String, line: Int?, _ problem: String) {
        self.file = file
        self.line = line
        self.problem = problem
    }

    init(_ directive: NginxDirective, _ problem: String) {
        self.init(file: directive.file, line: directive.line, problem)
    }

    public var exitStatus: ExitStatus { .thresholdsFailed }
    public var description: String {
        "front: [emerg] \(problem) in \(file)" + (line.map { ":\($0)" } ?? "")
    }
}

/// Reads nginx.conf syntax (shared/spec/nginx-subset.md §1): whitespace-separated tokens, `;` ends a directive,
/// `{ }` a block, `"`/`'` quotes with backslash escapes, `#` comments. `include PATH` (a glob, relative to the main
/// file's directory) is expanded in place; `mime.types` and `uwsgi_params` fall back to stackbench's built-in
/// copies (NginxBuiltinFiles) when no such file exists there, so a bare server block works anywhere.
public enum NginxConfigParser {
    /// Parses `path` and every file it includes.
    public static func parse(file path: String) throws -> [NginxDirective] {
        let text = try readConfig(path, includedFrom: nil)
        let directory = (path as NSString).deletingLastPathComponent
        return try parse(text: text, file: path, directory: directory.isEmpty ? "." : directory, depth: 0)
    }

    /// Parses `text` as if it were the file `file`; includes resolve against `directory`.
    public static func parse(text: String, file: String, directory: String, depth: Int = 0) throws -> [NginxDirective] {
        var tokens = Tokenizer(text: text, file: file)
        let directives = try block(&tokens, closedByBrace: false, depth: 0)
        return try expandIncludes(directives, directory: directory, depth: depth)
    }

    /// Blocks nest at most this deep: far past any real config (nginx's contexts are 3 or 4 deep, locations inside
    /// locations a few more), and well short of what the parser's recursion could take.
    static let maximumNesting = 64

    private static func block(_ tokens: inout Tokenizer, closedByBrace: Bool, depth: Int) throws -> [NginxDirective] {
        var directives: [NginxDirective] = []
        var words: [(text: String, line: Int)] = []
        while let token = try tokens.next() {
            switch token.kind {
            case .word:
                words.append((token.text, token.line))
            case .semicolon:
                guard let name = words.first else { throw tokens.error(token.line, "unexpected \";\"") }
                directives.append(NginxDirective(name: name.text, arguments: words.dropFirst().map(\.text),
                                                 file: tokens.file, line: name.line, block: nil))
                words = []
            case .open:
                guard let name = words.first else { throw tokens.error(token.line, "unexpected \"{\"") }
                guard depth < maximumNesting else { throw tokens.error(token.line, "blocks nested more than \(maximumNesting) deep") }
                let inner = try block(&tokens, closedByBrace: true, depth: depth + 1)
                directives.append(NginxDirective(name: name.text, arguments: words.dropFirst().map(\.text),
                                                 file: tokens.file, line: name.line, block: inner))
                words = []
            case .close:
                guard closedByBrace else { throw tokens.error(token.line, "unexpected \"}\"") }
                guard words.isEmpty else { throw tokens.error(token.line, "unexpected \"}\"") }
                return directives
            }
        }
        if !words.isEmpty || closedByBrace { throw tokens.error(tokens.line, "unexpected end of file, expecting \";\" or \"}\"") }
        return directives
    }

    /// `include`s in directives built or rewritten after parsing, expanded as `parse` expands them.
    public static func expandIncludes(_ directives: [NginxDirective], directory: String) throws -> [NginxDirective] {
        try expandIncludes(directives, directory: directory, depth: 0)
    }

    private static func expandIncludes(_ directives: [NginxDirective], directory: String, depth: Int) throws -> [NginxDirective] {
        var result: [NginxDirective] = []
        for var directive in directives {
            if directive.name == "include" {
                guard directive.arguments.count == 1, directive.block == nil else {
                    throw NginxConfigError(directive, "invalid number of arguments in \"include\" directive")
                }
                guard depth < 16 else { throw NginxConfigError(directive, "too deeply nested includes (an include loop?)") }
                for (file, text) in try includedFiles(directive.arguments[0], directory: directory, directive: directive) {
                    result += try parse(text: text, file: file, directory: directory, depth: depth + 1)
                }
                continue
            }
            if let block = directive.block {
                directive.block = try expandIncludes(block, directory: directory, depth: depth)
            }
            result.append(directive)
        }
        return result
    }

    /// The files an `include` names, in glob order; a built-in copy for a missing `mime.types` / `uwsgi_params`.
    private static func includedFiles(_ pattern: String, directory: String, directive: NginxDirective) throws -> [(String, String)] {
        let full = pattern.hasPrefix("/") ? pattern : directory + "/" + pattern
        if pattern.contains(where: { "*?[".contains($0) }) {
            return try FileSystem.glob(full).map { ($0, try readConfig($0, includedFrom: directive)) }
        }
        if !FileManager.default.fileExists(atPath: full), let builtin = NginxBuiltinFiles.text[(pattern as NSString).lastPathComponent] {
            return [("<built-in \((pattern as NSString).lastPathComponent)>", builtin)]
        }
        return [(full, try readConfig(full, includedFrom: directive))]
    }

    /// The file's text (FileSystem.readText: a FIFO refused at once, a device or file past 16 MiB too large), a
    /// failure in nginx's words: `open() "PATH" failed (REASON)`.
    private static func readConfig(_ path: String, includedFrom directive: NginxDirective?) throws -> String {
        do {
            return try FileSystem.readText(path)
        } catch let error as FileError {
            let reason = error.problem.hasPrefix("cannot read: ") ? String(error.problem.dropFirst(13)) : error.problem
            let text = reason == "not UTF-8 text" ? "the file is not UTF-8 text" : "open() \"\(path)\" failed (\(reason))"
            if let directive { throw NginxConfigError(directive, text) }
            throw NginxConfigError(file: path, line: nil, text)
        }
    }
}

/// The tokens of nginx.conf: words (quoted or not), `;`, `{`, `}`.
private struct Tokenizer {
    enum Kind { case word, semicolon, open, close }
    struct Token { var kind: Kind; var text: String; var line: Int }

    let bytes: [UInt8]
    let file: String
    var index = 0
    var line = 1

    init(text: String, file: String) {
        bytes = Array(text.utf8)
        self.file = file
    }

    func error(_ line: Int, _ problem: String) -> NginxConfigError { NginxConfigError(file: file, line: line, problem) }

    mutating func next() throws -> Token? {
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\n"): line += 1; index += 1
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"): index += 1
            case UInt8(ascii: "#"):
                while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
            case UInt8(ascii: ";"): index += 1; return Token(kind: .semicolon, text: ";", line: line)
            case UInt8(ascii: "{"): index += 1; return Token(kind: .open, text: "{", line: line)
            case UInt8(ascii: "}"): index += 1; return Token(kind: .close, text: "}", line: line)
            case UInt8(ascii: "\""), UInt8(ascii: "'"): return try quoted(byte)
            default: return bare()
            }
        }
        return nil
    }

    private mutating func quoted(_ quote: UInt8) throws -> Token {
        let start = line
        index += 1
        var word: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if byte == quote {
                if index < bytes.count, !" \t\r\n;{}".utf8.contains(bytes[index]) {
                    throw error(line, "unexpected \"\(Character(Unicode.Scalar(bytes[index])))\"")
                }
                return Token(kind: .word, text: String(decoding: word, as: UTF8.self), line: start)
            }
            if byte == UInt8(ascii: "\n") { line += 1 }
            if byte == UInt8(ascii: "\\"), index < bytes.count {
                let escaped = bytes[index]
                index += 1
                switch escaped {
                case quote, UInt8(ascii: "\\"): word.append(escaped)
                case UInt8(ascii: "t"): word.append(UInt8(ascii: "\t"))
                case UInt8(ascii: "r"): word.append(UInt8(ascii: "\r"))
                case UInt8(ascii: "n"): word.append(UInt8(ascii: "\n"))
                default: word += [byte, escaped]
                }
                continue
            }
            word.append(byte)
        }
        throw error(start, "unexpected end of file, expecting \(quote == UInt8(ascii: "\"") ? "\"\\\"\"" : "\"'\"")")
    }

    private mutating func bare() -> Token {
        let start = index
        while index < bytes.count, !" \t\r\n;{}".utf8.contains(bytes[index]) { index += 1 }
        return Token(kind: .word, text: String(decoding: bytes[start..<index], as: UTF8.self), line: line)
    }
}
