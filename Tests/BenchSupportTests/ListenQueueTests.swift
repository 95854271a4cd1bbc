import BenchSupport
import Foundation
import Testing

/// The accept queue read from outside, against sockets whose queue the test fills by connecting without accepting.
@Suite struct ListenQueueTests {
    @Test func aUnixSocketsQueueCountsTheConnectionsNotYetAccepted() throws {
        let path = NSTemporaryDirectory() + "stackbench-queue-\(getpid()).sock"
        defer { unlink(path) }
        let (listener, _) = try Sockets.listen(.unix(path: path), backlog: 7)
        defer { close(listener) }
        #expect(ListenQueue.of(unixPath: path) == ListenQueue(queued: 0, backlog: 7))
        let clients = (0..<3).compactMap { _ in Sockets.connect(.unix(path: path)) }
        defer { clients.forEach { close($0) } }
        #expect(clients.count == 3)
        #expect(ListenQueue.of(unixPath: path) == ListenQueue(queued: 3, backlog: 7))
        let accepted = accept(listener, nil, nil)
        defer { close(accepted) }
        #expect(ListenQueue.of(unixPath: path)?.queued == 2)
    }

    @Test func aTCPSocketsQueueIsFoundByItsPort() throws {
        let (listener, port) = try Sockets.listen(.tcp(host: "127.0.0.1", port: 0), backlog: 7)
        defer { close(listener) }
        let clients = (0..<2).compactMap { _ in Sockets.connect(.tcp(host: "127.0.0.1", port: port!)) }
        defer { clients.forEach { close($0) } }
        #expect(ListenQueue.of(tcpPort: port!) == ListenQueue(queued: 2, backlog: nil))
    }

    @Test func nothingListeningIsNil() throws {
        let path = NSTemporaryDirectory() + "stackbench-queue-none-\(getpid())"
        FileManager.default.createFile(atPath: path, contents: Data())
        defer { unlink(path) }
        #expect(ListenQueue.of(unixPath: path) == nil)
        #expect(ListenQueue.of(unixPath: path + ".missing") == nil)
    }
}
