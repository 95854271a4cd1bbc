import WSGI

/// The responses the teacher app builds, shaped as Django's: Content-Type with charset, Content-Length, and the
/// headers Django's default middleware adds (SecurityMiddleware, XFrameOptionsMiddleware) on every answer.
enum Responses {
    static let html = "text/html; charset=utf-8"
    static let text = "text/plain; charset=utf-8"
    static let json = "application/json"

    /// A response with `body` and Django's standard headers.
    static func make(_ status: Int, _ contentType: String, _ body: [UInt8],
                     extraHeaders: [(name: String, value: String)] = []) -> Response {
        var headers: [(name: String, value: String)] = [("Content-Type", contentType)]
        headers += extraHeaders
        headers += [
            ("X-Frame-Options", "DENY"),
            ("Content-Length", String(body.count)),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "same-origin"),
        ]
        return Response(status: status, headers: headers, body: .bytes(body))
    }

    static func text(_ status: Int, _ body: String) -> Response {
        make(status, text, Array(body.utf8))
    }

    static func json(_ status: Int, _ json: JSONText) -> Response {
        make(status, Self.json, json.bytes)
    }

    /// `{"error": "..."}` with status 400.
    static func invalid(_ problem: InvalidInput) -> Response {
        var json = JSONText()
        json.object(["error"]) { json, _ in json.string(problem.message) }
        return Self.json(400, json)
    }

    // The three below are immutable values, non-Sendable only because a ResponseBody may hold a ChunkSource, which
    // these (whole bytes) do not: safe to share.
    /// Django's production 404 page.
    nonisolated(unsafe) static let notFound = make(404, html, Array(
        "<h1>Not Found</h1><p>The requested resource was not found on this server.</p>".utf8))

    /// Django's `HttpResponseNotAllowed`: empty body, `Allow` listing the methods.
    static func methodNotAllowed(allowed: [String]) -> Response {
        make(405, html, [], extraHeaders: [("Allow", allowed.joined(separator: ", "))])
    }

    /// Django's production 400 page (DisallowedHost and friends).
    nonisolated(unsafe) static let badRequest = make(400, html, Array("<h1>Bad Request (400)</h1>".utf8))

    /// Django's production 500 page.
    nonisolated(unsafe) static let serverError = make(500, html, Array("<h1>Server Error (500)</h1>".utf8))
}
