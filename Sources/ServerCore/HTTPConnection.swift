import BenchSupport
import Foundation
import WSGI

/// One finished exchange, for the server's request log.
public struct ExchangeRecord: Sendable {
    /// The request line, e.g. `GET /hello HTTP/1.1` (or the raw first line of a request that did not parse).
    public let requestLine: String
    /// The status sent.
    public let status: Int
    /// The body bytes the response declared or sent.
    public let bodyBytes: Int
    /// The peer's address (empty for a unix socket).
    public var remoteAddress = ""
    /// How many environ variables the request became (0 for a refused request).
    public var variableCount = 0
    /// When the exchange began (seconds since the epoch) and how long it took.
    public var started: time_t = 0
    public var durationMicros = 0
    /// The response's headers as the app gave them.
    public var headerCount = 0
}

/// How a server runs its connections.
@PublicInit
public struct HTTPConnectionOptions: Sendable {
    /// Whose environ to build.
    public var style: HTTPEnviron.Style
    /// SERVER_NAME, SERVER_PORT, SERVER_SOFTWARE.
    public var identity: HTTPEnviron.ServerIdentity
    /// The `Server` header, or nil for none.
    public var serverHeader: String?
    /// Whether connections may carry more than one request.
    public var keepAlive: Bool
    /// `wsgi.multithread` / `wsgi.multiprocess`.
    public var multithread: Bool
    public var multiprocess: Bool
    /// The answer when the app throws before answering, or nil to close the connection without one (uWSGI).
    public var answerToAppError: (@Sendable (Error) -> Response)?
    /// Called after each exchange (the request log).
    public var log: @Sendable (ExchangeRecord) -> Void
    /// Where the app's `wsgi.errors` lines and the server's own error lines go.
    public var errors: ErrorLog
    /// The largest request head accepted (uWSGI's buffer-size on an http-socket); beyond it 431, logged.
    public var maximumHeadBytes: Int = ConnectionReader.maximumHeadBytes
}

/// Serves one connection: request after request until either side closes.
public enum HTTPConnection {
    /// Runs the connection to its end, then closes it.
    public static func serve(_ socket: ConnectedSocket, app: Application, options: HTTPConnectionOptions) {
        socket.disableNagle()
        let reader = ConnectionReader(socket: socket, headLimit: options.maximumHeadBytes)
        defer {
            socket.shutdownWrite()
            socket.close()
        }
        do {
            while let parsed = try reader.readHead() {
                switch parsed {
                case .failure(let error):
                    if error.status == 431 { options.errors.write(error.message) }
                    try refuse(error, socket: socket, options: options, requestLine: "")
                    return
                case .success(let head):
                    guard try exchange(head, reader: reader, app: app, options: options) else { return }
                }
            }
        } catch {
            return  // the peer went away mid-exchange: nothing left to answer
        }
    }

    /// One request and its response; returns whether the connection stays open.
    private static func exchange(_ head: HTTPRequestHead, reader: ConnectionReader, app: Application,
                                 options: HTTPConnectionOptions) throws -> Bool {
        let socket = reader.socket
        let started = Date()
        if head.header("Transfer-Encoding") != nil {
            try refuse(HTTPParseError(status: 411, message: "chunked request bodies are not supported; send Content-Length"),
                       socket: socket, options: options, requestLine: head.requestLine)
            return false
        }
        let lengths = head.headers.filter { $0.name.equalsIgnoringASCIICase("Content-Length") }.map(\.value)
        let length = lengths.first.flatMap { Int($0) } ?? 0
        guard lengths.allSatisfy({ $0 == lengths[0] }), lengths.isEmpty || (Int(lengths[0]).map { $0 >= 0 } ?? false)
        else {
            try refuse(HTTPParseError(status: 400, message: "Bad Content-Length"), socket: socket, options: options,
                       requestLine: head.requestLine)
            return false
        }
        if length > 0, head.version == "HTTP/1.1", head.header("Expect")?.lowercased() == "100-continue" {
            try socket.write(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
        }
        let input = ContentLengthInput(reader: reader, length: length)
        let environ = HTTPEnviron.make(head, peer: socket.peer, server: options.identity, style: options.style,
                                       multithread: options.multithread, multiprocess: options.multiprocess)
        var keepOpen = options.keepAlive && clientKeepsAlive(head)
        var response: Response
        do {
            response = try app.handle(Request(environ: environ, input: input, errors: options.errors))
        } catch {
            options.errors.write("Error while handling \(head.requestLine): \(error)")
            guard let answer = options.answerToAppError?(error) else { return false }
            response = answer
            keepOpen = false
        }
        guard HTTPResponseHead.isSafe(response) else {
            options.errors.write("Refusing a response to \(head.requestLine): a header contains CR, LF or NUL")
            return false
        }
        if response.header("Connection")?.lowercased() == "close" { keepOpen = false }
        let sent = try ResponseSender.send(response, on: socket, head: head, keepOpen: &keepOpen, options: options)
        var record = ExchangeRecord(requestLine: head.requestLine, status: response.status, bodyBytes: sent)
        record.remoteAddress = socket.peer.host
        record.variableCount = environ.count
        record.started = time_t(started.timeIntervalSince1970)
        record.durationMicros = Int(Date().timeIntervalSince(started) * 1_000_000)
        record.headerCount = response.headers.count
        options.log(record)
        return keepOpen && input.drain()
    }

    private static func clientKeepsAlive(_ head: HTTPRequestHead) -> Bool {
        let tokens = (head.header("Connection") ?? "").lowercased().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        if head.version == "HTTP/1.0" { return tokens.contains("keep-alive") }
        return !tokens.contains("close")
    }

    private static func refuse(_ error: HTTPParseError, socket: ConnectedSocket, options: HTTPConnectionOptions,
                               requestLine: String) throws {
        let body = Array("<h1>\(error.status) \(HTTPReason.phrase(for: error.status))</h1><p>\(error.message)</p>\n".utf8)
        let response = Response(status: error.status, headers: [("Content-Type", "text/html;charset=utf-8")],
                                body: .bytes(body))
        var keepOpen = false
        let head = HTTPRequestHead(method: "GET", target: "/", version: "HTTP/1.1", headers: [])
        _ = try ResponseSender.send(response, on: socket, head: head, keepOpen: &keepOpen, options: options)
        options.log(ExchangeRecord(requestLine: requestLine, status: error.status, bodyBytes: body.count))
    }
}
