import StackConfig

/// What the front does with a request whose head has been read, decided from the head alone before any I/O: refuse
/// it with a status, serve it from disk, or pass it upstream. Pure: tested without sockets.
enum Admission: Equatable {
    /// Answer with this status at once (before any body is read, as nginx does for 413 and 501).
    case refuse(Int)
    /// A static file (or index, or redirect) under the route's root or alias.
    case serveStatic
    /// Read the body (if any), then pass the request to `upstream`.
    case proxy(NginxUpstream)

    /// nginx's order: a bad URI is 400; a body over client_max_body_size is 413 in any location; then the
    /// location's handler: uwsgi_pass, or the static module.
    static func decide(head: RequestHead, pathIsValid: Bool, scope: NginxScope) -> Admission {
        guard pathIsValid else { return .refuse(400) }
        if scope.clientMaxBodySize > 0, head.declaredLength > scope.clientMaxBodySize { return .refuse(413) }
        if let upstream = scope.uwsgiPass { return .proxy(upstream) }
        return .serveStatic
    }
}
