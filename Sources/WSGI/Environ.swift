import BenchSupport

/// The CGI/WSGI variables of one request, in the order the server delivered them.
///
/// nginx's `uwsgi_params` may send a variable twice (one HTTP_* per repeated header); the list keeps every entry,
/// and lookups return the first, as uWSGI's Python plugin does when it builds its dict.
public struct Environ: Sendable {
    /// One variable. (A struct, not a tuple: arrays of tuples cost a runtime metadata lookup per use across
    /// modules, measured at several percent of a worker's CPU.)
    public struct Variable: Sendable, Equatable {
        public var name: String
        public var value: String

        /// Creates a variable.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The variables in delivery order, duplicates kept.
    public private(set) var variables: [Variable]

    /// Creates an environ from pairs in delivery order.
    public init(_ entries: [(name: String, value: String)] = []) {
        variables = entries.map { Variable(name: $0.name, value: $0.value) }
    }

    /// Creates an empty environ with room for `capacity` variables.
    public init(capacity: Int) {
        variables = []
        variables.reserveCapacity(capacity)
    }

    /// The variables as (name, value) pairs.
    public var entries: [(name: String, value: String)] { variables.map { ($0.name, $0.value) } }

    /// Appends one variable.
    public mutating func append(_ name: String, _ value: String) {
        variables.append(Variable(name: name, value: value))
    }

    /// The first value of `name`, or nil when absent.
    public subscript(name: String) -> String? {
        for variable in variables where variable.name == name { return variable.value }
        return nil
    }

    /// REQUEST_METHOD (`GET` when absent, which no conforming server allows).
    public var method: String { self["REQUEST_METHOD"] ?? "GET" }

    /// PATH_INFO, already percent-decoded by the server; `/` when empty.
    public var pathInfo: String {
        let path = self["PATH_INFO"] ?? ""
        return path.isEmpty ? "/" : path
    }

    /// QUERY_STRING as received (not decoded); empty when absent.
    public var queryString: String { self["QUERY_STRING"] ?? "" }

    /// CONTENT_LENGTH as a number; nil when absent, empty or not a non-negative integer.
    public var contentLength: Int? {
        guard let text = self["CONTENT_LENGTH"], let value = Int(text), value >= 0 else { return nil }
        return value
    }

    /// CONTENT_TYPE; empty when absent.
    public var contentType: String { self["CONTENT_TYPE"] ?? "" }

    /// The request's host as the client named it: HTTP_HOST, else SERVER_NAME (PEP 3333's URL reconstruction).
    public var host: String { self["HTTP_HOST"] ?? self["SERVER_NAME"] ?? "" }

    /// The value of request header `name` (e.g. `If-Modified-Since`), from its HTTP_* variable.
    public func header(_ name: String) -> String? {
        self[Environ.variableName(forHeader: name)]
    }

    /// The first value of query parameter `name`, percent-decoded (`+` is a space), or nil.
    public func queryParameter(_ name: String) -> String? {
        for pair in queryString.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard PercentDecoding.decodeQueryComponent(parts[0]) == name else { continue }
            return parts.count > 1 ? PercentDecoding.decodeQueryComponent(parts[1]) : ""
        }
        return nil
    }

    /// The CGI variable name of an HTTP header: `Content-Type` → CONTENT_TYPE, `X-Id` → HTTP_X_ID.
    public static func variableName(forHeader name: String) -> String {
        let upper = String(name.uppercased().map { $0 == "-" ? "_" : $0 })
        if upper == "CONTENT_TYPE" || upper == "CONTENT_LENGTH" { return upper }
        return "HTTP_" + upper
    }
}

/// Percent-decoding as servers apply it to paths and apps to query components: lenient, as Python's `unquote`
/// and uWSGI are — a `%` not followed by two hex digits stays as it is.
public enum PercentDecoding {
    /// Decodes `%XX` escapes into bytes. Bytes that are not UTF-8 are kept as Latin-1 characters, as PEP 3333's
    /// "native strings" carry them.
    public static func decodePath<S: StringProtocol>(_ text: S) -> String {
        decode(text, plusIsSpace: false)
    }

    /// Decodes one `application/x-www-form-urlencoded` component: `+` is a space, then `%XX` escapes.
    public static func decodeQueryComponent<S: StringProtocol>(_ text: S) -> String {
        decode(text, plusIsSpace: true)
    }

    private static func decode<S: StringProtocol>(_ text: S, plusIsSpace: Bool) -> String {
        let source = Array(text.utf8)
        guard source.contains(where: { $0 == UInt8(ascii: "%") || plusIsSpace && $0 == UInt8(ascii: "+") }) else {
            return String(text)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(source.count)
        var index = 0
        while index < source.count {
            let byte = source[index]
            if byte == UInt8(ascii: "%"), index + 2 < source.count, let high = Hex.value(source[index + 1]),
               let low = Hex.value(source[index + 2]) {
                bytes.append(high << 4 | low)
                index += 3
                continue
            }
            bytes.append(plusIsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            index += 1
        }
        return String(validating: bytes, as: UTF8.self) ?? String(bytes.map { Character(Unicode.Scalar($0)) })
    }
}
