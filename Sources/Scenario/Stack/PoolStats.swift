import BenchSupport
import Foundation
import Results

/// The pool's stats server (uWSGI's `stats` option, which the run points at `cNN/stats.sock`), read before and
/// after each measured window: per worker its pid, requests, respawns, harakiri kills, average response time, the
/// time spent on requests (running_time) and its threads.
/// The difference of the two readings is what the pool did during the window — how evenly the workers shared the
/// requests, and whether one was respawned or killed by harakiri meanwhile. The same document comes from
/// `stackbench uwsgi` and from uWSGI itself, so it is read leniently (JSONSerialization, unknown keys ignored).
struct PoolStats: Sendable {
    /// One worker's counters, named as uWSGI's stats JSON names them (`respawn_count`, `avg_rt`, …).
    struct Worker: Sendable {
        var id, pid: Int
        var requests, respawnCount, harakiriCount, exceptions: Int
        var averageResponseMicros: Int
        /// uWSGI's running_time: µs spent on requests since the worker (re)started, over all its threads.
        var runningMicros: Int
        /// Its threads (the length of uWSGI's `cores`).
        var threads: Int
    }

    var workers: [Worker]
    var listenQueueErrors: Int

    /// One reading of the stats socket at `path`; nil when it does not answer within a second or says no JSON.
    static func read(unixPath path: String) -> PoolStats? {
        guard let fd = Sockets.connect(.unix(path: path)) else { return nil }
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
                   harakiriCount: int($0["harakiri_count"]), exceptions: int($0["exceptions"]), averageResponseMicros: int($0["avg_rt"]),
                   runningMicros: int($0["running_time"]), threads: max(1, ($0["cores"] as? [Any])?.count ?? 1))
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
            func growth(_ now: Int, since then: Int?) -> Int { max(0, now >= (then ?? 0) ? now - (then ?? 0) : now) }
            return .init(id: worker.id, pid: worker.pid, requests: growth(worker.requests, since: start?.requests),
                         respawns: max(0, respawned),
                         harakiris: max(0, worker.harakiriCount - (start?.harakiriCount ?? worker.harakiriCount)),
                         averageResponseMicros: worker.averageResponseMicros,
                         busyMicros: growth(worker.runningMicros, since: start?.runningMicros), threads: worker.threads)
        }
        return .init(workers: workers, listenQueueErrors: max(0, after.listenQueueErrors - before.listenQueueErrors))
    }
}
