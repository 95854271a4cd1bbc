import StackConfig

/// What the front knows of the request a connection is answering, made anew from each head (`Connection.begin`,
/// `Connection.refuseHead`), so nothing of an earlier keep-alive request carries over by a forgotten reset. The
/// connection's own state (buffers, phase, timers, the open file, the upstream exchange) stays on `Connection`.
struct RequestState {
    /// The server block chosen by the Host header (the listen's default until a head names one).
    var server: FrontRoutes.Server
    /// The location chosen by the normalised path; an index file can move it (Connection+Static).
    var route: FrontRoutes.Route
    /// Where the query string sits in the request target (after `?`), nil without one.
    var query: Range<Int>?
    /// Bytes of the head in the input buffer, and of the body taken so far (for `$request_length`).
    var headLength: Int
    var bodyLength = 0
    var keepAlive: Bool
    var isHead: Bool
    /// The status answered (0 until one is chosen); `$status`.
    var status = 0
    /// `$body_bytes_sent` and `$bytes_sent` (the latter without the bytes still in the output buffer).
    var bodyBytesSent = 0
    var bytesSent = 0
    /// The body was read for the upstream and removed from the input as it was taken.
    var bodyTaken = false

    init(server: FrontRoutes.Server, route: FrontRoutes.Route, query: Range<Int>? = nil, headLength: Int,
         keepAlive: Bool = false, isHead: Bool = false) {
        self.server = server
        self.route = route
        self.query = query
        self.headLength = headLength
        self.keepAlive = keepAlive
        self.isHead = isHead
    }
}
