import Foundation
import StackConfig

extension Master {
    /// The master loop: wakes on a signal or once a second (uWSGI's master-interval) to reap and respawn, enforce
    /// harakiri and mercy; returns the exit status after a shutdown.
    func supervise() -> Int32 {
        var set = Self.handledSignals
        var wait = timespec(tv_sec: 1, tv_nsec: 0)
        while true {
            var info = siginfo_t()
            let received = sigtimedwait(&set, &info, &wait)
            switch received {
            case SIGHUP: reload(graceful: true)
            case SIGTERM: if config.dieOnTerm { beginShutdown() } else { reload(graceful: false) }
            case SIGINT, SIGQUIT: beginShutdown()
            case SIGUSR1: reportRequests()
            default: break
            }
            reap()
            if shuttingDown && workerPids.isEmpty { break }
            if reexecPending && workerPids.isEmpty {
                reexecute()
                reexecPending = false
                respawnAll()
            }
            enforceHarakiri()
            enforceMercy()
        }
        stats?.stop()
        vacuum()
        PoolLog.write("goodbye to uWSGI.")
        return 0
    }

    /// Collects every worker that ended and, unless shutting down, starts its replacement.
    private func reap() {
        while true {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, WNOHANG)
            guard pid > 0 else { return }
            guard let id = workerPids.first(where: { $0.value == pid })?.key else { continue }
            workerPids[id] = nil
            let slot = scoreboard.slot(id)
            slot.status = .dead
            let signalled = status & 0x7f != 0
            if let since = cursed.removeValue(forKey: id) {
                PoolLog.write("worker \(id) buried after \(Int(Date().timeIntervalSince(since).rounded(.up))) seconds")
            } else if signalled {
                PoolLog.write("DAMN ! worker \(id) (pid: \(pid)) died, killed by signal \(status & 0x7f) :( trying respawn ...")
            } else if (status >> 8) & 0xff == 0 {
                PoolLog.write("worker \(id) killed successfully (pid: \(pid))")
            } else {
                PoolLog.write("DAMN ! worker \(id) (pid: \(pid)) died :( trying respawn ...")
            }
            guard !shuttingDown && !reexecPending else { continue }
            recentRespawns = recentRespawns.filter { Date().timeIntervalSince($0) < 1 } + [Date()]
            if recentRespawns.count > config.workers {
                PoolLog.write("worker respawning too fast !!! i have to sleep a bit (2 seconds)...")
                sleep(2)
            }
            do {
                try spawn(id)
                PoolLog.write("Respawned uWSGI worker \(id) (new pid: \(workerPids[id]!))")
            } catch {
                PoolLog.write("unable to respawn worker \(id): \(error)")
            }
        }
    }

    private func enforceHarakiri() {
        guard config.harakiri > 0 else { return }
        let now = Int(time(nil))
        for (id, pid) in workerPids where cursed[id] == nil {
            let slot = scoreboard.slot(id)
            let deadline = slot.harakiriDeadline
            guard deadline > 0, now > deadline else { continue }
            PoolLog.stamped("*** HARAKIRI ON WORKER \(id) (pid: \(pid), try: 1) ***")
            PoolLog.stamped("HARAKIRI !!! worker \(id) status !!!")
            PoolLog.stamped("HARAKIRI [core 0] \(slot.requestText) since \(slot.requestStartMicros / 1_000_000)")
            if config.harakiriVerbose {
                for file in ["syscall", "wchan"] {
                    let text = (try? String(contentsOfFile: "/proc/\(pid)/\(file)", encoding: .utf8)) ?? "?"
                    PoolLog.stamped("HARAKIRI: -- \(file)> \(text.trimmingCharacters(in: .whitespacesAndNewlines))")
                }
            }
            PoolLog.stamped("HARAKIRI !!! end of worker \(id) status !!!")
            slot.recordHarakiri()
            kill(pid, SIGKILL)
        }
    }

    private func enforceMercy() {
        for (id, since) in cursed where Date().timeIntervalSince(since) > Double(config.workerReloadMercy) {
            guard let pid = workerPids[id] else { continue }
            PoolLog.write("worker \(id) (pid: \(pid)) is taking too much time to die...NO MERCY !!!")
            kill(pid, SIGKILL)
        }
    }

    /// SIGHUP: each worker finishes its requests in progress and exits, and is replaced as it goes (the sockets
    /// stay bound, so no connection is refused meanwhile). SIGTERM without die-on-term: the same, brutally. Workers
    /// forked from an app this master imported are not replaced: once the last is gone the master execs itself
    /// (Master+Reexec), to import the code anew.
    ///
    /// The ini is read again here, and the workers started from now on run what it says: an ini that no longer
    /// loads (a typo, a placeholder that overflows) refuses the reload, and the workers keep serving (and are
    /// respawned) with the options loaded before, where uWSGI would exec itself into the error and leave nothing
    /// running.
    private func reload(graceful: Bool) {
        do {
            workerConfig = try UwsgiConfig.load(workerIni, environment: ProcessInfo.processInfo.environment) { _ in }
        } catch {
            PoolLog.write("reload refused, the workers keep running: \(error)")
            return
        }
        PoolLog.write(graceful ? "...gracefully killing workers..." : "...brutally killing workers...")
        for (id, pid) in workerPids.sorted(by: { $0.key < $1.key }) where cursed[id] == nil {
            if graceful { PoolLog.write("Gracefully killing worker \(id) (pid: \(pid))...") }
            cursed[id] = Date()
            scoreboard.slot(id).status = .reloading
            kill(pid, graceful ? SIGHUP : SIGTERM)
        }
        if forkedWorkers != nil { reexecPending = true }
    }

    /// Starts every worker that is not running (after a binary reload that failed).
    private func respawnAll() {
        for id in 1...config.workers where workerPids[id] == nil {
            do {
                try spawn(id)
            } catch {
                PoolLog.write("unable to respawn worker \(id): \(error)")
            }
        }
    }

    private func beginShutdown() {
        guard !shuttingDown else { return }
        shuttingDown = true
        PoolLog.write("SIGINT/SIGTERM received...killing workers...")
        for (id, pid) in workerPids {
            cursed[id] = Date()
            kill(pid, SIGINT)
        }
    }

    private func reportRequests() {
        let total = (1...config.workers).map { scoreboard.slot($0).requests }.reduce(0, +)
        PoolLog.write("workers total requests: \(total)")
        for id in 1...config.workers {
            PoolLog.write("worker \(id) app 0 [] requests: \(scoreboard.slot(id).requests) exceptions: \(scoreboard.slot(id).exceptions)")
        }
    }

    /// vacuum: the pidfile, each unix socket whose inode is still the one bound, a unix stats socket. As in uWSGI,
    /// the pidfile stays when privileges were dropped to another user: it was written as root.
    private func vacuum() {
        for bound in sockets { bound.socket.close() }
        guard config.vacuum else { return }
        if let pidfile = pidfilePath, getuid() == 0, unlink(pidfile) == 0 { PoolLog.write("VACUUM: pidfile removed.") }
        for bound in sockets {
            guard case .unix(let path)? = Self.address(bound.name), let inode = bound.inode else { continue }
            var status = stat()
            if stat(path, &status) == 0, status.st_ino == inode {
                unlink(path)
                PoolLog.write("VACUUM: unix socket \(path) removed.")
            } else {
                PoolLog.write("VACUUM WARNING: unix socket \(path) changed inode. Skip removal")
            }
        }
        if let address = config.stats, case .unix(let path)? = Self.address(address), unlink(path) == 0 {
            PoolLog.write("VACUUM: unix socket \(path) (stats) removed.")
        }
    }
}
