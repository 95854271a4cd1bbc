import BenchSupport
import Foundation
import LoadEngine

// One measured window: the load's result, and what each stack process, the pool and the front did meanwhile.

extension ScenarioResult {
    @PublicInit
    public struct Repetition: Codable, Sendable {
        public var load: RunResult
        /// Per stack process (pool = master and workers together), over the measured window.
        public var processes: [ProcessUsage]
        /// What the pool's stats server counted over the window; nil without a pool or when it did not answer.
        public var pool: PoolWindow?
        /// What the front's timing log says of the window's requests; nil without a front, or in older results.
        public var front: FrontWindow? = nil
        /// How busy the client's pinned cores were over the window (every process on them), 0...1.
        public var clientCoresBusy: Double? = nil
        /// Why the window cannot be trusted, if it cannot (WindowValidity); nil in older results.
        public var flags: [WindowFlag]? = nil
        /// Stack processes that ended or started during the window.
        public var processChanges: [ProcessChange]? = nil
        /// The target's events, as carried out in this window.
        public var events: [EventRecord]? = nil
        /// The cell whose stack served this window, and the round (1-based); nil in older results.
        public var cell: String? = nil
        public var round: Int? = nil
    }

    /// The front's own account of one window's requests, from the timing log the run adds beside the user's
    /// access_log (nginx's `$request_time` and `$upstream_*_time`, millisecond resolution): medians, ms.
    @PublicInit
    public struct FrontWindow: Codable, Sendable, Equatable {
        /// Requests the front finished in the window.
        public var requests: Int
        /// `$request_time`: from the request's first byte read to the answer's last byte sent; median and p99.
        public var requestMillis: Double
        public var requestP99Millis: Double
        /// The requests passed to the pool, and the medians of their `$upstream_connect_time` (to the connection),
        /// `$upstream_header_time` (to the pool's answer head: waiting for a worker, then its work) and
        /// `$upstream_response_time` (to the answer's end); nil with none.
        public var upstreamRequests: Int
        public var connectMillis: Double?
        public var headerMillis: Double?
        public var responseMillis: Double?
        /// The connects to the pool that took a second or more: over loopback, a SYN sent again a second after
        /// the pool's socket dropped it (its accept queue full); nil with none.
        public var slowConnects: Int?
    }

    /// The pool's own counters over one measured window, per worker.
    @PublicInit
    public struct PoolWindow: Codable, Sendable {
        @PublicInit
        public struct Worker: Codable, Sendable {
            public var id: Int
            public var pid: Int
            public var requests: Int
            public var respawns: Int
            public var harakiris: Int
            /// uWSGI's avg_rt at the end of the window (its running average), µs.
            public var averageResponseMicros: Int
            /// Time this worker spent on requests during the window (the growth of uWSGI's `running_time`: from
            /// the request's start to its end, summed over its threads), µs; nil in older results.
            public var busyMicros: Int? = nil
            /// Its threads (uWSGI's `cores`), each able to hold one request; nil in older results.
            public var threads: Int? = nil
        }

        /// The accept queue of the socket the window's requests entered the pool through, sampled every 200 ms
        /// (as `ss -l` reads it): connections no worker had accepted yet. nil in older results or when unreadable.
        @PublicInit
        public struct ListenQueueSamples: Codable, Sendable, Equatable {
            public var samples: Int
            public var mean: Double
            public var max: Int
            /// The most the queue can hold (the socket's `listen`); nil for a TCP socket, where /proc does not say.
            public var backlog: Int?
        }

        public var workers: [Worker]
        public var listenQueueErrors: Int
        public var listenQueue: ListenQueueSamples?

        /// Request slots: workers times threads; nil when the stats did not say (older results).
        public var slots: Int? {
            let threads = workers.map(\.threads)
            return threads.contains(nil) || workers.isEmpty ? nil : threads.reduce(0) { $0 + $1! }
        }

        /// How much of the window the pool's slots were holding a request, 0...1 (busy time over `seconds` times
        /// the slots): near 1, requests queued for a free worker; nil without the figures.
        public func busyShare(over seconds: Double) -> Double? {
            guard let slots, slots > 0, seconds > 0, let busy = busyMicros else { return nil }
            return min(1, Double(busy) / 1e6 / seconds / Double(slots))
        }

        /// The pool's time per request over the window, µs: what a request spent in a worker (the app, reading the
        /// request and writing the answer); nil without the figures or requests.
        public var busyMicrosPerRequest: Double? {
            let requests = workers.reduce(0) { $0 + $1.requests }
            guard let busy = busyMicros, requests > 0 else { return nil }
            return Double(busy) / Double(requests)
        }

        /// Busy time summed over the workers, µs; nil when a worker's is unknown.
        public var busyMicros: Int? {
            let each = workers.map(\.busyMicros)
            return each.contains(nil) ? nil : each.reduce(0) { $0 + $1! }
        }
    }

    @PublicInit
    public struct ProcessUsage: Codable, Sendable {
        public var role: StackRole
        public var cpuSeconds: Double
        public var cpuMicrosecondsPerRequest: Double
        /// Peak RSS summed over the process tree, KiB: counts the shared binary and libraries once per process, so
        /// it overstates a pool of many processes; kept for reference, never added across roles.
        public var rssKiB: Int
        /// Proportional set size at the window's end, summed over the tree (shared pages split among their users,
        /// so sums are honest), KiB; nil in results written before it was measured or where smaps_rollup is not
        /// readable.
        public var pssKiB: Int? = nil
        /// Unique set size (private pages only) at the window's end, summed over the tree, KiB.
        public var ussKiB: Int? = nil
        public var processes: Int
        /// Seconds its threads spent runnable but waiting for a core over the window, summed over the threads (from
        /// /proc/PID/task/TID/schedstat); nil in older results.
        public var runnableSeconds: Double? = nil
    }
}
