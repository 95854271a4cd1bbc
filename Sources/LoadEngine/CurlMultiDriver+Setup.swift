import BenchSupport
import CCurl
import CLinux
import Foundation

/// The options every connection and the multi handle get once, and the `@convention(c)` callbacks.
extension CurlMultiDriver {
    func configureConnection(_ slot: UnsafeMutablePointer<Slot>) {
        let easy = slot.pointee.easy
        sb_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        sb_easy_setopt_write(easy, countBody)
        sb_easy_setopt_ptr(easy, CURLOPT_WRITEDATA, slot)
        sb_easy_setopt_ptr(easy, CURLOPT_PRIVATE, slot)
        sb_easy_setopt_closesocket(easy, closeSocket)
        sb_easy_setopt_ptr(easy, CURLOPT_CLOSESOCKETDATA, events)
        sb_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, Int(plan.timeoutNanoseconds / 1_000_000))
        sb_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, Int(plan.timeoutNanoseconds / 1_000_000))
        sb_easy_setopt_long(easy, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_1_1))
        // The load goes to the URL itself, never through an http_proxy from the environment.
        sb_easy_setopt_ptr(easy, CURLOPT_PROXY, "")
        if let path = plan.unixSocketPath { sb_easy_setopt_ptr(easy, CURLOPT_UNIX_SOCKET_PATH, path) }
        if !plan.verifyPeer {
            sb_easy_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, 0)
            sb_easy_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, 0)
        }
        if let path = plan.caCertificatePath { sb_easy_setopt_ptr(easy, CURLOPT_CAINFO, path) }
        carrier.configure(slot, in: self)
    }

    func configureMulti(_ multi: UnsafeMutableRawPointer) {
        sb_multi_setopt_socket(multi, trackSocket)
        sb_multi_setopt_ptr(multi, CURLMOPT_SOCKETDATA, events)
        sb_multi_setopt_timer(multi, setTimer)
        sb_multi_setopt_ptr(multi, CURLMOPT_TIMERDATA, events)
        // Keep one idle connection per slot: the default cache (4 × handles added) shrinks when few are busy.
        sb_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, slotCount)
    }
}

/// CURLOPT_WRITEFUNCTION: counts body bytes into the slot and drops them.
private let countBody: curl_write_callback = { _, size, count, slot in
    slot!.assumingMemoryBound(to: CurlMultiDriver.Slot.self).pointee.bodyBytes += size * count
    return size * count
}

/// CURLMOPT_SOCKETFUNCTION: tells the epoll registry what libcurl wants of a socket now.
private let trackSocket: curl_socket_callback = { _, socket, what, state, _ in
    var interest: UInt32 = 0
    if what & CURL_POLL_IN != 0 { interest |= UInt32(EPOLLIN.rawValue) }
    if what & CURL_POLL_OUT != 0 { interest |= UInt32(EPOLLOUT.rawValue) }
    state!.assumingMemoryBound(to: CurlMultiDriver.EventState.self).pointee.registry.want(socket, interest)
    return 0
}

/// CURLOPT_CLOSESOCKETFUNCTION: closes a connection's socket and forgets its registration.
private let closeSocket: curl_closesocket_callback = { state, socket in
    state!.assumingMemoryBound(to: CurlMultiDriver.EventState.self).pointee.registry.forget(socket)
    return close(socket)
}

/// CURLMOPT_TIMERFUNCTION: remembers when libcurl wants CURL_SOCKET_TIMEOUT (-1: no timer, 0: now).
private let setTimer: curl_multi_timer_callback = { _, milliseconds, state in
    let events = state!.assumingMemoryBound(to: CurlMultiDriver.EventState.self)
    switch milliseconds {
    case ..<0: events.pointee.timerDeadline = 0
    // Due at once (every curl_multi_add_handle asks for this): 1 is in the past, no clock read needed.
    case 0: events.pointee.timerDeadline = 1
    default: events.pointee.timerDeadline = monotonicNanoseconds() + UInt64(milliseconds) * 1_000_000
    }
    return 0
}
