import BenchSupport
#if canImport(Glibc)
import Glibc
#endif

/// The CGI/WSGI variables of one request, in the order the server delivered them.
///
/// nginx's `uwsgi_params` may send a variable twice (one HTTP_* per repeated header); the list keeps every entry,
/// and lookups return the first, as uWSGI's Python plugin does when it builds its dict.
///
/// Stored as bytes: names and values back to back in one array (a uwsgi vars block is adopted as it was read),
/// with an offset table; a `String` is made only for a variable someone reads. Text is UTF-8 when valid, else
/// Latin-1; `forEachBytes` hands out the bytes as received (a Python host decodes them as Latin-1, as uWSGI does).
public struct Environ: Sendable {
    /// One variable. (A struct, not a tuple: arrays of tuples cost a runtime metadata lookup per use across
    /// modules, measured at several percent of a worker's CPU.)
    @PublicInit
    public struct Variable: Sendable, Equatable {
        public var name: String
        public var value: String
    }

    /// Where one variable's name and value are in `storage`.
    private struct Slot: Sendable {
        var name: Range<Int>, value: Range<Int>
    }

    private var storage: [UInt8]
    private var slots: [Slot]

    /// Creates an environ from pairs in delivery order.
    public init(_ entries: [(name: String, value: String)] = []) {
        self.init(capacity: entries.count)
        for entry in entries { append(entry.name, entry.value) }
    }

    /// Creates an empty environ with room for `capacity` variables.
    public init(capacity: Int) {
        storage = []
        storage.reserveCapacity(capacity * 24)
        slots = []
        slots.reserveCapacity(capacity)
    }

    /// Creates an empty environ that holds its variables in `storage` (a received block of names and values):
    /// `appendStored` then names them by their ranges, without a copy.
    public init(adopting storage: [UInt8], capacity: Int) {
        self.storage = storage
        slots = []
        slots.reserveCapacity(capacity)
    }

    /// How many variables, duplicates counted.
    public var count: Int { slots.count }

    /// The variables in delivery order, duplicates kept.
    public var variables: [Variable] {
        slots.map { Variable(name: text(at: $0.name), value: text(at: $0.value)) }
    }

    /// The variables as (name, value) pairs.
    public var entries: [(name: String, value: String)] { variables.map { ($0.name, $0.value) } }

    /// Appends one variable.
    public mutating func append(_ name: String, _ value: String) {
        append(name, bytes: value.utf8)
    }

    /// Appends one variable whose value is received bytes, kept as they are (see `forEachBytes`).
    public mutating func append<Bytes: Collection<UInt8>>(_ name: String, bytes value: Bytes) {
        let nameStart = storage.count
        storage.append(contentsOf: name.utf8)
        let valueStart = storage.count
        storage.append(contentsOf: value)
        slots.append(Slot(name: nameStart..<valueStart, value: valueStart..<storage.count))
    }

    /// Appends the variable whose name and value are already in the adopted storage at these ranges.
    public mutating func appendStored(name: Range<Int>, value: Range<Int>) {
        precondition(name.upperBound <= storage.count && value.upperBound <= storage.count, "outside the storage")
        slots.append(Slot(name: name, value: value))
    }

    /// Calls `body` with each variable's name and value bytes, in delivery order.
    public func forEachBytes(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void) rethrows {
        try storage.withUnsafeBytes { bytes in
            for slot in slots {
                try body(UnsafeRawBufferPointer(rebasing: bytes[slot.name]), UnsafeRawBufferPointer(rebasing: bytes[slot.value]))
            }
        }
    }

    /// The first value of `name`, or nil when absent.
    public subscript(name: String) -> String? {
        firstSlot(named: name).map { text(at: $0.value) }
    }

    private func firstSlot(named name: String) -> Slot? {
        var name = name
        return name.withUTF8 { key in
            storage.withUnsafeBufferPointer { bytes in
                slots.first { slot in
                    slot.name.count == key.count
                        && (key.isEmpty || memcmp(bytes.baseAddress! + slot.name.lowerBound, key.baseAddress!, key.count) == 0)
                }
            }
        }
    }

    private func text(at range: Range<Int>) -> String {
        storage.withUnsafeBytes { ReceivedText.decode(UnsafeRawBufferPointer(rebasing: $0[range])) }
    }

    /// REQUEST_METHOD (`GET` when absent, which no conforming server allows).
    public var method: String { self["REQUEST_METHOD"] ?? "GET" }

    /// PATH_INFO, already percent-decoded by the server; `/` when empty.
    public var pathInfo: String {
        let path = self["PATH_INFO"] ?? ""
        return path.isEmpty ? "/" : path
    }

    /// QUERY_STRING as received (not decoded); empty when absent.
    public var queryString: String { self["QUERY_STRING"] ?? "" }

    /// CONTENT_LENGTH as a number; nil when absent, empty or not a non-negative integer.
    public var contentLength: Int? {
        guard let text = self["CONTENT_LENGTH"], let value = Int(text), value >= 0 else { return nil }
        return value
    }

    /// CONTENT_TYPE; empty when absent.
    public var contentType: String { self["CONTENT_TYPE"] ?? "" }

    /// The request's host as the client named it: HTTP_HOST, else SERVER_NAME (PEP 3333's URL reconstruction).
    public var host: String { self["HTTP_HOST"] ?? self["SERVER_NAME"] ?? "" }

    /// The value of request header `name` (e.g. `If-Modified-Since`), from its HTTP_* variable.
    public func header(_ name: String) -> String? {
        self[Environ.variableName(forHeader: name)]
    }

    /// The first value of query parameter `name`, percent-decoded (`+` is a space), or nil.
    public func queryParameter(_ name: String) -> String? {
        for pair in queryString.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard PercentDecoding.decodeQueryComponent(parts[0]) == name else { continue }
            return parts.count > 1 ? PercentDecoding.decodeQueryComponent(parts[1]) : ""
        }
        return nil
    }

    /// The CGI variable name of an HTTP header: `Content-Type` → CONTENT_TYPE, `X-Id` → HTTP_X_ID.
    public static func variableName(forHeader name: String) -> String {
        let upper = String(name.uppercased().map { $0 == "-" ? "_" : $0 })
        if upper == "CONTENT_TYPE" || upper == "CONTENT_LENGTH" { return upper }
        return "HTTP_" + upper
    }
}

/// Percent-decoding as servers apply it to paths and apps to query components: lenient, as Python's `unquote`
/// and uWSGI are — a `%` not followed by two hex digits stays as it is.
public enum PercentDecoding {
    /// Decodes `%XX` escapes into the bytes they stand for, as nginx does for `$document_uri`.
    public static func decodePathBytes<S: StringProtocol>(_ text: S) -> [UInt8] {
        decodeBytes(Array(text.utf8), plusIsSpace: false)
    }

    /// Decodes one `application/x-www-form-urlencoded` component: `+` is a space, then `%XX` escapes.
    public static func decodeQueryComponent<S: StringProtocol>(_ text: S) -> String {
        decode(text, plusIsSpace: true)
    }

    private static func decode<S: StringProtocol>(_ text: S, plusIsSpace: Bool) -> String {
        let source = Array(text.utf8)
        guard source.contains(where: { $0 == UInt8(ascii: "%") || plusIsSpace && $0 == UInt8(ascii: "+") }) else {
            return String(text)
        }
        let bytes = decodeBytes(source, plusIsSpace: plusIsSpace)
        return bytes.withUnsafeBytes { ReceivedText.decode($0) }
    }

    private static func decodeBytes(_ source: [UInt8], plusIsSpace: Bool) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(source.count)
        var index = 0
        while index < source.count {
            let byte = source[index]
            if byte == UInt8(ascii: "%"), index + 2 < source.count, let high = Hex.value(source[index + 1]),
               let low = Hex.value(source[index + 2]) {
                bytes.append(high << 4 | low)
                index += 3
                continue
            }
            bytes.append(plusIsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            index += 1
        }
        return bytes
    }
}
