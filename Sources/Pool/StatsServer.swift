import BenchSupport
import Foundation
import ServerCore

/// uWSGI's stats server: every connection to `stats` gets one JSON document (uWSGI 2.0's shape, per worker: id,
/// pid, requests, status, avg_rt, rss, harakiri_count, respawn_count, ...) and is closed; no request is read.
/// RSS is always real (read from /proc), where uWSGI reports 0 without memory-report.
final class StatsServer: Sendable {
    let listener: ListeningSocket

    init(address: String, master: Master) throws {
        guard let parsed = Master.address(address) else {
            throw PoolStartError(master.config, "stats", "\"\(address)\" is neither host:port nor a unix socket path")
        }
        do {
            listener = try ListeningSocket(address: parsed, backlog: 16)
        } catch {
            throw PoolStartError(master.config, "stats", "cannot bind \(address): \(error)")
        }
        let listener = listener
        let snapshot = StatsSnapshot(master: master)
        Thread.detachNewThread {
            while let connection = try? listener.accept() {
                try? connection.write(Array(snapshot.json().utf8))
                connection.shutdownWrite()
                connection.close()
            }
        }
    }

    func stop() {
        shutdown(listener.descriptor, Int32(SHUT_RDWR))
    }
}

/// The stats document, built from the scoreboard and /proc.
struct StatsSnapshot: Sendable {
    let board: Scoreboard
    let config: StackConfigSummary
    let sockets: [(name: String, proto: String)]

    init(master: Master) {
        board = master.scoreboard
        config = StackConfigSummary(listen: master.config.listen, threads: master.config.threads,
                                    thunderLock: master.config.thunderLock)
        sockets = master.sockets.map { ($0.name, $0.proto.rawValue) }
    }

    struct StackConfigSummary {
        let listen: Int
        let threads: Int
        let thunderLock: Bool
    }

    func json() -> String {
        let workers = (1...board.workerCount).map { id -> String in
            let slot = board.slot(id)
            let (rss, vsz) = Self.memory(of: slot.pid)
            let cores = (0..<config.threads).map { "{\"id\":\($0),\"requests\":0,\"in_request\":0}" }.joined(separator: ",")
            return "{\"id\":\(id),\"pid\":\(slot.pid),\"accepting\":\(slot.status == .dead ? 0 : 1),"
                + "\"requests\":\(slot.requests),\"delta_requests\":\(slot.deltaRequests),\"exceptions\":\(slot.exceptions),"
                + "\"harakiri_count\":\(slot.harakiriCount),\"signals\":0,\"signal_queue\":0,"
                + "\"status\":\"\(slot.status.name)\",\"rss\":\(rss),\"vsz\":\(vsz),"
                + "\"running_time\":\(slot.runningTimeMicros),\"last_spawn\":\(slot.lastSpawn),"
                + "\"respawn_count\":\(slot.respawnCount),\"tx\":\(slot.transmittedBytes),"
                + "\"avg_rt\":\(slot.averageResponseMicros),\"apps\":[{\"id\":0,\"modifier1\":0,\"mountpoint\":\"\","
                + "\"startup_time\":0,\"requests\":\(slot.requests),\"exceptions\":\(slot.exceptions),\"chdir\":\"\"}],"
                + "\"cores\":[\(cores)]}"
        }
        let sockets = self.sockets.map {
            "{\"name\":\(Self.quote($0.name)),\"proto\":\"\($0.proto)\",\"queue\":0,\"max_queue\":\(config.listen),"
                + "\"shared\":0,\"can_offload\":0}"
        }
        let cwd = FileManager.default.currentDirectoryPath
        return "{\"version\":\"2.0.21-stackbench\",\"listen_queue\":0,\"listen_queue_errors\":0,\"signal_queue\":0,"
            + "\"load\":0,\"pid\":\(getpid()),\"uid\":\(getuid()),\"gid\":\(getgid()),\"cwd\":\(Self.quote(cwd)),"
            + "\"locks\":[{\"thunder\":0}],\"sockets\":[\(sockets.joined(separator: ","))],"
            + "\"workers\":[\(workers.joined(separator: ","))]}\n"
    }

    /// RSS and VSZ in bytes from /proc/PID/statm; zeros when the process is gone.
    static func memory(of pid: Int32) -> (Int, Int) {
        guard pid > 0, let text = try? String(contentsOfFile: "/proc/\(pid)/statm", encoding: .utf8) else { return (0, 0) }
        let fields = text.split(separator: " ").compactMap { Int($0) }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        return fields.count >= 2 ? (fields[1] * page, fields[0] * page) : (0, 0)
    }

    static func quote(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            default:
                if scalar.value < 0x20 { result += "\\u" + Hex.digits(scalar.value, width: 4) } else { result.unicodeScalars.append(scalar) }
            }
        }
        return result + "\""
    }
}
