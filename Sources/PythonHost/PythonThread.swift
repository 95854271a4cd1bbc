@preconcurrency import CPython  // PyExc_* are C globals set once at start-up, then only read
import Glibc
import WSGI

/// One server thread's place in the interpreter: its own thread state (made on the thread's first request and kept,
/// so the app's `threading.local` data such as Django's database connections lives as long as the thread), the
/// `start_response` and `write` callables and the `wsgi.input` object bound to it, and the request it runs now.
final class PythonThread {
    let state: UnsafeMutablePointer<PyThreadState>
    /// A capsule pointing at this object: what the bound callables and `Input` carry to find it.
    private(set) var capsule: PyPointer!
    private(set) var startResponse: PyPointer!
    /// The `write` callable `start_response` returns (one per thread, as the thread runs one request at a time).
    private(set) var writeCallable: PyPointer!
    private(set) var input: PyPointer!
    /// The request in progress on this thread.
    var exchange: PythonExchange?
    /// The environ strings of this thread's last request, reused where the next one repeats them.
    let environStrings = EnvironStrings()

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { pointer in
            guard let pointer else { return }
            Unmanaged<PythonThread>.fromOpaque(pointer).takeRetainedValue().release()
        }
        return key
    }()

    /// Written once, then only read (by Python, as the capsule's name): safe to share between threads.
    nonisolated(unsafe) private static let capsuleName = strdup("stackbench.thread")

    /// This thread's place, made on first use. Called without the GIL.
    static var current: PythonThread {
        if let pointer = pthread_getspecific(key) { return Unmanaged<PythonThread>.fromOpaque(pointer).takeUnretainedValue() }
        let thread = PythonThread()
        pthread_setspecific(key, Unmanaged.passRetained(thread).toOpaque())
        return thread
    }

    private init() {
        state = PyThreadState_New(PythonRuntime.interpreter)
        withGIL {
            capsule = PyCapsule_New(Unmanaged.passUnretained(self).toOpaque(), Self.capsuleName, nil)
            startResponse = PyCFunction_NewEx(StackbenchModule.startResponseMethod, capsule, nil)
            writeCallable = PyCFunction_NewEx(StackbenchModule.writeMethod, capsule, nil)
            input = PyObject_CallOneArg(StackbenchModule.inputType, capsule)
        }
    }

    /// The thread is ending: its Python objects and thread state go.
    private func release() {
        PyEval_RestoreThread(state)
        Py_DecRef(input)
        Py_DecRef(startResponse)
        Py_DecRef(writeCallable)
        Py_DecRef(capsule)
        environStrings.release()
        PyThreadState_Clear(state)
        PyThreadState_DeleteCurrent()
    }

    /// Runs `body` holding the GIL on this thread's state; the GIL is released again after.
    func withGIL<T>(_ body: () throws -> T) rethrows -> T {
        PyEval_RestoreThread(state)
        defer { PyEval_SaveThread() }
        return try body()
    }

    /// Runs `body` (no Python in it) with the GIL released, from code that holds it.
    static func withoutGIL<T>(_ body: () throws -> T) rethrows -> T {
        let saved = PyEval_SaveThread()
        defer { PyEval_RestoreThread(saved) }
        return try body()
    }

    /// The thread a bound callable or `Input` carries.
    static func from(capsule: PyPointer?) -> PythonThread? {
        guard let capsule, let pointer = PyCapsule_GetPointer(capsule, capsuleName) else { return nil }
        return Unmanaged<PythonThread>.fromOpaque(pointer).takeUnretainedValue()
    }

    /// `(thread, size)` from `_read`/`_readline`'s arguments, or nil with TypeError set.
    static func threadAndSize(_ arguments: PyPointer?) -> (PythonThread, Int)? {
        guard let arguments, PyTuple_Size(arguments) == 2, let thread = from(capsule: PyTuple_GetItem(arguments, 0)) else {
            _ = Py.raise(PyExc_TypeError, "wsgi.input used outside its request")
            return nil
        }
        let size = PyLong_AsSsize_t(PyTuple_GetItem(arguments, 1))
        if size == -1, PyErr_Occurred() != nil {
            PyErr_Clear()
            _ = Py.raise(PyExc_TypeError, "wsgi.input: the size must be an integer")
            return nil
        }
        return (thread, size)
    }

    /// `read(size)`: with the body's length known, straight into a new `bytes` of the right size (a 200 KB
    /// post-buffered body is copied once, not grown in an array and copied again).
    func readBody(size: Int) -> PyPointer? {
        guard let exchange else { return Py.raise(PyExc_ValueError, "wsgi.input read after its request ended") }
        do {
            if let count = exchange.body.count(forRead: size) {
                guard let object = PyBytes_FromStringAndSize(nil, count), let storage = PyBytes_AsString(object) else { return nil }
                let filled = try Self.withoutGIL {
                    try exchange.body.read(into: UnsafeMutableRawBufferPointer(start: storage, count: count))
                }
                var result: PyPointer? = object
                if filled < count { _PyBytes_Resize(&result, filled) }  // the body ended early; nil on failure
                return result
            }
            let bytes = try Self.withoutGIL { try exchange.body.read(size: size) }
            return bytes.withUnsafeBytes { Py.bytes($0) }
        } catch {
            return Py.raise(PyExc_OSError, "error reading the request body: \(error)")
        }
    }

    func readBodyLine(size: Int) -> PyPointer? {
        guard let exchange else { return Py.raise(PyExc_ValueError, "wsgi.input read after its request ended") }
        do {
            let bytes = try Self.withoutGIL { try exchange.body.readLine(limit: size) }
            return bytes.withUnsafeBytes { Py.bytes($0) }
        } catch {
            return Py.raise(PyExc_OSError, "error reading the request body: \(error)")
        }
    }

    /// `start_response(status, headers, exc_info=None)`, bound to a thread; returns `write`.
    static let startResponseFunction: PyCFunction = { capsule, arguments in
        guard let thread = from(capsule: capsule), let exchange = thread.exchange else {
            return Py.raise(PyExc_RuntimeError, "start_response called outside its request")
        }
        guard let arguments, (2...3).contains(PyTuple_Size(arguments)) else {
            return Py.raise(PyExc_TypeError, "start_response() takes 2 or 3 arguments")
        }
        let excInfo = PyTuple_Size(arguments) == 3 ? PyTuple_GetItem(arguments, 2) : nil
        if let excInfo, excInfo != sb_py_none(), exchange.headersSent {
            // PEP 3333: too late to change the answer; re-raise what the app caught.
            guard sb_py_is_tuple(excInfo) != 0, PyTuple_Size(excInfo) == 3 else {
                return Py.raise(PyExc_TypeError, "exc_info must be a 3-item tuple")
            }
            let (type, value, traceback) = (PyTuple_GetItem(excInfo, 0), PyTuple_GetItem(excInfo, 1), PyTuple_GetItem(excInfo, 2))
            [type, value, traceback].forEach { Py_IncRef($0) }
            PyErr_Restore(type, value, traceback)
            return nil
        }
        guard exchange.setStatus(PyTuple_GetItem(arguments, 0)!), exchange.setHeaders(PyTuple_GetItem(arguments, 1)!) else {
            return nil
        }
        Py_IncRef(thread.writeCallable)
        return thread.writeCallable
    }

    /// `write(data)`: bytes that go before the returned iterable's.
    static let writeFunction: PyCFunction = { capsule, arguments in
        guard let thread = from(capsule: capsule), let exchange = thread.exchange else {
            return Py.raise(PyExc_RuntimeError, "write called outside its request")
        }
        guard let arguments, PyTuple_Size(arguments) == 1, let data = Py.swiftBytes(PyTuple_GetItem(arguments, 0)) else {
            return Py.raise(PyExc_TypeError, "write() takes one bytes argument")
        }
        guard exchange.status != nil else {
            return Py.raise(PyExc_AssertionError, "write() before start_response()")
        }
        exchange.written.append(data)
        Py_IncRef(sb_py_none())
        return sb_py_none()
    }
}
