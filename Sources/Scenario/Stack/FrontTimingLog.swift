import BenchSupport
import Foundation
import Results

/// The front's timing log: a `log_format` the run adds beside the user's access_log (StackLayout), one line per
/// request with its end and its times as nginx (and stackbench's front) reports them — seconds with millisecond
/// resolution, `-` for a request that went to no upstream. Read once the
/// cell's front has stopped (the log is buffered), and cut into the cell's windows by each line's end.
enum FrontTimingLog {
    static let formatName = "stackbench_timing"
    static let format = "log_format \(formatName) '$msec $request_time $upstream_connect_time $upstream_header_time $upstream_response_time';"

    struct Entry: Equatable {
        /// When the request ended (epoch seconds) and its times (seconds).
        var end: Double
        var request: Double
        var connect: Double? = nil
        var header: Double? = nil
        var response: Double? = nil
    }

    /// The lines of `text` that parse; others (a partial last line) are skipped.
    static func entries(_ text: String) -> [Entry] {
        text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 5, let end = Double(fields[0]), let request = Double(fields[1]) else { return nil }
            // Several upstream tries ("0.001, 0.002") make more fields: their request still counts, their upstream
            // times are left out (the run's stack has one upstream).
            guard fields.count == 5 else { return Entry(end: end, request: request) }
            return Entry(end: end, request: request, connect: Double(fields[2]), header: Double(fields[3]), response: Double(fields[4]))
        }
    }

    /// The window from `start` for `seconds`, from `entries`: the requests that ended in it; nil when none was
    /// logged. Slow connects are counted over every request in flight during the window, also one that ended
    /// after it (the client gave up on it at the window's end): the requests stuck on a retried SYN are those.
    static func window(_ entries: [Entry], start: Double, seconds: Double) -> ScenarioResult.FrontWindow? {
        let inside = entries.filter { $0.end >= start && $0.end <= start + seconds }
        guard !inside.isEmpty else { return nil }
        let slowConnects = entries.filter { $0.end >= start && $0.end - $0.request < start + seconds && ($0.connect ?? 0) >= 1 }.count
        func millis(_ values: [Double], at quantile: Double) -> Double? {
            guard !values.isEmpty else { return nil }
            let sorted = values.sorted()
            return sorted[min(sorted.count - 1, Int(quantile * Double(sorted.count)))] * 1000
        }
        let upstream = inside.filter { $0.header != nil }
        return .init(requests: inside.count, requestMillis: millis(inside.map(\.request), at: 0.5) ?? 0,
                     requestP99Millis: millis(inside.map(\.request), at: 0.99) ?? 0, upstreamRequests: upstream.count,
                     connectMillis: millis(upstream.compactMap(\.connect), at: 0.5), headerMillis: millis(upstream.compactMap(\.header), at: 0.5),
                     responseMillis: millis(upstream.compactMap(\.response), at: 0.5), slowConnects: slowConnects > 0 ? slowConnects : nil)
    }

    /// Gives every window of `targets` served through the front its part of the log at `path`.
    static func attach(_ path: String, to targets: inout [ScenarioResult.Target]) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return }
        let all = entries(text)
        guard !all.isEmpty else { return }
        for index in targets.indices where targets[index].kind.servingRoles.contains(.front) {
            for window in targets[index].repetitions.indices {
                let load = targets[index].repetitions[window].load
                guard let start = load.startDate?.timeIntervalSince1970 else { continue }
                targets[index].repetitions[window].front = Self.window(all, start: start, seconds: load.summary.elapsedSeconds)
            }
        }
    }
}
