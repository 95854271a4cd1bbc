import NIOCore
import NIOPosix
import StackConfig

/// One request to a uwsgi upstream (shared/spec/nginx-subset.md §7): connect within uwsgi_connect_timeout, send the
/// packet and the buffered body, read the raw HTTP head the upstream answers with, then pass body bytes on as they
/// arrive until the upstream closes. The connection lasts one request, as the uwsgi protocol has it. Events go to
/// `events` on the client's event loop; the caller relays them and may pause reading (`setReading`).
final class UwsgiUpstream {
    enum Failure {
        case connect(code: Int32, reason: String)
        case connectTimeout
        case readTimeout(whileHead: Bool)
        case closedBeforeHead
        case invalidHead(String)
        case headTooBig
        case closedEarly
    }

    enum Event {
        case head(status: Int, reason: String, headers: [(String, String)])
        case body(ByteBuffer)
        case end
        case failed(Failure)
    }

    private var channel: Channel?
    private var finished = false

    /// Connects and sends; `events` is called on `eventLoop` only.
    init(eventLoop: EventLoop, upstream: NginxUpstream, packet: ByteBuffer, body: ByteBuffer?, scope: NginxScope,
         events: @escaping (Event) -> Void) {
        let readTimeout = TimeAmount.milliseconds(Int64(scope.uwsgiReadTimeout))
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(.milliseconds(Int64(scope.uwsgiConnectTimeout)))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(UpstreamResponseHandler(readTimeout: readTimeout, events: events))
                }
            }
        let connecting: EventLoopFuture<Channel>
        switch upstream {
        case .unix(let path): connecting = bootstrap.connect(unixDomainSocketPath: path)
        case .tcp(let host, let port): connecting = bootstrap.connect(host: host, port: port)
        }
        connecting.whenComplete { [weak self] result in
            switch result {
            case .success(let channel):
                guard let self, !self.finished else { channel.close(promise: nil); return }
                self.channel = channel
                channel.write(packet, promise: nil)
                if let body, body.readableBytes > 0 { channel.write(body, promise: nil) }
                channel.flush()
            case .failure(let error):
                if error is ChannelError, case .connectTimeout = error as! ChannelError {
                    events(.failed(.connectTimeout))
                } else if let io = error as? IOError {
                    events(.failed(.connect(code: io.errnoCode, reason: String(cString: strerror(io.errnoCode)))))
                } else if let connect = error as? NIOConnectionError, let io = connect.connectionErrors.first?.error as? IOError {
                    events(.failed(.connect(code: io.errnoCode, reason: String(cString: strerror(io.errnoCode)))))
                } else {
                    events(.failed(.connect(code: 0, reason: "\(error)")))
                }
            }
        }
    }

    /// Pauses or resumes reading from the upstream (the client cannot take more yet, or can again).
    func setReading(_ on: Bool) {
        channel?.setOption(ChannelOptions.autoRead, value: on).whenFailure { _ in }
        if on { channel?.read() }
    }

    /// Ends the exchange early (the client went away): closes the upstream connection.
    func cancel() {
        finished = true
        channel?.close(promise: nil)
    }
}

/// Reads the upstream's answer: the head (up to 4 KiB, nginx's uwsgi_buffer_size), then the body; the read timeout
/// counts between two reads, as uwsgi_read_timeout does.
final class UpstreamResponseHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    static let maximumHead = 4096

    private let readTimeout: TimeAmount
    private let events: (UwsgiUpstream.Event) -> Void
    private var head = ByteBuffer()
    private var headDone = false
    private var expectedLength: Int?
    private var received = 0
    private var done = false
    private var timer: Scheduled<Void>?

    init(readTimeout: TimeAmount, events: @escaping (UwsgiUpstream.Event) -> Void) {
        self.readTimeout = readTimeout
        self.events = events
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context)
    }

    private func arm(_ context: ChannelHandlerContext) {
        timer?.cancel()
        let headDone = self.headDone
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: readTimeout) { [weak self] in
            self?.finish(.failed(.readTimeout(whileHead: !headDone)), context)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !done else { return }
        var bytes = unwrapInboundIn(data)
        arm(context)
        if headDone {
            received += bytes.readableBytes
            events(.body(bytes))
            return
        }
        head.writeBuffer(&bytes)
        guard let end = head.readableBytesView.firstRange(of: [13, 10, 13, 10]) else {
            if head.readableBytes > Self.maximumHead { finish(.failed(.headTooBig), context) }
            return
        }
        let headLength = end.upperBound - head.readerIndex
        guard headLength <= Self.maximumHead else { finish(.failed(.headTooBig), context); return }
        let text = head.readString(length: headLength) ?? ""
        guard let parsed = Self.parse(text) else {
            finish(.failed(.invalidHead(String(text.prefix(32)))), context)
            return
        }
        headDone = true
        expectedLength = parsed.headers.first { $0.0.lowercased() == "content-length" }.flatMap { Int($0.1) }
        events(.head(status: parsed.status, reason: parsed.reason, headers: parsed.headers))
        if head.readableBytes > 0 {
            received += head.readableBytes
            events(.body(head))
        }
        head = ByteBuffer()
    }

    func channelInactive(context: ChannelHandlerContext) {
        guard !done else { return }
        if !headDone { finish(.failed(.closedBeforeHead), context); return }
        if let expectedLength, received < expectedLength { finish(.failed(.closedEarly), context); return }
        finish(.end, context)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    private func finish(_ event: UwsgiUpstream.Event, _ context: ChannelHandlerContext) {
        guard !done else { return }
        done = true
        timer?.cancel()
        events(event)
        context.close(promise: nil)
    }

    /// `HTTP/1.1 200 OK` or `Status: 200 OK` style heads; header lines `Name: value`.
    static func parse(_ text: String) -> (status: Int, reason: String, headers: [(String, String)])? {
        // A CR, LF or NUL left inside a line would split or end the client's header block: refused, as nginx does.
        guard !text.utf8.contains(0) else { return nil }
        var lines = text.split(separator: "\r\n", omittingEmptySubsequences: true)[...]
        guard !lines.contains(where: { $0.utf8.contains(13) || $0.utf8.contains(10) }) else { return nil }
        guard let first = lines.popFirst() else { return nil }
        var status: Int?
        var reason = ""
        var headers: [(String, String)] = []
        if first.hasPrefix("HTTP/") {
            let parts = first.split(separator: " ", maxSplits: 2)
            guard parts.count >= 2, let code = Int(parts[1]), (100...999).contains(code) else { return nil }
            status = code
            reason = parts.count > 2 ? String(parts[2]) : ""
        } else {
            lines.insert(first, at: lines.startIndex)
        }
        for line in lines {
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex,
                  !line[..<colon].contains(where: { $0 == " " || $0 == "\t" }) else { return nil }
            let name = String(line[..<colon])
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if name.lowercased() == "status", status == nil {
                let parts = value.split(separator: " ", maxSplits: 1)
                guard let code = parts.first.flatMap({ Int($0) }) else { return nil }
                status = code
                reason = parts.count > 1 ? String(parts[1]) : ""
                continue
            }
            headers.append((name, value))
        }
        guard let status else { return nil }
        return (status, reason, headers)
    }
}
