import BenchSupport

/// A value with nginx variables (`$remote_addr`, `${uri}`), split once at load time into literal text and variable
/// names so that a request only looks values up. The variables stackbench's front knows are listed here; another
/// name is refused as nginx refuses it (`unknown "foo" variable`).
public struct NginxTemplate: Sendable, Equatable {
    public enum Part: Sendable, Equatable {
        case literal(String)
        case variable(String)
    }
    public var parts: [Part]

    /// The variables the front can produce, besides `http_*` headers.
    public static let knownVariables = Set(NginxVariable.allCases.map(\.rawValue))

    /// Splits `text`; `$name` runs over letters, digits and `_`; `${name}` ends at the brace.
    public init(parsing text: String) throws(TemplateError) {
        var parts: [Part] = []
        var literal = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            literal += rest[..<dollar]
            var after = rest[rest.index(after: dollar)...]
            let name: Substring
            if after.first == "{" {
                guard let close = after.firstIndex(of: "}") else { throw TemplateError(problem: "the closing bracket in \"\(text)\" variable is missing") }
                name = after[after.index(after: after.startIndex)..<close]
                after = after[after.index(after: close)...]
            } else {
                let end = after.firstIndex { !($0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_")) } ?? after.endIndex
                name = after[..<end]
                after = after[end...]
            }
            guard !name.isEmpty else { throw TemplateError(problem: "invalid variable name in \"\(text)\"") }
            let lowered = name.lowercased()
            guard Self.knownVariables.contains(lowered) || lowered.hasPrefix("http_") || lowered.hasPrefix("arg_")
                    || lowered.hasPrefix("cookie_") || lowered.hasPrefix("sent_http_") else {
                throw TemplateError(problem: "unknown \"\(name)\" variable")
            }
            if !literal.isEmpty { parts.append(.literal(literal)); literal = "" }
            parts.append(.variable(lowered))
            rest = after
        }
        literal += rest
        if !literal.isEmpty { parts.append(.literal(literal)) }
        self.parts = parts
    }

    /// A template error; the caller adds the file and line.
    public struct TemplateError: Error { public var problem: String }
}

/// A `log_format`: its name, how values are escaped, and the template (the strings concatenated).
@PublicInit
public struct NginxLogFormat: Sendable, Equatable {
    public enum Escape: String, Sendable { case `default`, json, none }
    public var name: String
    public var escape: Escape
    public var template: NginxTemplate

    /// nginx's built-in `combined`.
    public static let combined = NginxLogFormat(
        name: "combined", escape: .default,
        template: try! NginxTemplate(parsing: #"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent""#))
}
