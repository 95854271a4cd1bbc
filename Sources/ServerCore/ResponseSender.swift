import WSGI

/// Writes a `Response` as HTTP/1.x: head and in-memory body in one gathered write, files with sendfile, chunks as
/// they come. Adds Date, Server, Content-Length when the app left it out but the length is known, and Connection;
/// never more body bytes than the app's Content-Length; no body for HEAD, 1xx, 204 and 304. A body of unknown length
/// ends by closing the connection, as wsgiref does.
enum ResponseSender {
    /// Sends `response`; returns the body length for the log. `keepOpen` comes in as what the client allows and
    /// goes out as what the framing allows.
    static func send(_ response: Response, on socket: ConnectedSocket, head: HTTPRequestHead, keepOpen: inout Bool,
                     options: HTTPConnectionOptions) throws -> Int {
        let status = response.status
        let bodyless = head.method == "HEAD" || (100..<200).contains(status) || status == 204 || status == 304
        let declared = response.header("Content-Length").flatMap { Int($0) }
        let length = declared ?? response.body.knownLength
        var framing: [(name: String, value: String)] = []
        if declared == nil, let length, !(100..<200).contains(status), status != 204, status != 304 {
            framing.append(("Content-Length", String(length)))
        }
        if length == nil && !bodyless { keepOpen = false }
        if response.header("Connection") == nil {
            if !keepOpen {
                framing.append(("Connection", "close"))
            } else if head.version == "HTTP/1.0" {
                framing.append(("Connection", "keep-alive"))
            }
        }
        var serverHeaders: [(name: String, value: String)] = [("Date", HTTPDate.now())]
        if let server = options.serverHeader { serverHeaders.append(("Server", server)) }
        let headBytes = HTTPResponseHead.serialize(version: "HTTP/1.1", response: response,
                                                   serverHeaders: serverHeaders, framingHeaders: framing)
        let limit = declared ?? Int.max
        switch response.body {
        case .bytes(let body):
            let count = bodyless ? 0 : min(body.count, limit)
            try headBytes.withUnsafeBytes { headPart in
                try body.withUnsafeBytes { bodyPart in
                    try socket.write([headPart, UnsafeRawBufferPointer(rebasing: bodyPart[0..<count])])
                }
            }
            return length ?? count
        case .file(let region):
            try socket.write(headBytes)
            if !bodyless { try socket.sendFile(region.descriptor, offset: region.offset, count: min(region.count, limit)) }
            return length ?? region.count
        case .chunks(let source):
            defer { source.close() }
            var pendingHead: [UInt8]? = headBytes  // goes out with the first chunk, in one write
            var sent = 0
            while !bodyless, sent < limit, let chunk = try source.nextChunk() {
                let count = min(chunk.count, limit - sent)
                try chunk.withUnsafeBytes { body in
                    try (pendingHead ?? []).withUnsafeBytes { head in
                        try socket.write([head, UnsafeRawBufferPointer(rebasing: body[0..<count])])
                    }
                }
                pendingHead = nil
                sent += count
            }
            if let pendingHead { try socket.write(pendingHead) }
            if let declared, sent < declared, !bodyless { keepOpen = false }
            return length ?? sent
        }
    }
}
