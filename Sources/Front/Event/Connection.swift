import BenchSupport
import CLinux
import Foundation
import ServerCore
import StackConfig

/// One client connection: reads request heads into its own buffer, admits each request (Admission), answers it
/// from disk (Connection+Static) or through the upstream (Connection+Upstream, the body relayed in
/// Connection+Relay), writes what it answers (Connection+Writing), logs the request and keeps the connection for
/// the next one or closes it (Connection+Ending). Its phases and timers are `ConnectionPhase`'s. Its
/// buffers are allocated once, with the connection, and reused for every keep-alive request.
final class Connection {
    let descriptor: CInt
    unowned let loop: FrontLoop
    let context: FrontContext
    let listen: NginxListen.Address
    let number: Int
    /// The most input buffer a connection starts with.
    static let initialInputLimit = 64 * 1024
    /// Where this connection sits in the loop's list (kept by the loop).
    var loopIndex = 0

    var phase = ConnectionPhase.awaitingHead(idle: false)
    /// Monotonic milliseconds at which the running timer expires (0: none).
    var deadline = 0

    var input: ByteArray
    var output: ByteArray
    var path: ByteArray
    var head = RequestHead()
    /// Bytes of `output` already written.
    var outputSent = 0
    /// The last read filled the input buffer: more may wait in the socket (epoll is edge-triggered).
    var inputMayHaveMore = false
    var peerClosed = false
    var writeBlocked = false
    /// After the response: the client's unread bytes are drained before closing, so it reads the answer (nginx's
    /// lingering close) instead of losing it to a reset.
    var lingerUntil = 0

    /// Requests begun on this connection (`$connection_requests`, keepalive_requests).
    var requests = 0
    /// The request being answered (or the last one answered, until the next head).
    var request: RequestState
    var startMilliseconds = 0
    /// A file being sent by sendfile after the head: descriptor, next offset, end.
    var file: CInt = -1
    /// The open_file_cache entry that owns `file` (nil: the connection closes it).
    var fileOwner: OpenFileCache.Entry?
    var fileOffset = 0
    var fileEnd = 0
    var upstream: UpstreamExchange?

    /// Body bytes of an answered request still to be skipped before the next head (nginx discards them).
    var discardRemaining = 0
    var closedOnce = false

    let remoteAddress: StableBytes
    let remotePort: StableBytes
    let serverPort: StableBytes

    init(descriptor: CInt, loop: FrontLoop, context: FrontContext, listen: NginxListen.Address, number: Int, peer: sockaddr_storage) {
        self.descriptor = descriptor
        self.loop = loop
        self.context = context
        self.listen = listen
        self.number = number
        let defaultServer = context.routes.byListen[listen]!.first!
        request = RequestState(server: defaultServer, route: defaultServer.scope, headLength: 0)
        let scope = defaultServer.scope.scope
        // client_header_buffer_size up to 64 KiB at once; a larger one (nginx takes 8589934592) grows as a head
        // needs it, so a config value never allocates gigabytes per connection.
        input = ByteArray(capacity: min(max(scope.clientHeaderBufferSize, 1024), Self.initialInputLimit))
        output = ByteArray(capacity: 16 * 1024 + 512)
        path = ByteArray(capacity: 256)
        (remoteAddress, remotePort) = PeerAddress(peer).logBytes
        if case .tcp(_, let port) = listen { serverPort = StableBytes(String(port)) } else { serverPort = StableBytes("") }
    }

    deinit {
        input.release()
        output.release()
        path.release()
    }

    func start() {
        setTimer()
    }

    var scope: NginxScope { request.route.scope }

    // MARK: phases and timers

    func move(_ event: ConnectionPhase.Event) {
        guard let next = phase.next(event) else { fail(); return }
        phase = next
        setTimer()
    }

    /// Starts the timer of the current phase (client_header_timeout runs from the head's first byte, so each move
    /// into a phase starts its timer once, not at every read).
    func setTimer() {
        guard let timer = phase.timeout(scope, writeBlocked: writeBlocked), timer.milliseconds > 0 else { deadline = 0; return }
        timerKind = timer.kind
        deadline = CheckedArithmetic.sum(loop.now, timer.milliseconds) ?? Int.max  // `keepalive_timeout 9223372036854775807ms` is valid nginx
        loop.noteDeadline(deadline)
    }

    private(set) var timerKind = ConnectionPhase.TimeoutKind.clientHeader
    var noDelaySet = false

    /// The running timer expired.
    func timedOut() {
        if lingerUntil != 0 { close(); return }
        switch phase {
        case .closed: return
        case .connectingUpstream: upstreamFailed(.connectTimeout)
        case .sendingUpstream: upstreamFailed(.sendTimeout)
        case .awaitingUpstreamHead: upstreamFailed(.readTimeout(whileHead: true))
        case .relaying where timerKind == .upstreamRead: upstreamFailed(.readTimeout(whileHead: false))
        default:
            // nginx logs a body that timed out as 408; a head that never completed, and a send that stalled, it
            // closes without more.
            if phase == .readingBody { request.status = 408; logRequest() }
            close()
        }
    }

    // MARK: events

    func clientEvent(_ events: UInt32) {
        if events & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0 { readable(events) }
        if phase != .closed, events & EPOLLOUT.rawValue != 0, writeBlocked { writable() }
    }

    private func readable(_ events: UInt32) {
        if lingerUntil != 0 { drainLingering(); return }
        switch phase {
        case .awaitingHead, .readingBody:
            readInput()
            drive()
        case .closed: return
        default:
            // The client sent more (a pipelined request) while this one is answered: read later. A client that
            // went away aborts the exchange (nginx's 499).
            inputMayHaveMore = true
            if events & (EPOLLRDHUP.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0 { clientAborted() }
        }
    }

    private func writable() {
        writeBlocked = false
        switch phase {
        case .writing: drive()
        case .relaying: relayToClient()
        default: _ = flush()
        }
    }

    /// Reads what the socket holds into `input`, growing it up to the head limit while a head is incomplete.
    func readInput() {
        inputMayHaveMore = false
        while true {
            if input.room == 0 {
                guard case .awaitingHead = phase, input.capacity <= headLimits.head else { inputMayHaveMore = true; return }
                input.reserve(input.capacity)
            }
            let room = input.room
            let received = read(descriptor, input.tail, room)
            if received > 0 {
                input.count += received
                if received < room { return }
                continue
            }
            if received == 0 { peerClosed = true; return }
            if errno == EINTR { continue }
            if errno != EAGAIN { peerClosed = true }
            return
        }
    }

    var headLimits: RequestHead.Limits {
        let scope = request.server.scope.scope
        return RequestHead.Limits(line: scope.largeClientHeaderBufferSize,
                                  head: CheckedArithmetic.product(scope.largeClientHeaderBufferSize, 4) ?? .max)
    }

    /// Makes all the progress possible without waiting: heads parsed and answered, pipelined ones included.
    func drive() {
        while true {
            switch phase {
            case .awaitingHead:
                guard stepHead() else { return }
            case .readingBody:
                guard stepBody() else { return }
            case .writing:
                guard flush(), finishFile() else { return }
                finishRequest()
            default:
                return
            }
        }
    }

    /// Parses the buffered bytes; true when a head was taken (the phase moved on).
    private func stepHead() -> Bool {
        if input.isEmpty, inputMayHaveMore { readInput() }
        guard !input.isEmpty else {
            if peerClosed { close() }
            return false
        }
        if phase == .awaitingHead(idle: true) {
            startMilliseconds = loop.clock.milliseconds
            move(.firstByte)
        } else if requests == 0 || startMilliseconds == 0 {
            startMilliseconds = loop.clock.milliseconds
        }
        if discardRemaining > 0 {
            let skipped = min(discardRemaining, input.count)
            input.removeFirst(skipped)
            discardRemaining -= skipped
            if input.isEmpty { return readMore() }
        }
        switch head.parse(input.bytes, limits: headLimits) {
        case .incomplete:
            return readMore()
        case .refused(let code):
            requests += 1
            refuseHead(code == 494 ? 400 : code)
            return true
        case .complete(let length):
            requests += 1
            begin(headLength: length)
            return true
        }
    }

    /// Reads again when the socket may hold more; true when bytes arrived (parse again), else waits for epoll.
    private func readMore() -> Bool {
        let before = input.count
        if inputMayHaveMore { readInput() }
        if input.count > before { return true }
        if peerClosed { close() }
        return false
    }

    /// A head that could not be read: the answer closes the connection.
    private func refuseHead(_ code: Int) {
        let server = context.routes.byListen[listen]!.first!
        request = RequestState(server: server, route: server.scope, headLength: input.count)
        head.line = head.line.clamped(to: 0..<input.count)
        path.removeAll()
        move(.headAnswered)
        answerError(code)
    }

    /// Routes the request just parsed and starts answering it.
    private func begin(headLength: Int) {
        let bytes = input.bytes
        let server = context.routes.server(on: listen, hostHeader: head.host.map { head.value($0, in: bytes) }) ?? request.server
        var query: Range<Int>?
        var valid = true
        switch RequestPath.normalise(UnsafeRawBufferPointer(rebasing: bytes[head.target]), into: &path) {
        case .success(let range): query = range
        case .failure: valid = false; path.removeAll()
        }
        let route = valid ? (FrontRoutes.location(in: server.locations, for: path.bytes) ?? server.scope) : server.scope
        let scope = route.scope
        request = RequestState(
            server: server, route: route, query: query, headLength: headLength,
            keepAlive: head.wantsKeepAlive(bytes) && scope.keepaliveTimeout > 0 && requests < scope.keepaliveRequests,
            isHead: head.method.count == 4 && UnsafeRawBufferPointer(rebasing: bytes[head.method]).equals("HEAD"))
        switch Admission.decide(head: head, pathIsValid: valid, scope: scope) {
        case .refuse(let code):
            move(.headAnswered)
            answerError(code)
        case .serveStatic:
            move(.headAnswered)
            if head.declaredLength > 0 || head.chunked { sendContinueIfExpected() }  // nginx too, before discarding the body
            serveStatic()
        case .proxy(let upstream):
            beginProxy(to: upstream)
        }
    }
}
