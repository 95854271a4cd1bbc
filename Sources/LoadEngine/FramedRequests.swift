import BenchSupport
import CCurl
import CLinux
import Foundation

/// The `.framed` engine: libcurl makes each slot's connection once (CONNECT_ONLY through the multi handle, so
/// connecting never blocks the loop) and moves its bytes (`curl_easy_send`/`curl_easy_recv`, TLS included);
/// the request bytes are written here and `HTTP1ResponseFramer` finds where each response ends, as wrk does.
///
/// What it keeps of libcurl's transfers: a reused connection that closes before any byte of a response is
/// retried once on a new one; the error codes are libcurl's (a reset is CURLE_RECV_ERROR, a close before any
/// byte CURLE_GOT_NOTHING, a cut body CURLE_PARTIAL_FILE, a reply that is not HTTP/1.x
/// CURLE_WEIRD_SERVER_REPLY, --timeout CURLE_OPERATION_TIMEDOUT), so results read the same under both engines.
final class FramedRequests: RequestCarrier {
    typealias Slot = CurlMultiDriver.Slot

    /// The requests as bytes, per template.
    let wire: UnsafeMutableBufferPointer<CurlRequestTemplates.WireRequest>
    /// The slot + 1 owning each socket, by fd (0: not ours).
    private var socketOwners: [Int32] = []
    /// What responses are read into.
    private let receiveBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)
    /// When the oldest request in flight could run out of --timeout.
    private var nextTimeoutCheck: UInt64 = 0

    init(wire: UnsafeMutableBufferPointer<CurlRequestTemplates.WireRequest>) {
        self.wire = wire
    }

    deinit {
        receiveBuffer.deallocate()
    }

    func configure(_ slot: UnsafeMutablePointer<Slot>, in driver: CurlMultiDriver) {
        let easy = slot.pointee.easy
        // libcurl only makes the connection (and its TLS); requests are written and framed on it here. A
        // connection ends when the easy handle leaves the multi handle, so a new one is always fresh.
        sb_easy_setopt_long(easy, CURLOPT_CONNECT_ONLY, 1)
        sb_easy_setopt_long(easy, CURLOPT_FRESH_CONNECT, 1)
        sb_easy_setopt_ptr(easy, CURLOPT_CURLU, UnsafeRawPointer(driver.templates.templates[0].url))
        // libcurl 7.88 looks a connect-only connection up by id in its cache on every curl_easy_send and
        // curl_easy_recv, walking the cache: in the multi handle's, shared by all of the thread's connections,
        // that cost ~8k instructions per call at 1,000 connections; in a cache of the slot's own, ~1k.
        let share = curl_share_init()
        sb_share_setopt_long(share, CURLSHOPT_SHARE, Int(CURL_LOCK_DATA_CONNECT.rawValue))
        sb_easy_setopt_ptr(easy, CURLOPT_SHARE, UnsafeRawPointer(share))
        slot.pointee.share = share
    }

    @inline(__always)
    func start(_ slot: UnsafeMutablePointer<Slot>, template: Int, in driver: CurlMultiDriver) {
        slot.pointee.configuredTemplate = template
        start(slot, in: driver)
    }

    @inline(__always)
    func handle(_ fd: Int32, flags: UInt32, in driver: CurlMultiDriver) -> Bool {
        guard let owner = socketOwner(fd) else { return false }
        event(driver.slots + owner, flags: flags, in: driver)
        return true
    }

    /// libcurl ended the slot's connect (a CONNECT_ONLY handle is done once connected).
    func finished(_ slot: UnsafeMutablePointer<Slot>, easy: UnsafeMutableRawPointer, code: Int, in driver: CurlMultiDriver) {
        connected(slot, code: code, in: driver)
    }

    @inline(__always)
    func turn(now: UInt64, in driver: CurlMultiDriver) -> UInt64 {
        expireTimeouts(now: now, in: driver)
        return nextTimeoutCheck
    }

    /// Reads of one connection per epoll event (64 KiB each).
    static let readsPerEvent = 16

    @inline(__always)
    private func socketOwner(_ fd: Int32) -> Int? {
        let index = Int(fd)
        guard index < socketOwners.count, socketOwners[index] != 0 else { return nil }
        return Int(socketOwners[index]) - 1
    }

    /// Sends the slot's new request on its connection, or connects first.
    @inline(__always)
    private func start(_ slot: UnsafeMutablePointer<Slot>, in driver: CurlMultiDriver) {
        slot.pointee.framer.reset(head: wire[slot.pointee.configuredTemplate].isHead)
        slot.pointee.sent = 0
        if slot.pointee.socket >= 0 {
            sendRequest(slot, in: driver)
        } else {
            slot.pointee.inMulti = true
            curl_multi_add_handle(driver.multi, slot.pointee.easy)
        }
    }

    /// libcurl ended the slot's connect (CURLMSG_DONE of a CONNECT_ONLY handle) with `code`.
    private func connected(_ slot: UnsafeMutablePointer<Slot>, code: Int, in driver: CurlMultiDriver) {
        guard code == 0 else {
            closeConnection(slot, in: driver)
            driver.finish(slot, code: code, status: 0, bytes: 0)
            return
        }
        var socket: curl_socket_t = -1
        sb_easy_getinfo_socket(slot.pointee.easy, CURLINFO_ACTIVESOCKET, &socket)
        let index = Int(socket)
        if index >= socketOwners.count { socketOwners += Array(repeating: 0, count: max(index + 1, 1024)) }
        socketOwners[index] = Int32(slot.pointee.index + 1)
        slot.pointee.socket = socket
        slot.pointee.responsesOnConnection = 0
        driver.events.pointee.registry.want(socket, UInt32(EPOLLIN.rawValue))
        sendRequest(slot, in: driver)
    }

    /// Sends what is left of the request; waits for EPOLLOUT when the socket is full.
    @inline(__always)
    private func sendRequest(_ slot: UnsafeMutablePointer<Slot>, in driver: CurlMultiDriver) {
        let bytes = wire[slot.pointee.configuredTemplate].bytes
        while slot.pointee.sent < bytes.count {
            var written = 0
            let code = curl_easy_send(slot.pointee.easy, bytes.baseAddress! + slot.pointee.sent,
                                      bytes.count - slot.pointee.sent, &written)
            if code == CURLE_AGAIN || (code == CURLE_OK && written == 0) {
                driver.events.pointee.registry.want(slot.pointee.socket, UInt32(EPOLLIN.rawValue | EPOLLOUT.rawValue))
                return
            }
            guard code == CURLE_OK else {
                connectionFailed(slot, code: Int(CURLE_SEND_ERROR.rawValue), in: driver)
                return
            }
            slot.pointee.sent += written
        }
        driver.events.pointee.registry.want(slot.pointee.socket, UInt32(EPOLLIN.rawValue))
    }

    /// Part of the slot's request is still to be sent.
    @inline(__always)
    private func requestUnsent(_ slot: UnsafeMutablePointer<Slot>) -> Bool {
        slot.pointee.sent < wire[slot.pointee.configuredTemplate].bytes.count
    }

    /// epoll reported `flags` on the slot's connection.
    @inline(__always)
    private func event(_ slot: UnsafeMutablePointer<Slot>, flags: UInt32, in driver: CurlMultiDriver) {
        if flags & UInt32(EPOLLOUT.rawValue) != 0 && slot.pointee.active && requestUnsent(slot) {
            sendRequest(slot, in: driver)
            if slot.pointee.socket < 0 { return }
        }
        if flags & UInt32(EPOLLIN.rawValue | EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 { receive(slot, in: driver) }
    }

    /// Reads until the socket has nothing more, framing the response; an idle connection that speaks (the
    /// server closed it) is closed. At most `readsPerEvent` reads: a server that never stops writing must not keep
    /// the loop from its clock (epoll is level-triggered, so the rest is read at the next turn).
    @inline(__always)
    private func receive(_ slot: UnsafeMutablePointer<Slot>, in driver: CurlMultiDriver) {
        for _ in 0..<Self.readsPerEvent {
            var count = 0
            let code = curl_easy_recv(slot.pointee.easy, receiveBuffer.baseAddress!, receiveBuffer.count, &count)
            if code == CURLE_AGAIN { return }
            guard slot.pointee.active else {
                closeConnection(slot, in: driver)
                return
            }
            guard code == CURLE_OK else {
                connectionFailed(slot, code: Int(code.rawValue), in: driver)
                return
            }
            if count == 0 {
                if slot.pointee.framer.endOfStream() == .complete {
                    responded(slot, closing: true, in: driver)
                } else {
                    let cut = slot.pointee.framer.started ? CURLE_PARTIAL_FILE : CURLE_GOT_NOTHING
                    connectionFailed(slot, code: Int(cut.rawValue), in: driver)
                }
                return
            }
            if slot.pointee.firstByteAt == 0 { slot.pointee.firstByteAt = monotonicNanoseconds() }
            let bytes = receiveBuffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            let (outcome, used) = slot.pointee.framer.consume(bytes, count: count)
            switch outcome {
            case .needMore:
                continue
            case .malformed:
                connectionFailed(slot, code: Int(CURLE_WEIRD_SERVER_REPLY.rawValue), in: driver)
                return
            case .lineTooLong:
                connectionFailed(slot, code: Int(CURLE_OUT_OF_MEMORY.rawValue), in: driver)
                return
            case .headTooLarge:
                connectionFailed(slot, code: Int(CURLE_RECV_ERROR.rawValue), in: driver)
                return
            case .complete:
                // Bytes past the response, or a request not fully sent: the connection cannot carry another.
                responded(slot, closing: used < count || requestUnsent(slot), in: driver)
                return
            }
        }
    }

    /// The slot's response is complete: closes the connection when it must, records, and goes on.
    @inline(__always)
    private func responded(_ slot: UnsafeMutablePointer<Slot>, closing: Bool, in driver: CurlMultiDriver) {
        let framer = slot.pointee.framer
        slot.pointee.responsesOnConnection += 1
        if closing || framer.closeAfter || !driver.plan.keepAlive { closeConnection(slot, in: driver) }
        driver.finish(slot, code: 0, status: framer.status, bytes: framer.headerBytes + framer.bodyBytes)
    }

    /// The request failed on its connection with `code`: the connection is closed; a reused one that closed
    /// before any byte of the response is retried once on a new connection, as libcurl does.
    private func connectionFailed(_ slot: UnsafeMutablePointer<Slot>, code: Int, in driver: CurlMultiDriver) {
        let retry = slot.pointee.responsesOnConnection > 0 && !slot.pointee.framer.started
            && code != Int(CURLE_OPERATION_TIMEDOUT.rawValue)
        closeConnection(slot, in: driver)
        if retry && slot.pointee.active {
            start(slot, in: driver)
        } else {
            driver.finish(slot, code: code, status: 0, bytes: 0)
        }
    }

    /// Ends the slot's connection: libcurl closes the socket when its easy handle leaves the multi handle.
    private func closeConnection(_ slot: UnsafeMutablePointer<Slot>, in driver: CurlMultiDriver) {
        if slot.pointee.socket >= 0 {
            socketOwners[Int(slot.pointee.socket)] = 0
            slot.pointee.socket = -1
        }
        if slot.pointee.inMulti {
            curl_multi_remove_handle(driver.multi, slot.pointee.easy)
            slot.pointee.inMulti = false
        }
    }

    /// --timeout: fails every request older than it. Checked when the oldest request could have run out.
    @inline(__always)
    private func expireTimeouts(now: UInt64, in driver: CurlMultiDriver) {
        guard now >= nextTimeoutCheck else { return }
        let timeout = driver.plan.timeoutNanoseconds
        var earliest = now &+ timeout
        for i in 0..<driver.slotCount where driver.slots[i].active {
            let deadline = driver.slots[i].actualStart &+ timeout
            if deadline <= now {
                connectionFailed(driver.slots + i, code: Int(CURLE_OPERATION_TIMEDOUT.rawValue), in: driver)
            } else {
                earliest = min(earliest, deadline)
            }
        }
        nextTimeoutCheck = earliest
    }
}
