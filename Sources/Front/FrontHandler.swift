import Foundation
import NIOCore
import NIOHTTP1
import enum ServerCore.HTTPDate
import StackConfig

/// One client connection of the front, after NIOHTTP1's decoder and pipelining handler: routes each request to a
/// location (FrontRoutes), answers it from disk (StaticFiles) or through uwsgi_pass (UwsgiUpstream), and writes
/// the access-log line. Timers: client_header_timeout before a head, keepalive_timeout between requests,
/// client_body_timeout between body reads; on expiry the connection is closed, so a slow client cannot hold it.
final class FrontHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let front: FrontContext
    private let listen: NginxListen.Address
    private let connection: Int
    private var requests = 0
    private var timer: Scheduled<Void>?
    private var deadline: NIODeadline?
    private var pendingAt: NIODeadline?
    private var request: InFlight?
    private var upstream: UwsgiUpstream?
    private var closing = false

    /// The request being answered.
    private struct InFlight {
        var head: HTTPRequestHead
        var record: RequestRecord
        var server: FrontRoutes.Server
        var route: FrontRoutes.Route
        var path: [UInt8]
        var keepAlive: Bool
        var body: ByteBuffer?
        var bodyBytes = 0
        var refused: Int?
        var responded = false
    }

    init(front: FrontContext, listen: NginxListen.Address, connection: Int) {
        self.front = front
        self.listen = listen
        self.connection = connection
    }

    /// The client's address and port and the local port, as logged: formatted once per connection.
    private var peerStrings: (address: String, port: String, serverPort: String)?

    private func peer(_ context: ChannelHandlerContext) -> (address: String, port: String, serverPort: String) {
        if let peerStrings { return peerStrings }
        let remote = context.channel.remoteAddress
        let strings = (address: remote.map { $0.ipAddress ?? "unix:" } ?? "-", port: remote?.port.map(String.init) ?? "",
                       serverPort: context.channel.localAddress?.port.map(String.init) ?? "")
        peerStrings = strings
        return strings
    }

    /// The first (or `default_server`) server of this connection's address.
    private var defaultServer: FrontRoutes.Server? { front.routes.byListen[listen]?.first }
    private var defaultScope: NginxScope? { defaultServer?.scope.scope }

    func channelActive(context: ChannelHandlerContext) {
        arm(context, milliseconds: defaultScope?.clientHeaderTimeout ?? 60_000)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        upstream?.cancel()
        if var request, !request.responded {
            request.record.status = 499
            log(request, context)
        }
        request = nil
        context.fireChannelInactive()
    }

    /// Sets the connection's deadline. One scheduled task serves many requests: it is only replaced when the new
    /// deadline is earlier than the pending one, and when it fires early it re-arms for the deadline now in force
    /// (scheduling and cancelling a task per request was a visible cost under load).
    private func arm(_ context: ChannelHandlerContext, milliseconds: Int) {
        guard milliseconds > 0 else { deadline = nil; return }
        let when = NIODeadline.now() + .milliseconds(Int64(milliseconds))
        deadline = when
        if let pendingAt, pendingAt <= when { return }
        schedule(context, at: when)
    }

    private func disarm() { deadline = nil }

    private func schedule(_ context: ChannelHandlerContext, at when: NIODeadline) {
        timer?.cancel()
        pendingAt = when
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: when) { [weak self] in
            guard let self else { return }
            self.pendingAt = nil
            guard let deadline = self.deadline else { return }
            if deadline > .now() { self.schedule(context, at: deadline); return }
            self.closing = true
            context.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): begin(head, context)
        case .body(var bytes):
            guard var current = request else { return }
            current.bodyBytes += bytes.readableBytes
            let limit = current.route.scope.clientMaxBodySize
            if current.refused == nil, limit > 0, current.bodyBytes > limit { current.refused = 413 }
            if current.refused == nil, current.body != nil { current.body!.writeBuffer(&bytes) }
            request = current
            arm(context, milliseconds: current.route.scope.clientBodyTimeout)
        case .end:
            disarm()
            guard let current = request else { return }
            if let status = current.refused { answerError(status, context) } else { dispatch(current, context) }
        }
    }

    private func begin(_ head: HTTPRequestHead, _ context: ChannelHandlerContext) {
        disarm()
        requests += 1
        var record = RequestRecord()
        record.start = Date()
        record.method = head.method.rawValue
        record.requestURI = head.uri
        record.requestLine = "\(head.method.rawValue) \(head.uri) HTTP/\(head.version.major).\(head.version.minor)"
        record.headers = head.headers
        let peer = peer(context)
        record.remoteAddress = peer.address
        record.remotePort = peer.port
        record.serverPort = peer.serverPort
        record.connection = connection
        record.connectionRequests = requests
        let host = record.host
        guard let server = front.routes.server(on: listen, host: host) else { context.close(promise: nil); return }
        record.serverName = server.name
        var current = InFlight(head: head, record: record, server: server, route: server.scope, path: [UInt8(ascii: "/")],
                               keepAlive: false)
        let hostCount = head.headers["host"].count
        let uri: RequestURI
        do {
            guard !(head.version == .http1_1 && hostCount == 0), hostCount <= 1 else { throw RequestURI.Failure.badRequest }
            uri = try RequestURI(target: head.uri)
        } catch {
            request = current
            answerError(400, context)
            return
        }
        current.path = uri.path
        current.record.uri = String(decoding: uri.path, as: UTF8.self)
        current.record.args = uri.query
        current.route = FrontRoutes.location(in: server.locations, for: uri.path) ?? server.scope
        let scope = current.route.scope
        current.keepAlive = head.isKeepAlive && scope.keepaliveTimeout > 0 && requests < scope.keepaliveRequests
        let declared = head.headers.first(name: "content-length").flatMap(Int.init) ?? 0
        if let encoding = head.headers.first(name: "transfer-encoding"), encoding.lowercased() != "chunked" {
            current.refused = 501
        } else if scope.clientMaxBodySize > 0, declared > scope.clientMaxBodySize {
            current.refused = 413
        } else if scope.uwsgiPass != nil {
            current.body = context.channel.allocator.buffer(capacity: declared)
            if head.headers.first(name: "expect")?.lowercased() == "100-continue" {
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .continue))), promise: nil)
            }
        }
        request = current
        if let status = current.refused {  // answered at once, as nginx does, without waiting for a body
            answerError(status, context)
            return
        }
        arm(context, milliseconds: scope.clientBodyTimeout)
    }

    private func dispatch(_ current: InFlight, _ context: ChannelHandlerContext) {
        if let pass = current.route.scope.uwsgiPass {
            proxy(current, to: pass, context)
        } else {
            serveStatic(context)
        }
    }

    // MARK: static files

    private func serveStatic(_ context: ChannelHandlerContext, redirects: Int = 0) {
        guard let current = request else { return }
        let headers = current.head.headers
        let conditions = StaticFiles.Conditions(method: current.head.method.rawValue, ifNoneMatch: headers.first(name: "if-none-match"),
                                                ifModifiedSince: headers.first(name: "if-modified-since"),
                                                ifMatch: headers.first(name: "if-match"), range: headers.first(name: "range"))
        switch StaticFiles.serve(current.path, route: current.route, conditions) {
        case .file(let file):
            sendFile(file, status: file.range == nil ? .ok : .partialContent, context)
        case .notModified(let file):
            close(file.descriptor)
            var head = responseHead(.notModified, context)
            head.headers.add(name: "Last-Modified", value: HTTPDate.format(file.modified))
            if let etag = file.etag { head.headers.add(name: "ETag", value: etag) }
            finish(head, body: nil, context)
        case .addSlash:
            let host = current.head.headers.first(name: "host").map { String($0.prefix { $0 != ":" }) } ?? current.server.name
            let port = current.record.serverPort
            var location = "http://\(host)\(port == "80" || port.isEmpty ? "" : ":\(port)")\(current.record.uri)/"
            if let args = current.record.args { location += "?\(args)" }
            answerError(301, context, extra: [("Location", location)])
        case .index(let path):
            guard redirects < 10 else { answerError(500, context); return }
            request!.path = path
            request!.record.uri = String(decoding: path, as: UTF8.self)
            request!.route = FrontRoutes.location(in: current.server.locations, for: path) ?? current.server.scope
            dispatch(request!, context)
        case .error(let status, let log):
            if let log {
                front.errorLog(for: current.route.scope).write(.error, connection: connection, log
                    + ", client: \(current.record.remoteAddress), server: \(current.server.name), request: \"\(current.record.requestLine)\"")
            }
            answerError(status, context)
        case .rangeNotSatisfiable(let size):
            answerError(416, context, extra: [("Content-Range", "bytes */\(size)")])
        }
    }

    private func sendFile(_ file: StaticFiles.File, status: HTTPResponseStatus, _ context: ChannelHandlerContext) {
        var head = responseHead(status, context)
        let range = file.range ?? 0..<file.size
        head.headers.add(name: "Content-Type", value: file.contentType)
        head.headers.add(name: "Content-Length", value: String(range.count))
        head.headers.add(name: "Last-Modified", value: front.loopState(context.eventLoop).lastModified(file.modified))
        addConnectionHeader(&head)
        if let etag = file.etag { head.headers.add(name: "ETag", value: etag) }
        if file.range != nil {
            head.headers.add(name: "Content-Range", value: "bytes \(range.lowerBound)-\(range.upperBound - 1)/\(file.size)")
        } else {
            head.headers.add(name: "Accept-Ranges", value: "bytes")
        }
        if request?.head.method == .HEAD || range.isEmpty {
            close(file.descriptor)
            finish(head, body: nil, context)
        } else if range.count <= Self.inMemoryFileLimit {
            guard let bytes = readRange(file.descriptor, range, context) else { answerError(500, context); return }
            request?.record.bodyBytesSent = range.count
            finish(head, body: .byteBuffer(bytes), context)
        } else {
            let handle = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: file.descriptor)
            request?.record.bodyBytesSent = range.count
            finish(head, body: .fileRegion(FileRegion(fileHandle: handle, readerIndex: range.lowerBound, endIndex: range.upperBound)), context) {
                try? handle.close()
            }
        }
    }

    /// Files up to this size are read and written with the head in one writev (one TCP segment instead of a
    /// write and a sendfile); larger ones go by sendfile.
    static let inMemoryFileLimit = 16 * 1024

    /// The range's bytes by pread; the descriptor is closed either way. nil when the file shrank meanwhile.
    private func readRange(_ descriptor: CInt, _ range: Range<Int>, _ context: ChannelHandlerContext) -> ByteBuffer? {
        defer { close(descriptor) }
        var buffer = context.channel.allocator.buffer(capacity: range.count)
        let read = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: range.count) { pointer in
            max(0, pread(descriptor, pointer.baseAddress, range.count, off_t(range.lowerBound)))
        }
        return read == range.count ? buffer : nil
    }

    // MARK: uwsgi_pass

    private func proxy(_ current: InFlight, to pass: NginxUpstream, _ context: ChannelHandlerContext) {
        let packet = UwsgiRequestVars.packet(for: current.head, record: current.record, route: current.route,
                                             allocator: context.channel.allocator)
        guard let packet else { answerError(500, context); return }
        request?.record.upstreamAddress = pass.address
        let started = Date()
        var sentHead = false
        let loop = context.eventLoop
        let body = current.route.scope.uwsgiPassRequestBody ? current.body : nil
        upstream = UwsgiUpstream(eventLoop: loop, upstream: pass, packet: packet, body: body, scope: current.route.scope) { [weak self] event in
            guard let self, self.request != nil else { return }
            switch event {
            case .head(let status, let reason, let headers):
                sentHead = true
                self.request!.record.upstreamStatus = status
                self.request!.record.upstreamResponseTime = Date().timeIntervalSince(started)
                var head = self.responseHead(.custom(code: UInt(status), reasonPhrase: reason), context)
                var hasLength = false
                for (name, value) in headers {
                    switch name.lowercased() {
                    case "connection", "keep-alive", "transfer-encoding", "server", "date": continue
                    case "content-length": hasLength = true
                    default: break
                    }
                    head.headers.add(name: name, value: value)
                }
                if !hasLength, self.request!.head.version != .http1_1 { self.request!.keepAlive = false }
                self.addConnectionHeader(&head)
                self.request!.record.status = status
                context.write(self.wrapOutboundOut(.head(head)), promise: nil)
            case .body(let bytes):
                self.request!.record.bodyBytesSent += bytes.readableBytes
                if self.request!.head.method != .HEAD { context.writeAndFlush(self.wrapOutboundOut(.body(.byteBuffer(bytes))), promise: nil) }
                if !context.channel.isWritable { self.upstream?.setReading(false) }
            case .end:
                self.upstream = nil
                self.complete(context)
            case .failed(let failure):
                self.upstream = nil
                self.upstreamFailed(failure, headSent: sentHead, pass: pass, context)
            }
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { upstream?.setReading(true) }
        context.fireChannelWritabilityChanged()
    }

    private func upstreamFailed(_ failure: UwsgiUpstream.Failure, headSent: Bool, pass: NginxUpstream, _ context: ChannelHandlerContext) {
        guard let current = request else { return }
        let (status, level, message): (Int, NginxErrorLog.Level, String)
        switch failure {
        case .connect(let code, let reason):
            let isUnix = if case .unix = pass { true } else { false }
            (status, level, message) = (502, isUnix ? .crit : .error,
                                        "connect() to \(pass.address) failed (\(code): \(reason)) while connecting to upstream")
        case .connectTimeout: (status, level, message) = (504, .error, "upstream timed out (110: Connection timed out) while connecting to upstream")
        case .readTimeout(let whileHead):
            (status, level, message) = (504, .error, "upstream timed out (110: Connection timed out) while reading \(whileHead ? "response header from " : "")upstream")
        case .closedBeforeHead: (status, level, message) = (502, .error, "upstream prematurely closed connection while reading response header from upstream")
        case .invalidHead(let text): (status, level, message) = (502, .error, "upstream sent invalid header: \"\(text)\" while reading response header from upstream")
        case .headTooBig: (status, level, message) = (502, .error, "upstream sent too big header while reading response header from upstream")
        case .closedEarly: (status, level, message) = (502, .error, "upstream prematurely closed connection while reading upstream")
        }
        front.errorLog(for: current.route.scope).write(level, connection: connection, message
            + ", client: \(current.record.remoteAddress), server: \(current.server.name), request: \"\(current.record.requestLine)\", upstream: \"\(pass.logName)\(current.record.uri)\""
            + (current.head.headers.first(name: "host").map { ", host: \"\($0)\"" } ?? ""))
        if headSent {
            request?.keepAlive = false
            complete(context)
        } else {
            answerError(status, context)
        }
    }

    // MARK: answers

    private func responseHead(_ status: HTTPResponseStatus, _ context: ChannelHandlerContext) -> HTTPResponseHead {
        var headers = HTTPHeaders()
        headers.reserveCapacity(10)
        headers.add(name: "Server", value: front.signature)
        headers.add(name: "Date", value: front.loopState(context.eventLoop).httpDate())
        request?.record.status = Int(status.code)
        return HTTPResponseHead(version: .http1_1, status: status, headers: headers)
    }

    /// Adds `Connection` (keep-alive or close); called after the entity headers, where nginx puts it.
    private func addConnectionHeader(_ head: inout HTTPResponseHead) {
        head.headers.add(name: "Connection", value: request?.keepAlive == true ? "keep-alive" : "close")
    }

    private func answerError(_ status: Int, _ context: ChannelHandlerContext, extra: [(String, String)] = []) {
        if [400, 413, 414, 500, 501].contains(status) { request?.keepAlive = false }
        var head = responseHead(.custom(code: UInt(status), reasonPhrase: ErrorPage.reason(status)), context)
        let page = ErrorPage.body(status, signature: front.signature)
        let charset = request?.route.scope.charset
        head.headers.add(name: "Content-Type", value: "text/html" + (charset.map { "; charset=\($0)" } ?? ""))
        head.headers.add(name: "Content-Length", value: String(page.utf8.count))
        addConnectionHeader(&head)
        for (name, value) in extra { head.headers.add(name: name, value: value) }
        let isHead = request?.head.method == .HEAD
        var buffer = context.channel.allocator.buffer(capacity: page.utf8.count)
        buffer.writeString(page)
        request?.record.bodyBytesSent = isHead ? 0 : page.utf8.count
        finish(head, body: isHead ? nil : .byteBuffer(buffer), context)
    }

    private func finish(_ head: HTTPResponseHead, body: IOData?, _ context: ChannelHandlerContext, then cleanup: (() -> Void)? = nil) {
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if let body {
            let promise: EventLoopPromise<Void>? = cleanup.map { done in
                let promise = context.eventLoop.makePromise(of: Void.self)
                promise.futureResult.whenComplete { _ in done() }
                return promise
            }
            context.write(wrapOutboundOut(.body(body)), promise: promise)
        }
        complete(context)
    }

    /// The response's end: log, then close or wait for the next request.
    private func complete(_ context: ChannelHandlerContext) {
        guard var current = request else { return }
        current.responded = true
        request = nil
        let keepAlive = current.keepAlive
        log(current, context)
        if keepAlive {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            arm(context, milliseconds: current.route.scope.keepaliveTimeout)
        } else {
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
        }
    }

    private func log(_ current: InFlight, _ context: ChannelHandlerContext) {
        let logs = current.route.scope.accessLogs
        guard !logs.isEmpty else { return }
        let buffer = front.loopState(context.eventLoop).accessLog
        for target in logs {
            guard let file = front.logFiles[target.path] else { continue }
            buffer.append(current.record.line(target.format), to: file)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if error is HTTPParserError, request == nil, !closing, let server = defaultServer {
            var record = RequestRecord()
            record.requestLine = ""
            request = InFlight(head: HTTPRequestHead(version: .http1_1, method: .GET, uri: "/"), record: record,
                               server: server, route: server.scope,
                               path: [], keepAlive: false)
            answerError(400, context)
            return
        }
        context.close(promise: nil)
    }
}
