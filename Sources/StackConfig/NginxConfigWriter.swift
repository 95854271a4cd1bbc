import Foundation

/// nginx.conf text from directives: what the parser reads, written back (a rewritten config that nginx and the
/// front both load). Arguments are quoted only when they must be.
public enum NginxConfigText {
    /// One argument as nginx reads it back: bare when it is a plain word, else double-quoted with `"` and `\`
    /// escaped.
    public static func quote(_ argument: String) -> String {
        let special: Set<Character> = [" ", "\t", "\n", "\r", ";", "{", "}", "\"", "'", "\\", "#"]
        guard argument.isEmpty || argument.contains(where: special.contains) else { return argument }
        return "\"" + argument.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// The `log_format main` that server blocks such as the seed's name (`access_log ... main`), as nginx.org's
    /// packaged nginx.conf defines it (Debian's defines none).
    public static let mainLogFormat = """
        log_format main '$remote_addr - $remote_user [$time_local] "$request" '
                        '$status $body_bytes_sent "$http_referer" '
                        '"$http_user_agent" "$http_x_forwarded_for"';
        """

    /// nginx's stock `mime.types` and `uwsgi_params`, for a rewritten config to include by name.
    public static func stockFile(_ name: String) -> String? { NginxBuiltinFiles.text[name] }

    /// The directives, one per line, blocks indented by four spaces.
    public static func text(_ directives: [NginxDirective], depth: Int = 0) -> String {
        let indent = String(repeating: "    ", count: depth)
        return directives.map { directive in
            let head = ([directive.name] + directive.arguments.map(quote)).joined(separator: " ")
            guard let block = directive.block else { return "\(indent)\(head);\n" }
            return "\(indent)\(head) {\n" + text(block, depth: depth + 1) + "\(indent)}\n"
        }.joined()
    }
}

extension NginxDirective {
    public init(_ name: String, _ arguments: [String], block: [NginxDirective]? = nil) {
        self.init(name: name, arguments: arguments, file: "", line: 0, block: block)
    }
}
