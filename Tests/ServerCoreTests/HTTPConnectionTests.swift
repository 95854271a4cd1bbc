import BenchSupport
import Foundation
import ServerCore
import StackbenchTesting
import Testing
import WSGI

/// The connection loop in-process, on a real socket, with apps that misbehave in the ways WSGI allows or forbids.
@Suite(.serialized) final class HTTPConnectionTests {
    /// Answers by path.
    struct ProbeApp: Application {
        final class Pieces: ChunkSource {
            var remaining: [[UInt8]]
            let closed: Locked<Bool>
            init(_ pieces: [String], closed: Locked<Bool>) {
                remaining = pieces.map { Array($0.utf8) }
                self.closed = closed
            }
            func nextChunk() throws -> [UInt8]? { remaining.isEmpty ? nil : remaining.removeFirst() }
            func close() { closed.value = true }
        }

        let closed = Locked(false)

        func handle(_ request: Request) throws -> Response {
            switch request.environ.pathInfo {
            case "/chunks": return Response(status: 200, body: .chunks(Pieces(["", "ab", "", "cd"], closed: closed)))
            case "/throw": throw CancellationError()
            case "/short": return Response(status: 200, headers: [("Content-Length", "3")], body: .bytes(Array("abcdef".utf8)))
            case "/inject": return Response(status: 200, headers: [("X-A", "1\r\nSet-Cookie: x=1")])
            case "/echo": return Response(status: 200, body: .bytes(try request.input.readAll(limit: 1 << 20)))
            case "/file":
                let descriptor = open("/etc/hostname", O_RDONLY)
                var status = stat()
                fstat(descriptor, &status)
                return Response(status: 200, body: .file(FileRegion(descriptor: descriptor, offset: 0, count: Int(status.st_size))))
            default: return Response(status: 200, body: .bytes(Array("ok".utf8)))
            }
        }
    }

    let listener: ListeningSocket
    let app = ProbeApp()

    init() throws {
        listener = try ListeningSocket(address: .tcp(host: "127.0.0.1", port: 0))
        let listener = listener, app = app
        let options = HTTPConnectionOptions(
            style: .uwsgiHTTPSocket, identity: .init(name: "test", port: "0", software: nil), serverHeader: nil,
            keepAlive: true, multithread: true, multiprocess: false, answerToAppError: nil, log: { _ in },
            errors: StandardErrorLog())
        Thread.detachNewThread {
            while let connection = try? listener.accept() {
                Thread.detachNewThread { HTTPConnection.serve(connection, app: app, options: options) }
            }
        }
    }

    /// Ends the accept loop: accept() fails once the socket is shut down.
    deinit {
        shutdown(listener.descriptor, Int32(SHUT_RDWR))
        listener.close()
    }

    func exchange(_ text: String) throws -> String {
        try RawHTTPClient.exchange(port: listener.boundPort!, text, timeout: 3)
    }

    @Test func aBodyOfUnknownLengthEndsWithTheConnectionAndEmptyChunksAreSkipped() throws {
        let answer = try exchange("GET /chunks HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(answer.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(answer.contains("Connection: close\r\n"))
        #expect(answer.hasSuffix("\r\n\r\nabcd"))
        #expect(app.closed.value, "the server calls close() on the chunk source")
    }

    @Test func anAppErrorWithoutAnAnswerClosesTheConnectionEmpty() throws {
        #expect(try exchange("GET /throw HTTP/1.1\r\nHost: x\r\n\r\n") == "", "uWSGI's behaviour: no response at all")
    }

    @Test func neverMoreThanTheAppsContentLength() throws {
        let answer = try exchange("GET /short HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(answer.hasSuffix("\r\n\r\nabc"))
    }

    @Test func headerInjectionIsRefused() throws {
        #expect(try exchange("GET /inject HTTP/1.1\r\nHost: x\r\n\r\n") == "")
    }

    @Test func headAnswersWithoutABodyButWithItsLength() throws {
        let answer = try exchange("HEAD /plain HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(answer.contains("Content-Length: 2\r\n"))
        #expect(answer.hasSuffix("\r\n\r\n"))
    }

    @Test func expectContinueIsAnsweredBeforeTheBodyIsRead() throws {
        let answer = try exchange("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\nhello")
        #expect(answer.hasPrefix("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"))
        #expect(answer.hasSuffix("hello"))
    }

    @Test func unreadBodiesAreDrainedSoTheNextRequestParses() throws {
        let answer = try exchange("POST /plain HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nXXXXGET /plain HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(answer.components(separatedBy: "HTTP/1.1 200 OK").count - 1 == 2)
    }

    @Test func fileRegionsGoOutWithSendfile() throws {
        let expected = try String(contentsOfFile: "/etc/hostname", encoding: .utf8)
        let answer = try exchange("GET /file HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(answer.hasSuffix("\r\n\r\n" + expected))
    }

    @Test(arguments: [
        ("GET / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", "400"),
        ("GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", "400"),
        ("GET / HTTP/1.1\r\nContent-Length: 1e3\r\n\r\n", "400"),
        ("GET / HTTP/3.0\r\n\r\n", "505"),
    ])
    func badFramingIsRefused(request: String, status: String) throws {
        #expect(try exchange(request).hasPrefix("HTTP/1.1 \(status) "))
    }
}
