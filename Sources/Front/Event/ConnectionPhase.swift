import StackConfig

/// The phases of one client connection and the moves between them, as nginx's http module walks them
/// (ngx_http_wait_request_handler, read_client_request_body, upstream, finalize, set_keepalive). A value with no
/// I/O: the connection asks it which move an event makes and which timer runs in each phase, so both are tested
/// without sockets.
enum ConnectionPhase: Equatable {
    /// Waiting for a request head. `idle`: no byte of it has arrived yet after an earlier request (keep-alive).
    case awaitingHead(idle: Bool)
    /// Reading a request body that goes upstream.
    case readingBody
    /// Connecting to the upstream, then sending it the request.
    case connectingUpstream
    case sendingUpstream
    /// Waiting for the upstream's response head.
    case awaitingUpstreamHead
    /// Passing the upstream's body to the client.
    case relaying
    /// Writing a response the front made itself (a static file, an error page).
    case writing
    case closed

    enum Event: Equatable {
        case firstByte
        /// A complete head: answered at once, or with a body to read first for the upstream, or passed upstream.
        case headAnswered
        case headWithBody
        case headProxied
        case bodyRead
        case upstreamConnected
        case upstreamRequestSent
        case upstreamHeadRead
        /// An index file maps to a proxied location (nginx's internal redirect): the request starts over there.
        case internalRedirect
        /// The upstream failed: before a head was relayed the front answers with an error page; while relaying, what
        /// the client already has is written out and the connection closes.
        case upstreamFailed
        /// The upstream's body is all read; the tail of it (the last chunk) is still being written.
        case upstreamBodyRead
        /// The response is complete: keep the connection, or close it.
        case responseDone(keepAlive: Bool)
        /// The connection closes: a failure, an abort, or the end of the last response (a lingering close included).
        case closing
    }

    /// The phase after `event`, or nil when the event cannot happen in this phase (a bug: the connection closes).
    func next(_ event: Event) -> ConnectionPhase? {
        switch (self, event) {
        case (_, .closing): return .closed
        case (.awaitingHead(idle: true), .firstByte): return .awaitingHead(idle: false)
        case (.awaitingHead, .headAnswered): return .writing
        case (.awaitingHead, .headWithBody): return .readingBody
        case (.awaitingHead, .headProxied), (.readingBody, .bodyRead): return .connectingUpstream
        case (.connectingUpstream, .upstreamConnected): return .sendingUpstream
        case (.sendingUpstream, .upstreamRequestSent): return .awaitingUpstreamHead
        case (.awaitingUpstreamHead, .upstreamHeadRead): return .relaying
        case (.readingBody, .headAnswered): return .writing  // refused mid-body (413 on a chunked body)
        case (.writing, .internalRedirect): return .awaitingHead(idle: false)
        case (.connectingUpstream, .upstreamFailed), (.sendingUpstream, .upstreamFailed), (.awaitingUpstreamHead, .upstreamFailed),
             (.relaying, .upstreamFailed), (.relaying, .upstreamBodyRead):
            return .writing
        case (.writing, .responseDone(let keep)), (.relaying, .responseDone(let keep)),
             (.connectingUpstream, .responseDone(let keep)), (.sendingUpstream, .responseDone(let keep)),
             (.awaitingUpstreamHead, .responseDone(let keep)):
            return keep ? .awaitingHead(idle: true) : .closed
        default: return nil
        }
    }

    /// Which timeout runs, in milliseconds (nil: none), as nginx's directives assign them: keepalive_timeout while
    /// idle between requests, client_header_timeout from a head's first byte (or the connection's start).
    /// `writeBlocked`: the client is not taking the bytes written (send_timeout runs instead while writing).
    func timeout(_ scope: NginxScope, writeBlocked: Bool) -> (kind: TimeoutKind, milliseconds: Int)? {
        switch self {
        case .awaitingHead(let idle):
            if idle { return scope.keepaliveTimeout > 0 ? (.keepalive, scope.keepaliveTimeout) : nil }
            return (.clientHeader, scope.clientHeaderTimeout)
        case .readingBody: return (.clientBody, scope.clientBodyTimeout)
        case .connectingUpstream: return (.upstreamConnect, scope.uwsgiConnectTimeout)
        case .sendingUpstream: return (.upstreamSend, scope.uwsgiSendTimeout)
        case .awaitingUpstreamHead: return (.upstreamReadHead, scope.uwsgiReadTimeout)
        case .relaying: return writeBlocked ? (.send, scope.sendTimeout) : (.upstreamRead, scope.uwsgiReadTimeout)
        case .writing: return writeBlocked ? (.send, scope.sendTimeout) : nil
        case .closed: return nil
        }
    }

    enum TimeoutKind: Equatable {
        case clientHeader, keepalive, clientBody, send, upstreamConnect, upstreamSend, upstreamReadHead, upstreamRead
    }
}
