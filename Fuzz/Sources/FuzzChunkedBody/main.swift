// A chunked request body as the front decodes it, fed in two pieces split at the first byte's value.
import FuzzSupport
@testable import Front

// One buffer for every input, as a connection keeps one for every request (a ByteArray is released by its owner).
var body = ByteArray(capacity: 256)
fuzz { bytes in
    var decoder = ChunkedBody()
    body.removeAll()
    let split = bytes.first.map { Int($0) % (bytes.count + 1) } ?? 0
    bytes.withUnsafeBytes { buffer in
        for piece in [buffer[0..<split], buffer[split...]] where !decoder.isDone {
            guard (try? decoder.feed(UnsafeRawBufferPointer(rebasing: piece), into: &body)) != nil else { return }
        }
    }
}
