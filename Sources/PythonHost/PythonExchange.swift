@preconcurrency import CPython  // PyExc_* are C globals set once at start-up, then only read
import WSGI

/// One request's WSGI state while the app runs: what `start_response` set (the last call wins, as in uWSGI),
/// what `write()` produced, whether the head has gone out, and the body `wsgi.input` reads.
final class PythonExchange {
    /// The status as the app gave it (`200 OK`), checked for a three-digit code.
    private(set) var status: (code: Int, reason: String?)?
    private(set) var headers: [(name: String, value: String)] = []
    /// Bytes passed to `write()`, sent before the iterable's.
    var written: [[UInt8]] = []
    /// Set once the server has the head (the first non-empty chunk was produced): exc_info then re-raises.
    var headersSent = false
    /// The app gave a status uWSGI cannot send (fewer than 3 characters, or no digits): nothing is answered.
    private(set) var statusRefused = false
    let body: BufferedBody

    init(input: BodyInput, length: Int?) {
        body = BufferedBody(input, length: length)
    }

    /// Takes the status argument; false with TypeError set when it is not a `str`. Read from the string's UTF-8
    /// in place: only the reason becomes Swift text.
    func setStatus(_ object: PyPointer) -> Bool {
        var size: Py_ssize_t = 0
        guard sb_py_is_str(object) != 0, let pointer = PyUnicode_AsUTF8AndSize(object, &size) else {
            PyErr_Clear()
            _ = Py.raise(PyExc_TypeError, "http status must be a string")
            return false
        }
        let text = UnsafeRawBufferPointer(start: pointer, count: size)
        let digits = text.prefix(3)
        guard digits.count == 3, digits.allSatisfy({ (0x30...0x39).contains($0) }) else {
            statusRefused = true
            status = nil
            return true
        }
        statusRefused = false
        let code = digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        let rest = text[3...].drop { $0 == UInt8(ascii: " ") }
        status = (code, rest.isEmpty ? nil : String(decoding: rest, as: UTF8.self))
        headers = []
        return true
    }

    /// Takes the headers argument, with uWSGI's checks and messages; false with TypeError set. Headers before
    /// the first bad one are kept (uWSGI has already added them).
    func setHeaders(_ object: PyPointer) -> Bool {
        guard sb_py_is_list(object) != 0 else {
            _ = Py.raise(PyExc_TypeError, "http headers must be in a python list")
            return false
        }
        for index in 0..<PyList_Size(object) {
            let item = PyList_GetItem(object, index)!
            guard sb_py_is_tuple(item) != 0, PyTuple_Size(item) == 2 else {
                _ = Py.raise(PyExc_TypeError, "http header must be a 2-item tuple")
                return false
            }
            guard let name = Py.swiftString(PyTuple_GetItem(item, 0)) else {
                _ = Py.raise(PyExc_TypeError, "http header key must be a string")
                return false
            }
            guard let value = Py.swiftString(PyTuple_GetItem(item, 1)) else {
                _ = Py.raise(PyExc_TypeError, "http header value must be a string")
                return false
            }
            headers.append((name, value))
        }
        return true
    }

    /// The head the server sends, when the app set a status it can send.
    func response(body: ResponseBody) -> Response? {
        guard let status else { return nil }  // unset, or refused
        return Response(status: status.code, reason: status.reason, headers: headers, body: body)
    }
}

/// `wsgi.input`'s reading: whole reads and line reads over the server's `BodyInput`, with the lookahead a line
/// read leaves kept for the next read.
final class BufferedBody {
    private let input: BodyInput
    private var pending: [UInt8] = []
    private var ended = false
    /// Bytes not yet read from `input`, when CONTENT_LENGTH said how many there are.
    private var unread: Int?

    init(_ input: BodyInput, length: Int?) {
        self.input = input
        unread = length
    }

    /// How many bytes `read(size:)` returns, when the body's length is known.
    func count(forRead size: Int) -> Int? {
        guard let unread else { return nil }
        // The lookahead was taken from the unread bytes: the sum never passes CONTENT_LENGTH (at most Int.max).
        let available = pending.count + (ended ? 0 : unread)
        return size < 0 ? available : min(size, available)
    }

    /// Fills `buffer` from the lookahead, then from the input; returns how many bytes it holds (fewer only when
    /// the body ended early).
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let fromPending = min(pending.count, buffer.count)
        pending.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[0..<fromPending])) }
        pending.removeFirst(fromPending)
        var filled = fromPending
        while filled < buffer.count && !ended {
            let count = try input.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
            if count == 0 { ended = true } else { filled += count }
            unread = unread.map { max(0, $0 - count) }
        }
        return filled
    }

    /// Up to `size` bytes (everything left when negative); fewer only at the end.
    func read(size: Int) throws -> [UInt8] {
        while !ended && (size < 0 || pending.count < size) { try fill() }
        let count = size < 0 ? pending.count : min(size, pending.count)
        defer { pending.removeFirst(count) }
        return Array(pending[0..<count])
    }

    /// Up to and including the next newline, at most `limit` bytes when not negative.
    func readLine(limit: Int) throws -> [UInt8] {
        var searched = 0
        while true {
            if let newline = pending[searched...].firstIndex(of: UInt8(ascii: "\n")) {
                return take(limit < 0 ? newline + 1 : min(newline + 1, limit))
            }
            if limit >= 0 && pending.count >= limit || ended { return take(limit < 0 ? pending.count : min(limit, pending.count)) }
            searched = pending.count
            try fill()
        }
    }

    private func take(_ count: Int) -> [UInt8] {
        defer { pending.removeFirst(count) }
        return Array(pending[0..<count])
    }

    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        let count = try chunk.withUnsafeMutableBytes { try input.read(into: $0) }
        if count == 0 { ended = true } else { pending.append(contentsOf: chunk[0..<count]) }
        unread = unread.map { max(0, $0 - count) }
    }
}
