/// Bytes received from a peer (uwsgi vars, HTTP header values) as text: UTF-8 when valid, else each byte a
/// Latin-1 character, so no byte is lost or replaced.
public enum ReceivedText {
    /// Decodes `bytes`.
    public static func decode(_ bytes: UnsafeRawBufferPointer) -> String {
        // ASCII first: String(validating:) looks up generic metadata on every call (seen in perf as ~4% of a
        // worker's CPU), and nearly every var is ASCII.
        if !bytes.contains(where: { $0 >= 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
        if let utf8 = String(validating: bytes, as: UTF8.self) { return utf8 }
        return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }
}
