import CCurl
import CLinux
import Foundation

/// The framed engine: libcurl makes each slot's connection once (CONNECT_ONLY through the multi handle, so
/// connecting never blocks the loop) and moves its bytes (`curl_easy_send`/`curl_easy_recv`, TLS included);
/// the request bytes are written here and `HTTP1ResponseFramer` finds where each response ends, as wrk does.
///
/// What it keeps of libcurl's transfers: a reused connection that closes before any byte of a response is
/// retried once on a new one; the error codes are libcurl's (a reset is CURLE_RECV_ERROR, a close before any
/// byte CURLE_GOT_NOTHING, a cut body CURLE_PARTIAL_FILE, a reply that is not HTTP/1.x
/// CURLE_WEIRD_SERVER_REPLY, --timeout CURLE_OPERATION_TIMEDOUT), so results read the same under both engines.
extension CurlMultiDriver {
    /// Reads of one connection per epoll event (64 KiB each).
    static let readsPerEvent = 16

    @inline(__always)
    func socketOwner(_ fd: Int32) -> Int? {
        let index = Int(fd)
        guard index < socketOwners.count, socketOwners[index] != 0 else { return nil }
        return Int(socketOwners[index]) - 1
    }

    /// Sends the slot's new request on its connection, or connects first.
    @inline(__always)
    func framedStart(_ slot: UnsafeMutablePointer<Slot>) {
        slot.pointee.framer.reset(head: wire![slot.pointee.configuredTemplate].isHead)
        slot.pointee.sent = 0
        if slot.pointee.socket >= 0 {
            sendRequest(slot)
        } else {
            slot.pointee.inMulti = true
            curl_multi_add_handle(multi, slot.pointee.easy)
        }
    }

    /// libcurl ended the slot's connect (CURLMSG_DONE of a CONNECT_ONLY handle) with `code`.
    func connected(_ slot: UnsafeMutablePointer<Slot>, code: Int) {
        guard code == 0 else {
            closeConnection(slot)
            finish(slot, code: code, status: 0, bytes: 0)
            return
        }
        var socket: curl_socket_t = -1
        sb_easy_getinfo_socket(slot.pointee.easy, CURLINFO_ACTIVESOCKET, &socket)
        let index = Int(socket)
        if index >= socketOwners.count { socketOwners += Array(repeating: 0, count: max(index + 1, 1024)) }
        socketOwners[index] = Int32(slot.pointee.index + 1)
        slot.pointee.socket = socket
        slot.pointee.responsesOnConnection = 0
        events.pointee.registry.want(socket, UInt32(EPOLLIN.rawValue))
        sendRequest(slot)
    }

    /// Sends what is left of the request; waits for EPOLLOUT when the socket is full.
    @inline(__always)
    func sendRequest(_ slot: UnsafeMutablePointer<Slot>) {
        let bytes = wire![slot.pointee.configuredTemplate].bytes
        while slot.pointee.sent < bytes.count {
            var written = 0
            let code = curl_easy_send(slot.pointee.easy, bytes.baseAddress! + slot.pointee.sent,
                                      bytes.count - slot.pointee.sent, &written)
            if code == CURLE_AGAIN || (code == CURLE_OK && written == 0) {
                events.pointee.registry.want(slot.pointee.socket, UInt32(EPOLLIN.rawValue | EPOLLOUT.rawValue))
                return
            }
            guard code == CURLE_OK else {
                connectionFailed(slot, code: Int(CURLE_SEND_ERROR.rawValue))
                return
            }
            slot.pointee.sent += written
        }
        events.pointee.registry.want(slot.pointee.socket, UInt32(EPOLLIN.rawValue))
    }

    /// Part of the slot's request is still to be sent.
    @inline(__always)
    func requestUnsent(_ slot: UnsafeMutablePointer<Slot>) -> Bool {
        slot.pointee.sent < wire![slot.pointee.configuredTemplate].bytes.count
    }

    /// epoll reported `flags` on the slot's connection.
    @inline(__always)
    func framedEvent(_ slot: UnsafeMutablePointer<Slot>, flags: UInt32) {
        if flags & UInt32(EPOLLOUT.rawValue) != 0 && slot.pointee.active && requestUnsent(slot) {
            sendRequest(slot)
            if slot.pointee.socket < 0 { return }
        }
        if flags & UInt32(EPOLLIN.rawValue | EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 { receive(slot) }
    }

    /// Reads until the socket has nothing more, framing the response; an idle connection that speaks (the
    /// server closed it) is closed. At most `readsPerEvent` reads: a server that never stops writing must not keep
    /// the loop from its clock (epoll is level-triggered, so the rest is read at the next turn).
    @inline(__always)
    func receive(_ slot: UnsafeMutablePointer<Slot>) {
        for _ in 0..<Self.readsPerEvent {
            var count = 0
            let code = curl_easy_recv(slot.pointee.easy, receiveBuffer.baseAddress!, receiveBuffer.count, &count)
            if code == CURLE_AGAIN { return }
            guard slot.pointee.active else {
                closeConnection(slot)
                return
            }
            guard code == CURLE_OK else {
                connectionFailed(slot, code: Int(code.rawValue))
                return
            }
            if count == 0 {
                if slot.pointee.framer.endOfStream() == .complete {
                    responded(slot, closing: true)
                } else {
                    let cut = slot.pointee.framer.started ? CURLE_PARTIAL_FILE : CURLE_GOT_NOTHING
                    connectionFailed(slot, code: Int(cut.rawValue))
                }
                return
            }
            let bytes = receiveBuffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            let (outcome, used) = slot.pointee.framer.consume(bytes, count: count)
            switch outcome {
            case .needMore:
                continue
            case .malformed:
                connectionFailed(slot, code: Int(CURLE_WEIRD_SERVER_REPLY.rawValue))
                return
            case .lineTooLong:
                connectionFailed(slot, code: Int(CURLE_OUT_OF_MEMORY.rawValue))
                return
            case .headTooLarge:
                connectionFailed(slot, code: Int(CURLE_RECV_ERROR.rawValue))
                return
            case .complete:
                // Bytes past the response, or a request not fully sent: the connection cannot carry another.
                responded(slot, closing: used < count || requestUnsent(slot))
                return
            }
        }
    }

    /// The slot's response is complete: closes the connection when it must, records, and goes on.
    @inline(__always)
    func responded(_ slot: UnsafeMutablePointer<Slot>, closing: Bool) {
        let framer = slot.pointee.framer
        slot.pointee.responsesOnConnection += 1
        if closing || framer.closeAfter || !plan.keepAlive { closeConnection(slot) }
        finish(slot, code: 0, status: framer.status, bytes: framer.headerBytes + framer.bodyBytes)
    }

    /// The request failed on its connection with `code`: the connection is closed; a reused one that closed
    /// before any byte of the response is retried once on a new connection, as libcurl does.
    func connectionFailed(_ slot: UnsafeMutablePointer<Slot>, code: Int) {
        let retry = slot.pointee.responsesOnConnection > 0 && !slot.pointee.framer.started
            && code != Int(CURLE_OPERATION_TIMEDOUT.rawValue)
        closeConnection(slot)
        if retry && slot.pointee.active {
            framedStart(slot)
        } else {
            finish(slot, code: code, status: 0, bytes: 0)
        }
    }

    /// Ends the slot's connection: libcurl closes the socket when its easy handle leaves the multi handle.
    func closeConnection(_ slot: UnsafeMutablePointer<Slot>) {
        if slot.pointee.socket >= 0 {
            socketOwners[Int(slot.pointee.socket)] = 0
            slot.pointee.socket = -1
        }
        if slot.pointee.inMulti {
            curl_multi_remove_handle(multi, slot.pointee.easy)
            slot.pointee.inMulti = false
        }
    }

    /// --timeout: fails every request older than it. Checked when the oldest request could have run out.
    @inline(__always)
    func expireTimeouts(now: UInt64) {
        guard now >= nextTimeoutCheck else { return }
        let timeout = plan.timeoutNanoseconds
        var earliest = now &+ timeout
        for i in 0..<slotCount where slots[i].active {
            let deadline = slots[i].actualStart &+ timeout
            if deadline <= now {
                connectionFailed(slots + i, code: Int(CURLE_OPERATION_TIMEDOUT.rawValue))
            } else {
                earliest = min(earliest, deadline)
            }
        }
        nextTimeoutCheck = earliest
    }
}
