import Foundation
import StackConfig

/// The answers a connection makes itself: static files (a small one read into the same write as its head, a large
/// one sent by sendfile after it), 304s, redirects, and nginx's error pages.
extension Connection {
    /// Files up to this size are read and written with the head in one write (one TCP segment instead of a write
    /// and a sendfile); larger ones go by sendfile, as in nginx.
    static let inMemoryFileLimit = 16 * 1024

    func serveStatic(redirects: Int = 0) {
        let bytes = input.bytes
        let method = UnsafeRawBufferPointer(rebasing: bytes[head.method])
        let kind: StaticFiles.Method = method.equals("GET") ? .get : method.equals("HEAD") ? .head : method.equals("POST") ? .post : .other
        var conditions = StaticFiles.Conditions()
        if head.conditional {
            func text(_ name: StaticString) -> String? { head.first(name, in: bytes).map(\.string) }
            conditions = StaticFiles.Conditions(ifMatch: text("if_match"), ifNoneMatch: text("if_none_match"),
                                                ifModifiedSince: text("if_modified_since"), ifUnmodifiedSince: text("if_unmodified_since"),
                                                range: text("range"), ifRange: text("if_range"))
        }
        switch StaticFiles.serve(path.bytes, route: request.route, method: kind, conditions,
                                 cache: request.route.openFileCache(loop: loop.index), now: loop.now) {
        case .file(let file):
            send(file)
        case .notModified(let file):
            file.release()
            request.status = 304
            ResponseHead.begin(304, signature: context.signature, clock: loop.clock, into: &output)
            ResponseHead.header("Last-Modified", loop.clock.lastModified(file.modified), into: &output)
            ResponseHead.connection(keepAlive: request.keepAlive, into: &output)
            if scope.etag { ResponseHead.etag(modified: file.modified, size: file.size, into: &output) }
            endHead()
        case .addSlash:
            answerError(301, location: redirectLocation())
        case .index(let name):
            guard redirects < 10 else { answerError(500); return }
            path.append(name)
            request.route = FrontRoutes.location(in: request.server.locations, for: path.bytes) ?? request.server.scope
            if request.route.scope.uwsgiPass != nil {  // an index that maps to a proxied location: passed upstream
                move(.internalRedirect)
                beginProxy(to: request.route.scope.uwsgiPass!)
            } else {
                serveStatic(redirects: redirects + 1)
            }
        case .error(let code, let log):
            if let log {
                context.errorLog(for: scope).write(.error, connection: number, log
                    + ", client: \(remoteAddress.bytes.string), server: \(request.server.name), request: \"\(UnsafeRawBufferPointer(rebasing: input.bytes[head.line]).string)\"")
            }
            answerError(code)
        case .rangeNotSatisfiable(let size):
            answerError(416, contentRange: size)
        }
    }

    /// `http://HOST[:PORT]/path/?args` for a directory named without its slash.
    private func redirectLocation() -> [UInt8] {
        let bytes = input.bytes
        var location = Array("http://".utf8)
        if let host = head.host {
            location += head.value(host, in: bytes).prefix { $0 != UInt8(ascii: ":") }
        } else {
            location += Array(request.server.name.utf8)
        }
        let port = serverPort.bytes
        if !port.isEmpty, !port.equals("80") { location.append(UInt8(ascii: ":")); location += port }
        location += path.bytes
        location.append(UInt8(ascii: "/"))
        if let query = request.query { location.append(UInt8(ascii: "?")); location += UnsafeRawBufferPointer(rebasing: bytes[head.target])[query] }
        return location
    }

    private func send(_ file: StaticFiles.File) {
        let range = file.range ?? 0..<file.size
        request.status = file.range == nil ? 200 : 206
        ResponseHead.begin(request.status, signature: context.signature, clock: loop.clock, into: &output)
        ResponseHead.header("Content-Type", file.contentType, into: &output)
        ResponseHead.header("Content-Length", decimal: range.count, into: &output)
        ResponseHead.header("Last-Modified", loop.clock.lastModified(file.modified), into: &output)
        ResponseHead.connection(keepAlive: request.keepAlive, into: &output)
        if scope.etag { ResponseHead.etag(modified: file.modified, size: file.size, into: &output) }
        if file.range != nil {
            output.append("Content-Range: bytes ")
            output.append(decimal: range.lowerBound)
            output.append("-")
            output.append(decimal: range.upperBound - 1)
            output.append("/")
            output.append(decimal: file.size)
            output.append("\r\n")
        } else {
            output.append("Accept-Ranges: bytes\r\n")
        }
        endHead()
        if request.isHead || range.isEmpty {
            file.release()
        } else if range.count <= Self.inMemoryFileLimit {
            output.reserve(range.count)
            let read = pread(file.descriptor, output.tail, range.count, off_t(range.lowerBound))
            file.release()
            guard read == range.count else {  // the file shrank between fstat and read
                output.removeAll()
                answerError(500)
                return
            }
            output.count += range.count
            request.bodyBytesSent = range.count
        } else {
            self.file = file.descriptor
            fileOwner = file.owner
            fileOffset = range.lowerBound
            fileEnd = range.upperBound
        }
    }

    /// nginx's error answer: its page, Content-Type text/html (with the charset, except on a redirect), and
    /// `Connection: close` for the statuses after which nginx does not keep the connection.
    func answerError(_ code: Int, location: [UInt8]? = nil, contentRange size: Int? = nil) {
        if [400, 413, 414, 500, 501, 505].contains(code) { request.keepAlive = false }
        request.status = code
        output.removeAll()
        ResponseHead.begin(code, signature: context.signature, clock: loop.clock, into: &output)
        output.append("Content-Type: text/html")
        if code != 301, let charset = scope.charset { output.append("; charset="); output.append(charset) }
        output.append("\r\n")
        let page = ErrorPage.body(code, signature: context.signatureText)
        ResponseHead.header("Content-Length", decimal: page.utf8.count, into: &output)
        if let location { ResponseHead.header("Location", location, into: &output) }
        ResponseHead.connection(keepAlive: request.keepAlive, into: &output)
        if let size {
            output.append("Content-Range: bytes */")
            output.append(decimal: size)
            output.append("\r\n")
        }
        endHead()
        if !request.isHead {
            output.append(page)
            request.bodyBytesSent = page.utf8.count
        }
    }
}
