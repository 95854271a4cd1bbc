import CLinux
import Foundation

/// A reload of a pool whose workers are forked from the app the master imported: the master execs itself, as
/// uWSGI's "binary reloading" does, so the new master imports the code as it is on disk now (a fork of the old
/// import would serve the old code forever). The listening sockets stay open across the exec — requests wait in
/// their backlog meanwhile, none is refused — and the new master adopts them by name instead of binding again.
extension Master {
    /// The environment variable naming the sockets a re-executed master inherits: a line `FD INODE NAME` each
    /// (INODE 0 for a TCP socket).
    static let inheritedSocketsVariable = "STACKBENCH_UWSGI_INHERITED"

    /// A socket the previous master bound, open in this process.
    struct InheritedSocket {
        let descriptor: Int32
        let inode: ino_t
    }

    /// The sockets a re-executed master was handed, by name; empty at a first start. Reading them removes the
    /// variable, so nothing this master starts sees it.
    static func takeInheritedSockets() -> [String: InheritedSocket] {
        guard let text = getenv(inheritedSocketsVariable).map({ String(cString: $0) }) else { return [:] }
        unsetenv(inheritedSocketsVariable)
        var sockets: [String: InheritedSocket] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", maxSplits: 2).map(String.init)
            guard fields.count == 3, let descriptor = Int32(fields[0]), let inode = ino_t(fields[1]) else { continue }
            sockets[fields[2]] = InheritedSocket(descriptor: descriptor, inode: inode)
        }
        return sockets
    }

    /// Every worker is gone after a reload of forked workers: exec this binary again with the same arguments from
    /// the directory the pool started in. Returns only when the exec failed, after saying so; the caller then forks
    /// the workers again from the app already imported.
    func reexecute() {
        PoolLog.write("binary reloading uWSGI...")
        if chdir(startDirectory) == 0 { PoolLog.write("chdir() to \(startDirectory)") }
        stats?.stop()
        var lines: [String] = []
        for (index, bound) in sockets.enumerated() {
            _ = fcntl(bound.socket.descriptor, F_SETFD, 0)
            lines.append("\(bound.socket.descriptor) \(bound.inode ?? 0) \(bound.name)")
            PoolLog.write("found fd \(bound.socket.descriptor) mapped to socket \(index) (\(bound.name))")
        }
        _ = fcntl(scoreboard.descriptor, F_SETFD, FD_CLOEXEC)
        setenv(Self.inheritedSocketsVariable, lines.joined(separator: "\n"), 1)
        PoolLog.write("running \(arguments[0])")
        fflush(nil)
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        execv(executable, argv)
        let reason = String(cString: strerror(errno))
        unsetenv(Self.inheritedSocketsVariable)
        for bound in sockets { _ = fcntl(bound.socket.descriptor, F_SETFD, FD_CLOEXEC) }
        if let directory = config.chdir { chdir(directory) }
        PoolLog.write("binary reload failed (\(reason)): the workers are forked again from the code already loaded")
    }
}
