import BenchSupport

/// nginx's URI normalisation (shared/spec/nginx-subset.md §4), done once per request before any matching: the path
/// is percent-decoded, `//` merged, `.` dropped and `..` resolved; a `..` above `/` or a decoded NUL is a 400. The
/// query string is kept as sent; a `#` ends the path or the query (a fragment a client should not have sent,
/// dropped as nginx drops it). The path is written into a buffer the connection reuses (a decoded path need not
/// be UTF-8), so normalising allocates nothing.
enum RequestPath {
    /// Normalises the request target's path into `path` (emptied first); returns the query's range within
    /// `target` (after the `?`, nil without one), or `.badRequest`.
    static func normalise(_ target: UnsafeRawBufferPointer, into path: inout ByteArray) -> Result<Range<Int>?, Failure> {
        let end = target.firstIndex(of: UInt8(ascii: "#")) ?? target.count
        var pathEnd = end
        var query: Range<Int>?
        if let mark = target[..<end].firstIndex(of: UInt8(ascii: "?")) {
            pathEnd = mark
            query = (mark + 1)..<end
        }
        var pathStart = 0
        if let afterScheme = schemeEnd(target, pathEnd) {  // absolute form: the path after the host
            pathStart = target[afterScheme..<pathEnd].firstIndex(of: UInt8(ascii: "/")) ?? pathEnd
            if pathStart == pathEnd {
                path.removeAll()
                path.append(UInt8(ascii: "/"))
                return .success(query)
            }
        }
        guard pathStart < pathEnd, target[pathStart] == UInt8(ascii: "/") else { return .failure(.badRequest) }
        path.removeAll()
        path.reserve(pathEnd - pathStart + 1)
        // One pass: decode each byte, and at every slash settle the segment just ended.
        var segmentStart = 1  // where the current segment begins in `path`
        path.append(UInt8(ascii: "/"))
        var index = pathStart + 1
        while index <= pathEnd {
            var byte: UInt8 = UInt8(ascii: "/")  // the end of the path acts as a final slash
            let atEnd = index == pathEnd
            if !atEnd {
                byte = target[index]
                if byte == UInt8(ascii: "%") {
                    guard index + 2 < pathEnd,
                          let high = Hex.value(target[index + 1]), let low = Hex.value(target[index + 2]) else { return .failure(.badRequest) }
                    byte = high << 4 | low
                    guard byte != 0 else { return .failure(.badRequest) }
                    index += 2
                } else if byte == 0 {
                    return .failure(.badRequest)
                }
            }
            index += 1
            guard byte == UInt8(ascii: "/") else { path.append(byte); continue }
            let length = path.count - segmentStart
            if length == 0 || (length == 1 && path[segmentStart] == UInt8(ascii: ".")) {
                path.count = segmentStart  // `//` or `/./`: nothing to keep
            } else if length == 2 && path[segmentStart] == UInt8(ascii: ".") && path[segmentStart + 1] == UInt8(ascii: ".") {
                guard segmentStart > 1 else { return .failure(.badRequest) }
                var previous = segmentStart - 1  // the slash before the `..`; back to the one before the segment it pops
                repeat { previous -= 1 } while previous > 0 && path[previous] != UInt8(ascii: "/")
                path.count = previous + 1
            } else if atEnd {
                break  // the last segment is a name: no trailing slash
            } else {
                path.append(UInt8(ascii: "/"))
            }
            segmentStart = path.count
        }
        return .success(query)
    }

    enum Failure: Error { case badRequest }

    /// The index just after `scheme://` when the target is in absolute form.
    private static func schemeEnd(_ target: UnsafeRawBufferPointer, _ end: Int) -> Int? {
        for scheme: StaticString in ["http://", "https://"] where end >= scheme.utf8CodeUnitCount {
            if UnsafeRawBufferPointer(rebasing: target[0..<scheme.utf8CodeUnitCount]).equalsIgnoringCase(scheme) {
                return scheme.utf8CodeUnitCount
            }
        }
        return nil
    }
}
