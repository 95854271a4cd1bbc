/// The request body as the app reads it (`wsgi.input`): a stream that ends at CONTENT_LENGTH.
///
/// Servers provide the implementation (reading the socket, or a buffer filled by post-buffering); the app never
/// sees more than CONTENT_LENGTH bytes, and whatever it leaves unread the server drains or discards.
public protocol BodyInput: AnyObject {
    /// Reads up to `buffer.count` bytes into `buffer`; returns 0 at the end of the body.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// Why a body could not be read.
public enum BodyInputError: Error, Equatable, CustomStringConvertible {
    /// The body is longer than the reader's limit.
    case tooLarge(limit: Int)
    /// The peer closed the connection before CONTENT_LENGTH bytes arrived.
    case truncated(expected: Int, received: Int)

    public var description: String {
        switch self {
        case .tooLarge(let limit): return "request body larger than \(limit) bytes"
        case .truncated(let expected, let received):
            return "request body ended after \(received) of \(expected) bytes"
        }
    }
}

extension BodyInput {
    /// Reads the whole body, refusing bodies over `limit` bytes.
    public func readAll(limit: Int) throws -> [UInt8] {
        var body: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = try chunk.withUnsafeMutableBytes { try read(into: $0) }
            if count == 0 { return body }
            guard body.count + count <= limit else { throw BodyInputError.tooLarge(limit: limit) }
            body.append(contentsOf: chunk[0..<count])
        }
    }

    /// Calls `consume` with each piece of the body as it arrives, without holding the whole body; returns the
    /// number of bytes read.
    @discardableResult
    public func forEachChunk(_ consume: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        var total = 0
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = try chunk.withUnsafeMutableBytes { buffer -> Int in
                let count = try read(into: buffer)
                if count > 0 { try consume(UnsafeRawBufferPointer(rebasing: buffer[0..<count])) }
                return count
            }
            if count == 0 { return total }
            total += count
        }
    }
}

/// A body held in memory: for tests, and for servers that buffered it (uWSGI's post-buffering).
public final class BytesInput: BodyInput {
    private let bytes: [UInt8]
    private var position = 0

    /// Creates a body of `bytes`.
    public init(_ bytes: [UInt8] = []) {
        self.bytes = bytes
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = min(buffer.count, bytes.count - position)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[position..<position + count]))
        }
        position += count
        return count
    }
}
