import BenchSupport
import Foundation
import Results

/// The processes of one cell's stack while it runs: the list the sampler, the events and the runner share (a
/// stop-pool event swaps the pool for a new process), the pool's stats socket, and the log tails a failure shows.
final class RunningStack: Sendable {
    private let list = Locked<[StackProcess]>([])
    private let currentLayout: Locked<StackLayout>

    init(layout: StackLayout) {
        currentLayout = Locked(layout)
    }

    /// The cell's layout as the runner last settled it (where the stack listens is decided as it starts).
    var layout: StackLayout {
        get { currentLayout.value }
        set { currentLayout.value = newValue }
    }

    var processes: [StackProcess] { list.value }

    func add(_ process: StackProcess) { list.withLock { $0.append(process) } }

    func process(role: StackRole) -> StackProcess? { list.value.first { $0.role == role } }

    /// Takes `process` out of the list (its death is then no failure), or puts `replacement` in its place.
    func remove(_ process: StackProcess) { list.withLock { $0.removeAll { $0 === process } } }

    /// Empties the list, returning what was in it.
    func takeAll() -> [StackProcess] { list.withLock { all in defer { all = [] }; return all } }

    /// The pool's stats, when a pool runs.
    func poolStats() -> PoolStats? {
        process(role: .pool) != nil ? PoolStats.read(unixPath: layout.statsSocket) : nil
    }

    /// Per process, the last lines of the logs that hold causes: its console, and the pool's `logto` file (where
    /// uWSGI writes "unable to load app" and Python's traceback) or the front's error log. Empty logs are left out.
    func logTails() -> String {
        processes.map { process in
            let files = [process.log] + (process.role == .pool ? [layout.uwsgiLog] : process.role == .front ? [layout.frontErrorLog] : [])
            let tails = files.compactMap { file -> String? in
                guard FileManager.default.fileExists(atPath: file) else { return nil }
                let tail = StackProcess.tail(of: file, lines: 12)
                return tail.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : "-- \((file as NSString).lastPathComponent)\n" + tail
            }
            return "== \(process.role)\n" + (tails.isEmpty ? "(nothing logged)" : tails.joined(separator: "\n"))
        }.joined(separator: "\n")
    }
}
