import BenchSupport
import CLinux
import Foundation
import ServerCore
import WSGI

/// uWSGI's post-buffering: with a threshold N > 0 the whole body is read before the app runs — a body under N
/// bytes into memory, one of N bytes or more into an unlinked temporary file — so the app never waits on a slow
/// client. The app reads the same bytes either way.
enum PostBuffer {
    /// Reads all `input` (`length` bytes) and returns a `BodyInput` over the copy.
    static func buffer(_ input: ContentLengthInput, length: Int, threshold: Int) throws -> BodyInput {
        if length < threshold { return BytesInput(try input.readAll(limit: length)) }
        let file = try TemporaryBodyFile()
        try input.forEachChunk { try file.write($0) }
        try file.rewind()
        return file
    }
}

/// A body spooled to an anonymous file (O_TMPFILE in $TMPDIR or /tmp): nothing to clean up, even after SIGKILL.
final class TemporaryBodyFile: BodyInput {
    private let descriptor: Int32

    init() throws {
        let directory = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        let fd = sb_open_anonymous_file(directory)
        guard fd >= 0 else { throw SocketError("post-buffering temporary file") }
        descriptor = fd
    }

    deinit { close(descriptor) }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw SocketError("post-buffering write")
            }
            offset += written
        }
    }

    func rewind() throws {
        guard lseek(descriptor, 0, SEEK_SET) == 0 else { throw SocketError("post-buffering rewind") }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno != EINTR { throw SocketError("post-buffering read") }
        }
    }
}
