import CLinux
import Foundation
import StackConfig

/// Writing a response the front makes: its head ended (add_header, HTTP/0.9), `100 Continue`, the buffered bytes
/// flushed, a file sent by sendfile.
extension Connection {
    /// Ends the response head built in `output` with its empty line. An HTTP/0.9 request gets no head at all, as
    /// nginx answers it: the head is dropped and only the body follows (every head starts on an empty `output`).
    func endHead() {
        if !request.route.addedHeaders.isEmpty { appendAddedHeaders() }
        output.append("\r\n")
        if head.simple { output.removeAll() }
    }

    /// The statuses add_header adds to without `always` (nginx 1.22's list).
    static let addHeaderStatuses: Set<Int> = [200, 201, 204, 206, 301, 302, 303, 304, 307, 308]

    /// add_header's lines for this answer: for the statuses nginx adds them to (every one with `always`), each
    /// value's variables filled in; an empty value adds nothing, nor does one holding CR, LF or NUL (a `$uri` with
    /// `%0D%0A` would otherwise split the head: nginx sends it, the front does not).
    func appendAddedHeaders() {
        let added = Self.addHeaderStatuses.contains(request.status)
        let facts = self.facts()
        for header in request.route.addedHeaders where added || header.always {
            let mark = output.count
            output.append(header.name)
            let valueStart = output.count
            header.value.write(facts, clock: loop.clock, into: &output, newline: false)
            let value = UnsafeRawBufferPointer(start: output.base + valueStart, count: output.count - valueStart)
            if value.isEmpty || value.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) {
                output.count = mark
                continue
            }
            output.append("\r\n")
        }
    }

    /// `HTTP/1.1 100 Continue` when the client sent `Expect: 100-continue` and none of its body has come yet, as
    /// nginx answers it whether it then reads the body (uwsgi_pass) or discards it (a static file): a client that
    /// waits for it would otherwise wait out its own timeout first.
    func sendContinueIfExpected() {
        guard let expect = head.expect, head.value(expect, in: input.bytes).equalsIgnoringCase("100-continue"),
              input.count == request.headLength, head.isHTTP11 else { return }
        let line: StaticString = "HTTP/1.1 100 Continue\r\n\r\n"
        _ = write(descriptor, line.utf8Start, line.utf8CodeUnitCount)
    }

    /// Writes what `output` holds; false while the client is not taking it (EPOLLOUT resumes).
    func flush() -> Bool {
        while outputSent < output.count {
            let written = write(descriptor, output.base + outputSent, output.count - outputSent)
            if written > 0 { outputSent += written; continue }
            if written < 0, errno == EINTR { continue }
            if written < 0, errno == EAGAIN { block(); return false }
            fail()
            return false
        }
        request.bytesSent += outputSent
        output.removeAll()
        outputSent = 0
        return true
    }

    /// The client's receive window is full: send_timeout runs until EPOLLOUT.
    func block() {
        writeBlocked = true
        setTimer()
    }

    /// Sends the rest of the file by sendfile; true when it is all sent (or there is none).
    func finishFile() -> Bool {
        guard file >= 0 else { return true }
        while fileOffset < fileEnd {
            var offset = off_t(fileOffset)
            let sent = sendfile(descriptor, file, &offset, fileEnd - fileOffset)
            if sent > 0 { fileOffset = Int(offset); request.bytesSent += sent; request.bodyBytesSent += sent; continue }
            if sent < 0, errno == EINTR { continue }
            if sent < 0, errno == EAGAIN { block(); return false }
            if sent == 0 {  // the file shrank under us: nginx logs it and closes
                context.errorLog(for: scope).write(.alert, connection: number, "sendfile() reported that the file was truncated at \(fileOffset)")
            }
            fail()
            return false
        }
        releaseFile()
        return true
    }

    func releaseFile() {
        if fileOwner == nil { Foundation.close(file) }
        fileOwner = nil
        file = -1
    }
}
