import CPython

/// The environ's `str` objects one server thread made for its last request, by the variable's position in the
/// request: nginx sends the same names in the same order every time, and most values repeat (method, protocol,
/// host, ports, addresses), so a string found at its position with one compare is reused — a new reference to an
/// immutable `str` — instead of being decoded again and, for a key, hashed again by the dict. Keys are interned, as
/// the keys of a dict built from source are. Used holding the GIL, by the thread that owns it.
final class EnvironStrings {
    /// Positions remembered; a request with more variables decodes the rest each time.
    static let positions = 64

    private let keys = UnsafeMutablePointer<PyPointer?>.allocate(capacity: positions)
    private let values = UnsafeMutablePointer<PyPointer?>.allocate(capacity: positions)

    init() {
        keys.initialize(repeating: nil, count: Self.positions)
        values.initialize(repeating: nil, count: Self.positions)
    }

    /// Drops every string (the thread is ending; called holding the GIL).
    func release() {
        for table in [keys, values] {
            for position in 0..<Self.positions { table[position].map { Py_DecRef($0) } }
            table.deallocate()
        }
    }

    /// A new reference to the key `name` (Latin-1, as received) for the variable at `position`.
    func key(_ name: UnsafeRawBufferPointer, at position: Int) -> PyPointer? {
        string(name, at: position, in: keys, interned: true)
    }

    /// A new reference to the value for the variable at `position`.
    func value(_ value: UnsafeRawBufferPointer, at position: Int) -> PyPointer? {
        string(value, at: position, in: values, interned: false)
    }

    private func string(_ bytes: UnsafeRawBufferPointer, at position: Int, in table: UnsafeMutablePointer<PyPointer?>,
                        interned: Bool) -> PyPointer? {
        let characters = bytes.baseAddress?.assumingMemoryBound(to: CChar.self)
        if position < Self.positions, let cached = table[position],
           sb_py_str_equals_latin1(cached, characters, bytes.count) != 0 {
            Py_IncRef(cached)
            return cached
        }
        var made: PyPointer? = PyUnicode_DecodeLatin1(characters, bytes.count, nil)
        guard made != nil else { return nil }
        if interned { PyUnicode_InternInPlace(&made) }
        guard let made else { return nil }
        if position < Self.positions {
            table[position].map { Py_DecRef($0) }
            Py_IncRef(made)
            table[position] = made
        }
        return made
    }
}
