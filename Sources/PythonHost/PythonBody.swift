import CPython
import Glibc
import WSGI

/// The iterable an app returned, as the server sends it: produced up to the first non-empty chunk before the head
/// goes out (a generator may call `start_response` late), then streamed chunk by chunk with the GIL taken per
/// chunk; `close()` called on it exactly once, after the last byte (Django closes its database connections there).
/// A `wsgi.file_wrapper` over a real file becomes a file region for sendfile.
final class PythonBody: ChunkSource {
    private var result: PyPointer?
    private var iterator: PyPointer?
    private var ready: [[UInt8]]
    private let thread: PythonThread

    private init(result: PyPointer, iterator: PyPointer?, ready: [[UInt8]], thread: PythonThread) {
        self.result = result
        self.iterator = iterator
        self.ready = ready
        self.thread = thread
    }

    /// The response for `result` (a new reference, which this takes), holding the GIL.
    static func respond(_ result: PyPointer, exchange: PythonExchange, thread: PythonThread) throws -> Response {
        let whole = sb_py_is_exact_list_or_tuple(result) != 0  // a list or tuple: no file wrapper, nothing to stream
        if !whole, exchange.written.isEmpty, let region = fileRegion(of: result) {
            closeResult(result, thread: thread)
            guard let response = exchange.response(body: .file(region)) else { throw refusal(exchange) }
            exchange.headersSent = true
            return response
        }
        guard let iterator = PyObject_GetIter(result) else {
            Py.printException()
            closeResult(result, thread: thread)
            if let response = exchange.response(body: .bytes([])) { return response }
            throw PythonAppFailed.raised
        }
        var chunks = exchange.written
        exchange.written = []
        var finished = false
        // Up to the first non-empty chunk; a list or tuple whole; else one more, to know the end.
        while !finished && (whole || chunks.count < 2) {
            switch next(iterator) {
            case .chunk(let bytes): if !bytes.isEmpty { chunks.append(bytes) }
            case .end, .failed: finished = true
            }
        }
        guard let response = exchange.response(body: .bytes([])) else {
            Py_DecRef(iterator)
            closeResult(result, thread: thread)
            throw refusal(exchange)
        }
        exchange.headersSent = true
        let body = PythonBody(result: result, iterator: finished ? nil : iterator, ready: chunks, thread: thread)
        if finished { Py_DecRef(iterator) }
        var streamed = response
        streamed.body = .chunks(body)
        return streamed
    }

    private static func refusal(_ exchange: PythonExchange) -> PythonAppFailed {
        exchange.statusRefused ? .statusRefused : .noStartResponse
    }

    func nextChunk() throws -> [UInt8]? {
        if !ready.isEmpty { return ready.removeFirst() }
        guard let iterator else { return nil }
        return try thread.withGIL {
            while true {
                switch Self.next(iterator) {
                case .chunk(let bytes): if !bytes.isEmpty { return bytes }
                case .end:
                    Py_DecRef(iterator)
                    self.iterator = nil
                    return nil
                case .failed:
                    // The answer is cut: the server closes the connection instead of ending the body cleanly.
                    Py_DecRef(iterator)
                    self.iterator = nil
                    throw PythonAppFailed.raised
                }
            }
        }
    }

    func close() {
        guard let result else { return }
        self.result = nil
        thread.withGIL {
            if let iterator { Py_DecRef(iterator) }
            iterator = nil
            Self.closeResult(result, thread: thread)
        }
    }

    private enum Step {
        case chunk([UInt8])
        case end
        case failed
    }

    /// The iterator's next item: bytes, the end, or a failure (an exception, printed; or an object that is not
    /// bytes, logged in uWSGI's words).
    private static func next(_ iterator: PyPointer) -> Step {
        guard let item = PyIter_Next(iterator) else {
            if PyErr_Occurred() != nil {
                Py.printException()
                return .failed
            }
            return .end
        }
        defer { Py_DecRef(item) }
        guard let bytes = Py.swiftBytes(item) else {
            let line = "[ERROR] Unhandled object from iterator: \(Py.repr(item)) (\(String(describing: UnsafeRawPointer(item))))\n"
            line.utf8CString.withUnsafeBufferPointer { _ = write(2, $0.baseAddress, $0.count - 1) }
            return .failed
        }
        return .chunk(bytes)
    }

    /// Calls `close()` on the app's result when it has one (an exception in it is printed), releases it and ends
    /// the thread's request. Holding the GIL.
    private static func closeResult(_ result: PyPointer, thread: PythonThread) {
        // A list or tuple has no close(); anything else is looked up without raising AttributeError (which costs
        // an exception object and its message per request).
        if sb_py_is_exact_list_or_tuple(result) == 0 {
            var close: PyPointer?
            if _PyObject_LookupAttr(result, closeName, &close) < 0 { Py.printException() }
            if let close {
                if let closed = PyObject_CallNoArgs(close) { Py_DecRef(closed) } else { Py.printException() }
                Py_DecRef(close)
            }
        }
        Py_DecRef(result)
        thread.exchange = nil
    }

    nonisolated(unsafe) private static let closeName: PyPointer = PyUnicode_InternFromString("close")

    /// A `wsgi.file_wrapper` whose file has a descriptor: the rest of the file from its position, on a duplicate
    /// descriptor the server owns.
    private static func fileRegion(of result: PyPointer) -> FileRegion? {
        guard PyObject_IsInstance(result, StackbenchModule.fileWrapperType) == 1,
              let filelike = PyObject_GetAttrString(result, "filelike") else {
            PyErr_Clear()
            return nil
        }
        defer { Py_DecRef(filelike) }
        guard let number = sb_py_call_method(filelike, "fileno") else {
            PyErr_Clear()
            return nil
        }
        let descriptor = Int32(truncatingIfNeeded: PyLong_AsLong(number))
        Py_DecRef(number)
        if PyErr_Occurred() != nil {
            PyErr_Clear()
            return nil
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return nil }
        // The file object's own position (it may have read ahead into its buffer), else the descriptor's.
        var position = Int(lseek(descriptor, 0, SEEK_CUR))
        if let told = sb_py_call_method(filelike, "tell") {
            position = PyLong_AsLong(told)
            Py_DecRef(told)
        }
        PyErr_Clear()
        let copy = dup(descriptor)
        guard position >= 0, copy >= 0 else {
            if copy >= 0 { Glibc.close(copy) }
            return nil
        }
        return FileRegion(descriptor: copy, offset: position, count: max(0, Int(status.st_size) - position))
    }
}
