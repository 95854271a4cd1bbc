// A server's bytes as the load engine frames them (HTTP1ResponseFramer): whatever they are, where the response
// ends must not depend on how the kernel cut them, and nothing may be counted twice. The first byte says whether
// the request was HEAD (its low bit) and where the rest is cut in two.
import FuzzSupport
@testable import LoadEngine

struct Framed: Equatable {
    var outcome: HTTP1ResponseFramer.Outcome
    var used: Int
    var status: Int
    var headerBytes: Int
    var bodyBytes: Int
    var closeAfter: Bool
}

var framer = HTTP1ResponseFramer()
func frame(_ bytes: ArraySlice<UInt8>, cuts: [Int], head: Bool) -> Framed {
    framer.reset(head: head)
    var outcome = HTTP1ResponseFramer.Outcome.needMore
    var used = 0
    var from = bytes.startIndex
    for end in cuts + [bytes.endIndex] where outcome == .needMore {
        let piece = bytes[from..<end]
        from = end
        guard !piece.isEmpty else { continue }
        let result = piece.withUnsafeBufferPointer { framer.consume($0.baseAddress!, count: $0.count) }
        precondition(result.used <= piece.count, "used more than it was given")
        outcome = result.outcome
        used += result.used
    }
    if outcome == .needMore { outcome = framer.endOfStream() }
    return Framed(outcome: outcome, used: used, status: framer.status, headerBytes: framer.headerBytes,
                  bodyBytes: framer.bodyBytes, closeAfter: framer.closeAfter)
}

fuzz { bytes in
    guard let first = bytes.first else { return }
    let rest = bytes.dropFirst()
    let head = first & 1 == 1
    let cut = rest.startIndex + Int(first) % (rest.count + 1)
    let whole = frame(rest, cuts: [], head: head)
    precondition(frame(rest, cuts: [cut], head: head) == whole, "a cut changed the framing")
    precondition(whole.headerBytes + whole.bodyBytes <= rest.count, "counted more bytes than arrived")
    if whole.outcome == .complete { precondition(whole.status >= 100 && whole.status <= 999) }
}
