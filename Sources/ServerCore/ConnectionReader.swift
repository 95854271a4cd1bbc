import BenchSupport
import Foundation
import WSGI

/// Buffered reading from one connection: request heads, then exactly the body's bytes, keeping whatever follows
/// (a pipelined request) for the next head.
public final class ConnectionReader {
    /// The largest head accepted by default, whatever its line count (beyond it: 431).
    public static let maximumHeadBytes = 1 << 20
    let socket: ConnectedSocket
    /// The largest head this reader accepts.
    let headLimit: Int
    /// Received bytes, `start..<end` not yet consumed; malloc'd, not zeroed: only bytes a recv has written are read
    /// (an Array made uninitialized costs a generic metadata lookup per request, a zeroed one a memset).
    private var buffer: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    /// How far the head at `start` has been scanned (a head in many pieces is scanned once).
    private var headProgress = HTTPRequestParser.Progress()

    /// Reads from `socket`.
    public init(socket: ConnectedSocket, initialCapacity: Int = 16 * 1024, headLimit: Int = maximumHeadBytes) {
        self.socket = socket
        self.headLimit = headLimit
        self.buffer = .allocate(byteCount: max(initialCapacity, 64), alignment: 1)
    }

    deinit {
        buffer.deallocate()
    }

    /// The next request head; nil when the peer closed (or reset) the connection between requests.
    public func readHead() throws -> Result<HTTPRequestHead, HTTPParseError>? {
        while true {
            if end > start {
                let outcome = HTTPRequestParser.parse(UnsafeRawBufferPointer(rebasing: buffer[start..<end]),
                                                      resuming: &headProgress)
                if outcome != .incomplete { headProgress = HTTPRequestParser.Progress() }
                switch outcome {
                case .complete(let head, let consumed):
                    guard consumed <= headLimit else {
                        return .failure(HTTPParseError(status: 431, message: "invalid HTTP request size (max \(headLimit))...skip"))
                    }
                    start += consumed
                    return .success(head)
                case .failure(let error):
                    return .failure(error)
                case .incomplete:
                    if end - start >= headLimit {
                        return .failure(HTTPParseError(status: 431, message: "invalid HTTP request size (max \(headLimit))...skip"))
                    }
                }
            }
            guard try fill() > 0 else { return nil }
        }
    }

    /// Exactly `count` bytes (buffered ones first), or nil when the peer closed before they all came.
    public func readExactly(_ count: Int) throws -> [UInt8]? {
        var result = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let got = try result.withUnsafeMutableBytes { try readBody(into: UnsafeMutableRawBufferPointer(rebasing: $0[filled...])) }
            if got == 0 { return nil }
            filled += got
        }
        return result
    }

    /// Reads up to `target.count` body bytes, buffered ones first; 0 when the peer closed. A small read goes
    /// through the buffer (one recv brings a uwsgi header, its vars and the body's start together); a large one
    /// goes straight into `target`.
    func readBody(into target: UnsafeMutableRawBufferPointer) throws -> Int {
        if end == start && target.count < buffer.count / 2 {
            guard try fill() > 0 else { return 0 }
        }
        if end > start {
            let count = min(target.count, end - start)
            target.copyMemory(from: UnsafeRawBufferPointer(rebasing: buffer[start..<start + count]))
            start += count
            return count
        }
        return try socket.read(into: target)
    }

    private func fill() throws -> Int {
        if start == end {
            start = 0
            end = 0
        } else if end == buffer.count {
            if start > 0 {
                buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + start, byteCount: end - start)
                end -= start
                start = 0
            } else {
                let grown = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 1)
                grown.copyMemory(from: UnsafeRawBufferPointer(buffer))
                buffer.deallocate()
                buffer = grown
            }
        }
        let count: Int
        do {
            count = try socket.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[end...]))
        } catch let error as SocketError where error.code == ECONNRESET {
            return 0
        }
        end += count
        return count
    }
}

/// `wsgi.input` over a connection: at most CONTENT_LENGTH bytes, then EOF.
public final class ContentLengthInput: BodyInput {
    private let reader: ConnectionReader
    private(set) var remaining: Int
    let length: Int

    /// Reads `length` body bytes from `reader`.
    public init(reader: ConnectionReader, length: Int) {
        self.reader = reader
        self.remaining = length
        self.length = length
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard remaining > 0, buffer.count > 0 else { return 0 }
        let count = try reader.readBody(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<min(buffer.count, remaining)]))
        guard count > 0 else { throw BodyInputError.truncated(expected: length, received: length - remaining) }
        remaining -= count
        return count
    }

    /// Reads and drops what the app left unread; false when the peer went away first.
    public func drain() -> Bool {
        var scratch = [UInt8](repeating: 0, count: 16 * 1024)
        do {
            while remaining > 0 {
                if try scratch.withUnsafeMutableBytes({ try read(into: $0) }) == 0 { return false }
            }
            return true
        } catch {
            return false
        }
    }
}
