import BenchSupport
import Foundation

extension ScenarioResult {
    /// What an event did during a window, and what it cost.
    @PublicInit
    public struct EventRecord: Codable, Sendable, Equatable {
        public var action: String
        /// Scheduled, seconds into the window.
        public var at: Double
        /// When it was carried out, seconds into the window.
        public var startedAt: Double
        /// What was done to which process, and how it went.
        public var detail: String
        /// Failed requests (transport errors and non-2xx/3xx answers) from this event's second until the next
        /// event or the window's end, less the failure rate of the seconds before the first event.
        public var failedRequests: Int
    }
}

