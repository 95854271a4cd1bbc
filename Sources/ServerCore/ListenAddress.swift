import BenchSupport

/// Where a server listens, as users write it: `8000`, `127.0.0.1:8000`, `localhost:8000`, `[::1]:8000`,
/// `:8000` (all interfaces, uWSGI's form), or a unix socket path.
public enum ListenAddress: Equatable, Sendable, CustomStringConvertible {
    /// A TCP host (name or literal, without brackets) and port.
    case tcp(host: String, port: Int)
    /// A unix socket path.
    case unix(path: String)

    /// Parses `text`; `defaultHost` fills a bare port. Nil when it is none of the accepted forms.
    public static func parse(_ text: String, defaultHost: String = "127.0.0.1") -> ListenAddress? {
        if text.contains("/") { return .unix(path: text) }
        if let port = portNumber(Substring(text)) { return .tcp(host: defaultHost, port: port) }
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            let host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard !host.isEmpty, rest.hasPrefix(":"), let port = portNumber(rest.dropFirst()) else { return nil }
            return .tcp(host: String(host), port: port)
        }
        guard let colon = text.lastIndex(of: ":"), let port = portNumber(text[text.index(after: colon)...]) else {
            return nil
        }
        let host = text[..<colon]
        guard !host.contains(":") else { return nil }
        return .tcp(host: host.isEmpty ? "0.0.0.0" : String(host), port: port)
    }

    /// The address as a URL authority or path: `127.0.0.1:8000`, `[::1]:8000`, `/run/x.sock`.
    public var description: String {
        switch self {
        case .tcp(let host, let port): return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .unix(let path): return path
        }
    }

    private static func portNumber(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 5, text.allSatisfy(\.isASCIIDigit), let port = Int(text),
              port <= 65535 else { return nil }
        return port
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
