import BenchSupport
import Foundation
import StackConfig

/// One request's exchange with a uwsgi upstream (shared/spec/nginx-subset.md §7): its socket, the packet and body
/// to send, the bytes read back, and the body framing the upstream's head declared. The connection lasts one
/// request, as the uwsgi protocol has it; `Connection+Upstream` drives it.
final class UpstreamExchange {
    let upstream: NginxUpstream
    var descriptor: CInt = -1
    /// The packet, then the request body.
    var out: ByteArray
    var outSent = 0
    /// The request body, gathered before the packet is written.
    var body: ByteArray
    var chunked: ChunkedBody?
    /// The response head while it is read, then each relayed piece of body.
    var received: ByteArray
    var headDone = false
    /// Bytes of body still expected (Content-Length), nil when the body runs until the upstream closes.
    var remaining: Int?
    /// The body is chunk-encoded by the front (HTTP/1.1 client, no length from the upstream).
    var encodeChunks = false
    /// The client receives no body (HEAD, 1xx, 204, 304): whatever the upstream sends is dropped.
    var dropBody = false
    /// An edge-triggered event said readable while the exchange was not reading, or a read stopped early.
    var mayRead = false
    var finished = false
    /// Interim (1xx) heads skipped so far; past `interimHeadLimit` the upstream's answer is invalid (502).
    var interimHeads = 0
    static let interimHeadLimit = 8
    /// Wall-clock milliseconds at the connect, and the facts for `$upstream_*`.
    let started: Int
    private(set) var facts: UpstreamFacts

    init(upstream: NginxUpstream, address: [UInt8], started: Int, bodyCapacity: Int) {
        self.upstream = upstream
        self.started = started
        out = ByteArray(capacity: 1024)
        body = ByteArray(capacity: min(max(bodyCapacity, 16), 1 << 20))
        received = ByteArray(capacity: UpstreamHead.maximumLength + 1)
        facts = UpstreamFacts(address: address)
    }

    deinit {
        out.release()
        body.release()
        received.release()
    }

    func connected(at milliseconds: Int) { facts.connectMilliseconds = milliseconds - started }

    func headRead(status: Int, at milliseconds: Int) {
        facts.status = status
        facts.headerMilliseconds = milliseconds - started
        facts.responseMilliseconds = milliseconds - started
    }

    /// The answer was relayed in full: `$upstream_response_time` ends here.
    func answered(at milliseconds: Int) { facts.responseMilliseconds = milliseconds - started }

    /// Opens a non-blocking socket and starts connecting: nil when it is connected or in progress, else the
    /// failure (a unix socket whose backlog is full fails at once with EAGAIN, as nginx reports it).
    func connect() -> UpstreamFailure? {
        let address: SocketAddress
        switch upstream {
        case .unix(let path): address = .unix(path: path)
        case .tcp(let host, let port): address = .tcp(host: host, port: port)
        }
        guard let target = address.resolved() else { return failure(errno) }
        descriptor = target.makeSocket(flags: Int32(SOCK_NONBLOCK.rawValue))
        guard descriptor >= 0 else { return failure(errno) }
        if target.family != AF_UNIX {
            var one: Int32 = 1
            setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        let result = target.withSockaddr { Foundation.connect(descriptor, $0, $1) }
        return result == 0 || errno == EINPROGRESS ? nil : failure(errno)
    }

    /// The result of a non-blocking connect, once the socket is writable.
    func connectResult() -> UpstreamFailure? {
        var code: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &code, &length)
        return code == 0 ? nil : failure(code)
    }

    private func failure(_ code: Int32) -> UpstreamFailure {
        .connect(code: code, reason: String(cString: strerror(code)))
    }

    /// Writes what is left of the packet and body; true when all is sent, false on EAGAIN, nil on an error.
    func send() -> Bool? {
        while outSent < out.count {
            let written = write(descriptor, out.base + outSent, out.count - outSent)
            if written > 0 { outSent += written; continue }
            if written < 0, errno == EINTR { continue }
            if written < 0, errno == EAGAIN { return false }
            return nil
        }
        return true
    }

    /// Reads into `received` (at most `limit` bytes in all); the count read, 0 at the upstream's end, nil on
    /// EAGAIN. A reset counts as the end.
    func read(limit: Int) -> Int? {
        mayRead = false
        guard received.count < limit else { mayRead = true; return nil }
        received.reserve(limit - received.count)
        let room = limit - received.count
        while true {
            let count = Foundation.read(descriptor, received.tail, room)
            if count > 0 {
                received.count += count
                if count == room { mayRead = true }
                return count
            }
            if count == 0 { return 0 }
            if errno == EINTR { continue }
            if errno == EAGAIN { return nil }
            return 0
        }
    }

    func close(_ loop: FrontLoop) {
        guard descriptor >= 0 else { return }
        loop.removeUpstream(descriptor)
        descriptor = -1
    }
}
