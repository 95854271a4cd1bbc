import Foundation
import Results

/// The pool's stats server (uWSGI's `stats` option, which the run points at `cNN/stats.sock`), read before and
/// after each measured window: per worker its pid, requests, respawns, harakiri kills and average response time.
/// The difference of the two readings is what the pool did during the window — how evenly the workers shared the
/// requests, and whether one was respawned or killed by harakiri meanwhile. The same document comes from
/// `stackbench uwsgi` and from uWSGI itself, so it is read leniently (JSONSerialization, unknown keys ignored).
struct PoolStats: Sendable {
    struct Worker: Sendable {
        var id: Int
        var pid: Int
        var requests: Int
        var respawnCount: Int
        var harakiriCount: Int
        var exceptions: Int
        var averageResponseMicros: Int
    }

    var workers: [Worker]
    var listenQueueErrors: Int

    /// One reading of the stats socket at `path`; nil when it does not answer within a second or says no JSON.
    static func read(unixPath path: String) -> PoolStats? {
        guard let fd = UnixSocket.connect(path) else { return nil }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 16384)
        while data.count < 4 << 20 {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            data += buffer[0..<count]
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(data)) as? [String: Any] else { return nil }
        func int(_ value: Any?) -> Int { (value as? NSNumber)?.intValue ?? 0 }
        let workers = (object["workers"] as? [[String: Any]] ?? []).map {
            Worker(id: int($0["id"]), pid: int($0["pid"]), requests: int($0["requests"]), respawnCount: int($0["respawn_count"]),
                   harakiriCount: int($0["harakiri_count"]), exceptions: int($0["exceptions"]), averageResponseMicros: int($0["avg_rt"]))
        }
        return PoolStats(workers: workers, listenQueueErrors: int(object["listen_queue_errors"]))
    }

    /// What happened between `before` and `after` (this reading), per worker id.
    static func window(from before: PoolStats, to after: PoolStats) -> ScenarioResult.PoolWindow {
        let earlier = Dictionary(before.workers.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let workers = after.workers.map { worker -> ScenarioResult.PoolWindow.Worker in
            let start = earlier[worker.id]
            let respawned = worker.respawnCount - (start?.respawnCount ?? worker.respawnCount)
            // A counter that went down was reset by a respawn: what it holds now was all served in the window.
            let previous = start?.requests ?? 0
            let requests = worker.requests >= previous ? worker.requests - previous : worker.requests
            return .init(id: worker.id, pid: worker.pid, requests: max(0, requests), respawns: max(0, respawned),
                         harakiris: max(0, worker.harakiriCount - (start?.harakiriCount ?? worker.harakiriCount)),
                         averageResponseMicros: worker.averageResponseMicros)
        }
        return .init(workers: workers, listenQueueErrors: max(0, after.listenQueueErrors - before.listenQueueErrors))
    }
}

/// A blocking AF_UNIX stream connection, for the readiness probe and the stats socket.
enum UnixSocket {
    /// A connected descriptor, or nil (no such socket, refused, or a path too long for sun_path).
    static func connect(_ path: String) -> Int32? {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { close(fd); return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0 }
        }
        if connected { return fd }
        close(fd)
        return nil
    }
}
