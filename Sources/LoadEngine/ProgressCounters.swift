import Atomics

/// Live counts for a progress display, one pair per client thread: each thread stores its own totals (a
/// plain store on x86, no shared cache line written by two threads), the reader sums them.
public final class ProgressCounters: Sendable {
    /// One thread's counters, written by that thread only.
    public final class Thread: Sendable {
        let responses = ManagedAtomic<Int>(0)
        let errors = ManagedAtomic<Int>(0)
    }

    let threads: [Thread]

    init(threads count: Int) {
        threads = (0..<count).map { _ in Thread() }
    }

    /// Responses recorded so far in the measured window, over all threads.
    public var responses: Int { threads.reduce(0) { $0 + $1.responses.load(ordering: .relaxed) } }
    /// Failed requests (libcurl errors) so far in the measured window.
    public var errors: Int { threads.reduce(0) { $0 + $1.errors.load(ordering: .relaxed) } }
}
