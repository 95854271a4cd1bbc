import BenchSupport

/// A chunked request body decoded as it arrives (RFC 9112 §7.1), for a body that goes upstream with a length:
/// hex size (extensions ignored), CRLF, data, CRLF; a zero size and the trailer section end it. A malformed size
/// line is a 400, as nginx answers it.
struct ChunkedBody {
    enum State: Equatable { case size, sizeExtension, sizeLF, data(remaining: Int), dataCR, dataLF, trailer(lineEmpty: Bool), trailerLF(lineEmpty: Bool), done }
    private(set) var state = State.size
    private var size = 0
    private var digits = 0

    enum Failure: Error { case malformed }

    /// nginx 1.22's bound (NGX_MAX_OFF_T_VALUE / 16): a larger chunk size is a 400 at once; leading zeros are free.
    static let largestSize = 0x07FF_FFFF_FFFF_FFFF

    var isDone: Bool { state == .done }

    /// Consumes `bytes`, appending the data to `body`; returns how many bytes were used (the rest belongs to the
    /// next request once `isDone`).
    mutating func feed(_ bytes: UnsafeRawBufferPointer, into body: inout ByteArray) throws(Failure) -> Int {
        var index = 0
        while index < bytes.count, state != .done {
            let byte = bytes[index]
            switch state {
            case .size:
                if let digit = Hex.value(byte) {
                    size = size << 4 | Int(digit)  // no overflow: at most largestSize before the shift
                    guard size <= Self.largestSize else { throw .malformed }
                    digits += 1
                } else if digits > 0, byte == 0x3B || byte == 0x20 || byte == 0x09 {
                    state = .sizeExtension
                } else if digits > 0, byte == 0x0D {
                    state = .sizeLF
                } else if digits > 0, byte == 0x0A {
                    startData()
                } else {
                    throw .malformed
                }
                index += 1
            case .sizeExtension:
                if byte == 0x0D { state = .sizeLF } else if byte == 0x0A { startData() }
                index += 1
            case .sizeLF:
                guard byte == 0x0A else { throw .malformed }
                startData()
                index += 1
            case .data(let remaining):
                let take = min(remaining, bytes.count - index)
                body.append(UnsafeRawBufferPointer(rebasing: bytes[index..<(index + take)]))
                index += take
                state = remaining == take ? .dataCR : .data(remaining: remaining - take)
            case .dataCR:
                if byte == 0x0D { state = .dataLF } else if byte == 0x0A { state = .size } else { throw .malformed }
                index += 1
            case .dataLF:
                guard byte == 0x0A else { throw .malformed }
                state = .size
                index += 1
            case .trailer(let empty):
                if byte == 0x0D { state = .trailerLF(lineEmpty: empty) } else if byte == 0x0A { state = empty ? .done : .trailer(lineEmpty: true) } else { state = .trailer(lineEmpty: false) }
                index += 1
            case .trailerLF(let empty):
                guard byte == 0x0A else { throw .malformed }
                state = empty ? .done : .trailer(lineEmpty: true)
                index += 1
            case .done: break
            }
        }
        return index
    }

    private mutating func startData() {
        state = size == 0 ? .trailer(lineEmpty: true) : .data(remaining: size)
        size = 0
        digits = 0
    }
}
