import BenchSupport
import Atomics
import Foundation
import ServerCore
import UwsgiProtocol
import WSGI

/// What a worker thread needs to serve uwsgi-protocol connections.
@PublicInit
public struct UwsgiServeOptions: Sendable {
    /// The largest vars block accepted (`buffer-size`).
    public var bufferSize: Int
    /// `post-buffering`: 0 = off.
    public var postBuffering: Int
    /// Seconds to wait for each read of the packet or the body (`socket-timeout`).
    public var socketTimeout: Int
    /// Whether to write a request log line (`disable-logging` turns it off).
    public var requestLogging: Bool
    public var multithread: Bool
    public var multiprocess: Bool
    /// The worker's log: request lines and refusals, one line per call.
    public var log: @Sendable (String) -> Void
    /// `wsgi.errors` for the app.
    public var errors: ErrorLog
    /// Told when a request's packet has been read and when it is over (the scoreboard, for harakiri and stats).
    public var observer: RequestObserver?
}

/// Watches requests from the moment their head is read until they are closed (uWSGI's harakiri window).
public protocol RequestObserver: AnyObject, Sendable {
    /// A request began; `text` says what it is (`127.0.0.1 - GET /sleep?ms=10`), built only if the observer
    /// needs it.
    func begin(_ text: @autoclosure () -> String)
    /// The app is about to run, its body buffered when post-buffering is on: harakiri starts counting here, as in
    /// uWSGI (a body trickled in over longer than harakiri is read, not killed).
    func appStarts()
    /// It ended after `micros` µs, having sent `bytes`; `failed` when it got no complete answer.
    func end(micros: Int, bytes: Int, failed: Bool)
}

/// The worker's request counter, shared by its threads.
public final class WorkerCounters: Sendable {
    /// Requests this worker has finished.
    public let requests = ManagedAtomic<Int>(0)

    /// A zeroed counter.
    public init() {}
}

/// Serves one uwsgi-protocol connection, as a uWSGI worker thread does: one packet, one answer, close.
public enum UwsgiConnection {
    /// Reads the packet from `socket`, runs `app`, writes the answer and closes. Refused packets are logged in
    /// uWSGI's words and closed without an answer; so is a request whose app throws.
    public static func serve(_ socket: ConnectedSocket, app: Application, options: UwsgiServeOptions,
                             counters: WorkerCounters, core: Int) {
        defer { socket.close() }
        socket.setReceiveTimeout(seconds: options.socketTimeout)
        let reader = ConnectionReader(socket: socket, initialCapacity: options.bufferSize + UwsgiHeader.size)
        let started = Date()
        var environ: Environ
        let variableCount: Int
        let datasize: Int
        do {
            guard let head = try reader.readExactly(UwsgiHeader.size) else { return }
            let header = head.withUnsafeBytes { UwsgiHeader($0) }
            try UwsgiPacket.check(header, bufferSize: options.bufferSize)
            guard let block = try reader.readExactly(header.datasize) else {
                options.log("uwsgi packet truncated: \(header.datasize) bytes of vars announced, the peer closed first")
                return
            }
            var adopted = Environ(adopting: block, capacity: 32)
            variableCount = try block.withUnsafeBytes {
                try UwsgiPacket.parseVars($0, ranges: { adopted.appendStored(name: $0, value: $1) })
            }
            environ = adopted
            datasize = header.datasize
        } catch let error as UwsgiPacketError {
            options.log(error.description)
            return
        } catch {
            options.log("error reading the uwsgi packet: \(error)")
            return
        }
        options.observer?.begin(environ.requestDescription)
        var outcome = (bytes: 0, failed: true)
        defer {
            options.observer?.end(micros: Int(Date().timeIntervalSince(started) * 1_000_000), bytes: outcome.bytes,
                                  failed: outcome.failed)
        }
        environ.append("wsgi.url_scheme", scheme(of: environ))
        environ.append("wsgi.multithread", options.multithread ? "True" : "False")
        environ.append("wsgi.multiprocess", options.multiprocess ? "True" : "False")
        let length = Int(environ["CONTENT_LENGTH"].map { $0.prefix { $0.isASCII && $0.isNumber } } ?? "") ?? 0
        let socketInput = ContentLengthInput(reader: reader, length: length)
        let response: Response
        do {
            let input = options.postBuffering > 0 && length > 0
                ? try PostBuffer.buffer(socketInput, length: length, threshold: options.postBuffering) : socketInput
            options.observer?.appStarts()
            response = try app.handle(Request(environ: environ, input: input, errors: options.errors))
        } catch {
            options.log("error while handling \(environ.method) \(environ["REQUEST_URI"] ?? environ.pathInfo): \(error)")
            return
        }
        let proto = environ["SERVER_PROTOCOL"] ?? ""
        let written = write(response, proto: proto.isEmpty ? "HTTP/1.0" : proto, on: socket)
        outcome = (written.head + written.body, false)
        let finished = counters.requests.wrappingIncrementThenLoad(ordering: .relaxed)
        guard options.requestLogging else { return }
        let record = UwsgiRequestLog(
            pid: getpid(), appRequests: finished, workerRequests: finished,
            remoteAddress: environ["REMOTE_ADDR"] ?? "", remoteUser: environ["REMOTE_USER"] ?? "",
            variableCount: variableCount, datasize: datasize, started: time_t(started.timeIntervalSince1970),
            method: environ.method, uri: environ["REQUEST_URI"] ?? "", bodyBytes: written.body,
            milliseconds: Int(Date().timeIntervalSince(started) * 1000), proto: proto, status: response.status,
            headerCount: response.headers.count, headerBytes: written.head, switches: written.switches, core: core)
        options.log(record.line)
    }

    /// `wsgi.url_scheme` as uWSGI sets it: UWSGI_SCHEME, else HTTP_X_FORWARDED_PROTO, else https when HTTPS is on.
    static func scheme(of environ: Environ) -> String {
        if let scheme = environ["UWSGI_SCHEME"] ?? environ["HTTP_X_FORWARDED_PROTO"], !scheme.isEmpty { return scheme }
        let https = environ["HTTPS"]?.lowercased()
        return https == "on" || https == "1" ? "https" : "http"
    }

    /// Writes the answer as uWSGI does: `PROTO STATUS REASON`, the app's headers untouched, nothing added; the
    /// close ends the body. Returns the head and body bytes written and the number of body writes.
    private static func write(_ response: Response, proto: String, on socket: ConnectedSocket)
        -> (head: Int, body: Int, switches: Int) {
        guard HTTPResponseHead.isSafe(response) else { return (0, 0, 0) }
        let head = HTTPResponseHead.serialize(version: proto, response: response, serverHeaders: [], framingHeaders: [])
        var body = 0
        var switches = 0
        do {
            switch response.body {
            case .bytes(let bytes):
                try head.withUnsafeBytes { h in try bytes.withUnsafeBytes { b in try socket.write([h, b]) } }
                body = bytes.count
                switches = 1
            case .file(let region):
                try socket.write(head)
                try socket.sendFile(region.descriptor, offset: region.offset, count: region.count)
                body = region.count
                switches = 1
            case .chunks(let source):
                defer { source.close() }
                // The head goes out with the first chunk in one write (a Python app's one-chunk answer: one syscall).
                let first = try source.nextChunk() ?? []
                try head.withUnsafeBytes { h in try first.withUnsafeBytes { b in try socket.write([h, b]) } }
                body = first.count
                switches = 1
                while let chunk = try source.nextChunk() {
                    try socket.write(chunk)
                    body += chunk.count
                    switches += 1
                }
            }
        } catch {
            return (head.count, body, switches)
        }
        return (head.count, body, switches)
    }
}
