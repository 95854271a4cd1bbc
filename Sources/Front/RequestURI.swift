/// nginx's URI normalisation (shared/spec/nginx-subset.md §4), done once per request before any matching: the
/// path is percent-decoded, `//` merged, `.` dropped and `..` resolved; a `..` above `/` or a decoded NUL is a 400.
/// The query string is kept as sent. `path` is bytes because a decoded path need not be UTF-8.
struct RequestURI: Equatable {
    /// The normalised path ($uri) and the raw query ($args, nil without `?`).
    var path: [UInt8]
    var query: Substring?

    enum Failure: Error, Equatable { case badRequest }

    init(target: String) throws(Failure) {
        var rawPath = Substring(target)
        if let mark = target.firstIndex(of: "?") {
            rawPath = target[..<mark]
            query = target[target.index(after: mark)...]
        }
        if rawPath.hasPrefix("http://") || rawPath.hasPrefix("https://") {  // absolute form: the path after the host
            let afterScheme = rawPath[rawPath.range(of: "://")!.upperBound...]
            rawPath = afterScheme.firstIndex(of: "/").map { afterScheme[$0...] } ?? "/"
        }
        guard rawPath.first == "/" else { throw .badRequest }
        path = try Self.normalise(Self.decode(Array(rawPath.utf8)))
    }

    private static func decode(_ bytes: [UInt8]) throws(Failure) -> [UInt8] {
        guard bytes.contains(UInt8(ascii: "%")) else { return bytes }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < bytes.count, let high = hex(bytes[index + 1]), let low = hex(bytes[index + 2]) else {
                    throw .badRequest
                }
                let decoded = high << 4 | low
                guard decoded != 0 else { throw .badRequest }
                out.append(decoded)
                index += 3
            } else {
                out.append(byte)
                index += 1
            }
        }
        return out
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// Segments between slashes: empty and `.` dropped, `..` pops (400 at the top); a trailing slash, or a last
    /// segment of `.` or `..`, leaves the path ending in `/`.
    private static func normalise(_ bytes: [UInt8]) throws(Failure) -> [UInt8] {
        guard !bytes.contains(0) else { throw .badRequest }
        var segments: [ArraySlice<UInt8>] = []
        var endsInSlash = false
        for segment in bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).dropFirst() {
            endsInSlash = false
            switch segment.count {
            case 0: endsInSlash = true
            case 1 where segment.first == UInt8(ascii: "."): endsInSlash = true
            case 2 where segment.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")]):
                guard !segments.isEmpty else { throw .badRequest }
                segments.removeLast()
                endsInSlash = true
            default: segments.append(segment)
            }
        }
        var out: [UInt8] = [UInt8(ascii: "/")]
        for (offset, segment) in segments.enumerated() {
            out += segment
            if offset < segments.count - 1 { out.append(UInt8(ascii: "/")) }
        }
        if endsInSlash, !segments.isEmpty { out.append(UInt8(ascii: "/")) }
        return out
    }
}
