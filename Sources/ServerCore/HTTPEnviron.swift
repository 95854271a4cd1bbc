import BenchSupport
import WSGI

/// Turns an HTTP request head into the WSGI environ, the way the server being mirrored builds it.
public enum HTTPEnviron {
    /// Whose environ to reproduce; they differ in small, documented ways (shared/spec/django-dev.md §5).
    public enum Style: Sendable {
        /// Django's runserver (wsgiref): CONTENT_TYPE `text/plain` and CONTENT_LENGTH `""` when absent, repeated
        /// headers joined with `,`, header names containing `_` dropped, GATEWAY_INTERFACE and REMOTE_HOST set.
        case runserver
        /// uWSGI's http-socket: CONTENT_TYPE/CONTENT_LENGTH only when sent, repeated headers joined with `, `,
        /// REQUEST_URI and REMOTE_PORT set.
        case uwsgiHTTPSocket
    }

    /// The server's side of the connection.
    @PublicInit
    public struct ServerIdentity: Sendable {
        /// SERVER_NAME.
        public let name: String
        /// SERVER_PORT.
        public let port: String
        /// SERVER_SOFTWARE, or nil to leave it out.
        public let software: String?
    }

    /// The environ for `head`, received from `peer`.
    public static func make(_ head: HTTPRequestHead, peer: PeerAddress, server: ServerIdentity,
                            style: Style, multithread: Bool, multiprocess: Bool) -> Environ {
        var environ = Environ(capacity: 32)
        let path = pathPart(of: head)
        if let software = server.software { environ.append("SERVER_SOFTWARE", software) }
        environ.append("REQUEST_METHOD", head.method)
        if style == .uwsgiHTTPSocket { environ.append("REQUEST_URI", head.target) }
        environ.append("SERVER_PROTOCOL", head.version)
        environ.append("SERVER_NAME", server.name)
        environ.append("SERVER_PORT", server.port)
        environ.append("SCRIPT_NAME", "")
        environ.append("PATH_INFO", bytes: PercentDecoding.decodePathBytes(path))
        environ.append("QUERY_STRING", String(head.query))
        environ.append("REMOTE_ADDR", peer.host.isEmpty ? "127.0.0.1" : peer.host)
        switch style {
        case .runserver:
            environ.append("REMOTE_HOST", "")
            environ.append("CONTENT_TYPE", head.header("Content-Type") ?? "text/plain")
            environ.append("CONTENT_LENGTH", head.header("Content-Length") ?? "")
            environ.append("GATEWAY_INTERFACE", "CGI/1.1")
        case .uwsgiHTTPSocket:
            environ.append("REMOTE_PORT", String(peer.port))
            if let type = head.header("Content-Type") { environ.append("CONTENT_TYPE", type) }
            if let length = head.header("Content-Length") { environ.append("CONTENT_LENGTH", length) }
        }
        appendHeaders(head.headers, to: &environ, style: style)
        environ.append("wsgi.url_scheme", "http")
        environ.append("wsgi.multithread", multithread ? "True" : "False")
        environ.append("wsgi.multiprocess", multiprocess ? "True" : "False")
        return environ
    }

    /// The path of the target, also for the absolute form (`http://host/path`), which proxies may send.
    static func pathPart(of head: HTTPRequestHead) -> Substring {
        let path = head.rawPath
        for scheme in ["http://", "https://"] where path.lowercased().hasPrefix(scheme) {
            let rest = path.dropFirst(scheme.count)
            return rest.firstIndex(of: "/").map { rest[$0...] } ?? "/"
        }
        return path
    }

    private static func appendHeaders(_ headers: [(name: String, value: String)], to environ: inout Environ,
                                      style: Style) {
        var merged: [Environ.Variable] = []
        let separator = style == .runserver ? "," : ", "
        for header in headers {
            if style == .runserver && header.name.contains("_") { continue }
            let name = Environ.variableName(forHeader: header.name)
            if name == "CONTENT_TYPE" || name == "CONTENT_LENGTH" { continue }
            if let index = merged.firstIndex(where: { $0.name == name }) {
                merged[index].value += separator + header.value
            } else {
                merged.append(Environ.Variable(name: name, value: header.value))
            }
        }
        for entry in merged { environ.append(entry.name, entry.value) }
    }
}
