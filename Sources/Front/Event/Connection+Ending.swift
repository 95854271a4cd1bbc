import CLinux
import Foundation
import StackConfig

/// The end of a request and of the connection: the log line, keep-alive or lingering close, an abort, the close.
extension Connection {
    /// The response is complete: log it, then keep the connection for the next request or close it.
    func finishRequest() {
        logRequest()
        if let upstream { upstream.close(loop); self.upstream = nil }
        var consumed = request.bodyTaken ? request.headLength : request.headLength + request.bodyLength
        if !request.bodyTaken, head.declaredLength > 0 {  // a body the answer did not need: skipped, as nginx discards it
            let buffered = min(head.declaredLength, input.count - request.headLength)
            consumed += buffered
            discardRemaining = head.declaredLength - buffered
        }
        if !request.bodyTaken, head.chunked { request.keepAlive = false }
        input.removeFirst(min(consumed, input.count))
        startMilliseconds = input.isEmpty ? 0 : loop.clock.milliseconds
        if request.keepAlive {
            if !noDelaySet, scope.tcpNodelay, case .tcp = listen { setNoDelay() }
            move(.responseDone(keepAlive: true))
        } else if !input.isEmpty || inputMayHaveMore || discardRemaining > 0 || (head.chunked && !request.bodyTaken) {
            linger()
        } else {
            close()
        }
    }

    /// nginx's `tcp_nodelay` on entering keep-alive: once per connection, and it sends at once the tail of the
    /// response that Nagle's algorithm would hold until the client's delayed ACK (40 ms a response at 100 KiB).
    func setNoDelay() {
        var one: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        noDelaySet = true
    }

    /// Half-closes and reads whatever the client still sends, for up to 5 s (nginx's lingering_timeout), so the
    /// answer is not lost to a reset caused by unread data.
    func linger() {
        move(.closing)
        shutdown(descriptor, Int32(SHUT_WR))
        input.removeAll()
        lingerUntil = loop.now + 5000
        deadline = lingerUntil
        loop.noteDeadline(deadline)
        drainLingering()
    }

    func drainLingering() {
        while true {
            let received = read(descriptor, input.base, input.capacity)
            if received > 0 { continue }
            if received < 0, errno == EINTR { continue }
            if received < 0, errno == EAGAIN { return }
            lingerUntil = 0
            close()
            return
        }
    }

    func logRequest() {
        guard !request.route.accessLogs.isEmpty else { return }
        let facts = self.facts()
        let buffers = loop.accessLogs(context)
        for target in request.route.accessLogs { buffers.append(target, facts, clock: loop.clock) }
    }

    func facts() -> RequestFacts {
        RequestFacts(input: input.bytes, head: head, path: path.bytes, query: request.query,
                     remoteAddress: remoteAddress.bytes, remotePort: remotePort.bytes, serverPort: serverPort.bytes,
                     serverName: request.server.nameBytes.bytes, documentRoot: request.route.documentRoot.bytes, status: request.status,
                     bodyBytesSent: request.bodyBytesSent, bytesSent: request.bytesSent + outputSent, requestLength: request.headLength + request.bodyLength,
                     decodedBodyLength: upstream.flatMap { $0.chunked?.isDone == true ? $0.body.count : nil },
                     startMilliseconds: startMilliseconds, connection: number, connectionRequests: requests,
                     upstream: upstream?.facts)
    }

    /// A failure on the client socket: the connection is closed without an answer.
    func fail() {
        close()
    }

    /// The client went away before the response was complete: logged as 499, as nginx does.
    func clientAborted() {
        guard phase != .closed else { return }
        if upstream != nil, phase != .relaying { request.status = 499 }
        logRequest()
        close()
    }

    func close() {
        guard !closedOnce else { return }
        closedOnce = true
        if let upstream { upstream.close(loop); self.upstream = nil }
        if file >= 0 { releaseFile() }
        move(.closing)
        lingerUntil = 0
        Foundation.close(descriptor)
        loop.closed(self)
    }
}
