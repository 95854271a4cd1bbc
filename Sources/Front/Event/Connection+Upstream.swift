import CLinux
import Foundation
import StackConfig

/// `uwsgi_pass` for one request: the body read whole first (nginx's request buffering, chunked bodies decoded and
/// sent with their length), the packet and body sent on a fresh non-blocking connection in the same loop, the
/// upstream's head checked and rewritten for the client (interim 1xx heads skipped), and the body relayed with the
/// front's own framing, as nginx 1.22's uwsgi module frames it — cut at its Content-Length (nothing past it reaches
/// the client), the client closed when the upstream ends short; without a length, until the upstream closes,
/// chunked by the front for an HTTP/1.1 client and ended by closing for an HTTP/1.0 one (an upstream's own
/// Transfer-Encoding is dropped, its bytes are body); dropped for HEAD, 204 and 304 — with backpressure: the
/// upstream is read only while the client takes what was read.
extension Connection {
    /// Relayed body pieces are read up to this size before being written on.
    static let relayPiece = 16 * 1024

    func beginProxy(to upstream: NginxUpstream) {
        let exchange = UpstreamExchange(upstream: upstream, address: request.route.upstreamAddress, started: loop.clock.milliseconds,
                                        bodyCapacity: head.declaredLength)
        self.upstream = exchange
        request.bodyTaken = true
        guard head.declaredLength > 0 || head.chunked else {
            move(.headProxied)
            connectUpstream()
            return
        }
        if head.chunked { exchange.chunked = ChunkedBody() }
        sendContinueIfExpected()
        move(.headWithBody)
        drive()
    }

    /// Takes the body bytes buffered so far; true when the phase moved on.
    func stepBody() -> Bool {
        guard let exchange = upstream else { fail(); return false }
        if input.count == request.headLength {
            if inputMayHaveMore { readInput() }
            if input.count == request.headLength {
                if peerClosed { clientAborted() }
                return false
            }
        }
        let available = UnsafeRawBufferPointer(rebasing: input.bytes[request.headLength...])
        var used: Int
        if exchange.chunked != nil {
            do { used = try exchange.chunked!.feed(available, into: &exchange.body) } catch {
                request.keepAlive = false
                move(.headAnswered)
                answerError(400)
                return true
            }
            if scope.clientMaxBodySize > 0, exchange.body.count > scope.clientMaxBodySize {
                request.keepAlive = false
                move(.headAnswered)
                answerError(413)
                return true
            }
        } else {
            used = min(available.count, head.declaredLength - exchange.body.count)
            exchange.body.append(UnsafeRawBufferPointer(rebasing: available[0..<used]))
        }
        input.remove(request.headLength..<(request.headLength + used))
        request.bodyLength += used
        setTimer()  // client_body_timeout runs between two reads
        let done = exchange.chunked?.isDone ?? (exchange.body.count == head.declaredLength)
        if done {
            move(.bodyRead)
            connectUpstream()
        }
        return true
    }

    private func connectUpstream() {
        guard let exchange = upstream else { return }
        var facts = self.facts()
        facts.head = head
        guard UwsgiRequestPacket.write(facts, route: request.route, clock: loop.clock, into: &exchange.out) else {
            context.errorLog(for: scope).write(.alert, connection: number, "uwsgi request is too big: \(exchange.out.count)" + logContext())
            upstream = nil
            move(.upstreamFailed)
            answerError(500)
            drive()
            return
        }
        if scope.uwsgiPassRequestBody { exchange.out.append(exchange.body.bytes) }
        if let failure = exchange.connect() {
            if exchange.descriptor >= 0 { Foundation.close(exchange.descriptor); exchange.descriptor = -1 }
            upstreamFailed(failure)
            return
        }
        loop.addUpstream(exchange.descriptor, for: self)
    }

    func upstreamEvent(_ events: UInt32) {
        guard let exchange = upstream, exchange.descriptor >= 0 else { return }
        let readable = events & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0
        switch phase {
        case .connectingUpstream:
            guard events & (EPOLLOUT.rawValue | EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 else { return }
            if let failure = exchange.connectResult() { upstreamFailed(failure); return }
            exchange.connected(at: loop.clock.milliseconds)
            move(.upstreamConnected)
            if readable { exchange.mayRead = true }
            sendUpstream()
        case .sendingUpstream:
            if readable { exchange.mayRead = true }
            if events & EPOLLOUT.rawValue != 0 { sendUpstream() }
        case .awaitingUpstreamHead:
            if readable { readUpstreamHead() }
        case .relaying:
            if readable { exchange.mayRead = true; relayToClient() }
        default: break
        }
    }

    private func sendUpstream() {
        guard let exchange = upstream else { return }
        switch exchange.send() {
        case nil:
            upstreamFailed(exchange.received.isEmpty && !exchange.mayRead ? .closedBeforeHead : .closedBeforeHead)
        case false?:
            return
        case true?:
            move(.upstreamRequestSent)
            if exchange.mayRead { readUpstreamHead() }
        }
    }

    private func readUpstreamHead() {
        guard let exchange = upstream else { return }
        var closed = false
        while true {
            if let end = headEnd(exchange) {
                guard end <= UpstreamHead.maximumLength else { upstreamFailed(.headTooBig); return }
                guard let parsed = UpstreamHead.parse(exchange.received.slice(0..<end)) else {
                    upstreamFailed(.invalidHead(exchange.received.slice(0..<min(end, 32)).string))
                    return
                }
                if parsed.isInterim {  // 100 Continue and the like: the client waits for the final answer
                    exchange.interimHeads += 1
                    guard exchange.interimHeads <= UpstreamExchange.interimHeadLimit else {
                        upstreamFailed(.invalidHead(exchange.received.slice(0..<min(end, 32)).string))
                        return
                    }
                    exchange.received.removeFirst(end)
                    continue
                }
                if closed { exchange.finished = true }
                startRelay(parsed, exchange)
                exchange.received.removeFirst(end)
                relayAfterHead(exchange)
                return
            }
            if exchange.received.count > UpstreamHead.maximumLength { upstreamFailed(.headTooBig); return }
            if closed { upstreamFailed(.closedBeforeHead); return }
            guard let count = exchange.read(limit: UpstreamHead.maximumLength + Self.relayPiece) else { return }
            if count == 0 { closed = true } else { setTimer() }  // uwsgi_read_timeout runs between two reads
        }
    }

    /// The length of the head (through its blank line) in what was received, if it is all there.
    private func headEnd(_ exchange: UpstreamExchange) -> Int? {
        let bytes = exchange.received.bytes
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4) where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index + 4
        }
        return nil
    }

    /// Writes the client's head in nginx's order (Server, Date, Content-Type, Content-Length, Last-Modified,
    /// Location, Transfer-Encoding, Connection, then the upstream's other headers) and starts relaying.
    private func startRelay(_ upstreamHead: UpstreamHead, _ exchange: UpstreamExchange) {
        exchange.headRead(status: upstreamHead.status, at: loop.clock.milliseconds)
        move(.upstreamHeadRead)
        request.status = upstreamHead.status
        let bodyAllowed = upstreamHead.allowsBody(isHead: request.isHead)
        exchange.dropBody = !bodyAllowed
        exchange.remaining = upstreamHead.contentLength
        if !bodyAllowed, upstreamHead.status == 204 || upstreamHead.status == 304 || upstreamHead.status < 200 { exchange.remaining = 0 }
        if exchange.remaining == nil, bodyAllowed || request.isHead {
            if head.isHTTP11 { exchange.encodeChunks = bodyAllowed } else { request.keepAlive = false }
        }
        output.removeAll()
        let bytes = exchange.received.bytes
        ResponseHead.beginRaw(request.status, reason: UnsafeRawBufferPointer(rebasing: bytes[upstreamHead.reason]), signature: context.signature,
                              clock: loop.clock, into: &output)
        func copy(_ header: UpstreamHead.Header) {
            output.append(UnsafeRawBufferPointer(rebasing: bytes[header.name]))
            output.append(": ")
            output.append(UnsafeRawBufferPointer(rebasing: bytes[header.value]))
            output.append("\r\n")
        }
        func named(_ header: UpstreamHead.Header, _ name: StaticString) -> Bool {
            UnsafeRawBufferPointer(rebasing: bytes[header.name]).equalsIgnoringCase(name)
        }
        for name: StaticString in ["content-type", "content-length", "last-modified", "location"] {
            if name.utf8CodeUnitCount == 14, upstreamHead.status == 204 || upstreamHead.status == 304 { continue }
            for header in upstreamHead.headers where named(header, name) { copy(header) }
        }
        if exchange.encodeChunks { output.append("Transfer-Encoding: chunked\r\n") }
        ResponseHead.connection(keepAlive: request.keepAlive, into: &output)
        for header in upstreamHead.headers {
            let skip = named(header, "connection") || named(header, "keep-alive") || named(header, "transfer-encoding")
                || named(header, "server") || named(header, "date") || named(header, "content-type")
                || named(header, "content-length") || named(header, "last-modified") || named(header, "location")
            if !skip { copy(header) }
        }
        endHead()
        exchange.mayRead = exchange.mayRead || !exchange.finished
    }

    /// The upstream failed: logged in nginx's words; answered 502/504 when no head was sent yet, else the client
    /// connection is closed after what it already got.
    func upstreamFailed(_ failure: UpstreamFailure) {
        guard let exchange = upstream else { return }
        exchange.close(loop)
        let answer = failure.answer(upstream: exchange.upstream)
        context.errorLog(for: scope).write(answer.level, connection: number, answer.message + logContext()
            + ", upstream: \"\(exchange.upstream.logName)\(path.bytes.string)\"" + hostContext())
        let relaying = phase == .relaying
        move(.upstreamFailed)
        if relaying {
            request.keepAlive = false
            drive()
            return
        }
        answerError(answer.status)
        drive()
    }

    /// `, client: ADDR, server: NAME, request: "LINE"` for error-log lines.
    func logContext() -> String {
        ", client: \(remoteAddress.bytes.string), server: \(request.server.name), request: \"\(UnsafeRawBufferPointer(rebasing: input.bytes[head.line]).string)\""
    }

    private func hostContext() -> String {
        head.host.map { ", host: \"\(head.value($0, in: input.bytes).string)\"" } ?? ""
    }
}
