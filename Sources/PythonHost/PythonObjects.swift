@preconcurrency import CPython  // PyExc_* are C globals set once at start-up, then only read

/// A Python object pointer, as the C API hands it out.
typealias PyPointer = UnsafeMutablePointer<PyObject>

/// Small conversions between Swift values and Python objects; every function returns a new reference (or nil with
/// a Python exception set) and must be called holding the GIL.
enum Py {
    /// A `str` from Swift text.
    static func string(_ text: String) -> PyPointer? {
        var text = text
        return text.withUTF8 { PyUnicode_FromStringAndSize($0.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, $0.count) }
    }

    /// A `str` holding each received byte as one character (PEP 3333's "native string": Latin-1 over the bytes
    /// the server received), as uWSGI builds environ keys and values.
    static func latin1(_ bytes: UnsafeRawBufferPointer) -> PyPointer? {
        PyUnicode_DecodeLatin1(bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count, nil)
    }

    /// `bytes` from raw bytes.
    static func bytes(_ buffer: UnsafeRawBufferPointer) -> PyPointer? {
        PyBytes_FromStringAndSize(buffer.baseAddress?.assumingMemoryBound(to: CChar.self), buffer.count)
    }

    /// The text of a `str` (nil, with the exception cleared, when it is not one or not encodable).
    static func swiftString(_ object: PyPointer) -> String? {
        guard sb_py_is_str(object) != 0 else { return nil }
        var size: Py_ssize_t = 0
        guard let pointer = PyUnicode_AsUTF8AndSize(object, &size) else {
            PyErr_Clear()
            return nil
        }
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: size), as: UTF8.self)
    }

    /// The bytes of a `bytes` object, or nil when it is not one.
    static func swiftBytes(_ object: PyPointer) -> [UInt8]? {
        guard sb_py_is_bytes(object) != 0 else { return nil }
        var pointer: UnsafeMutablePointer<CChar>?
        var size: Py_ssize_t = 0
        guard PyBytes_AsStringAndSize(object, &pointer, &size) == 0, let pointer else { return nil }
        return Array(UnsafeRawBufferPointer(start: pointer, count: size))
    }

    /// A tuple of `items`, whose references it takes.
    static func tuple(_ items: [PyPointer]) -> PyPointer? {
        guard let tuple = PyTuple_New(items.count) else {
            items.forEach { Py_DecRef($0) }
            return nil
        }
        for (index, item) in items.enumerated() { PyTuple_SetItem(tuple, index, item) }
        return tuple
    }

    /// `repr(object)` as Swift text, for log lines.
    static func repr(_ object: PyPointer) -> String {
        guard let text = PyObject_Repr(object) else {
            PyErr_Clear()
            return "<unprintable>"
        }
        defer { Py_DecRef(text) }
        return swiftString(text) ?? "<unprintable>"
    }

    /// Raises `type` (e.g. `PyExc_TypeError`) with `message`; returns nil for the caller to return.
    static func raise(_ type: PyPointer, _ message: String) -> PyPointer? {
        PyErr_SetString(type, message)
        return nil
    }

    /// The exception set now, printed to `sys.stderr` (the server's log) as uWSGI prints it, then cleared.
    /// `sys.last_traceback` is not kept: it would hold the failed request's objects until the next error.
    static func printException() {
        guard PyErr_Occurred() != nil else { return }
        PyErr_PrintEx(0)
    }
}
