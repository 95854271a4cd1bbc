import CLinux
import Foundation
import WSGI

extension Master {
    /// Starts worker `id` as a fork of this process, as uWSGI does without lazy-apps: the child keeps the app the
    /// master loaded, the listening sockets and the scoreboard, and runs the worker loop; it never returns here.
    /// The master runs no other thread that could hold a lock across the fork but the stats server, which only
    /// blocks in accept(2) and writes a snapshot.
    func fork(_ id: Int, _ forked: ForkedWorkers) throws {
        fflush(nil)
        forked.prepareFork()
        let pid = Glibc.fork()
        if pid == 0 {
            forked.finishFork(true)
            runForkedWorker(id, app: forked.app)
        }
        forked.finishFork(false)
        guard pid > 0 else { throw PoolError.system("fork", errno) }
        workerPids[id] = pid
        scoreboard.slot(id).recordSpawn(pid: pid, now: Int(time(nil)))
        PoolLog.write("spawned uWSGI worker \(id) (pid: \(pid), cores: \(workerConfig.threads))")
    }

    private func runForkedWorker(_ id: Int, app: Application) -> Never {
        if sb_die_with_parent(getppid()) != 0 { exit(1) }
        // As an exec'd worker starts (posix_spawn's default signal handling): nothing blocked, nothing ignored that
        // the master ignores (a master started in the background of a shell ignores SIGINT and SIGQUIT).
        var none = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, nil)
        for number in Int32(1)..<Int32(32) where number != SIGKILL && number != SIGSTOP { signal(number, SIG_DFL) }
        if let stats { close(stats.listener.descriptor) }
        let listeners = sockets.map { Worker.Listener(socket: $0.socket, proto: $0.proto) }
        do {
            exit(try Worker(id: id, config: workerConfig, app: app, scoreboard: scoreboard, listeners: listeners).run())
        } catch {
            PoolLog.write("worker \(id) could not start: \(error)")
            exit(1)
        }
    }
}
