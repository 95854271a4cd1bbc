import Foundation
import NIOCore
import ServerCore
import StackConfig

/// What every connection handler shares: the routes, the open log files, and per event loop the state only that
/// loop touches (its access-log buffer, the cached Date header). Built once at start-up.
final class FrontContext: Sendable {
    let routes: FrontRoutes
    let errorLog: ErrorLog
    let logFiles: [String: LogFile]
    let signature: String
    private let loops: [ObjectIdentifier: LoopState]

    init(config: NginxConfig, loops eventLoops: [EventLoop]) throws {
        routes = FrontRoutes(config)
        var files: [String: LogFile] = [:]
        func scopes(_ locations: [NginxLocation]) -> [NginxScope] {
            locations.flatMap { [$0.scope] + scopes($0.locations) }
        }
        let all = config.servers.flatMap { [$0.scope] + scopes($0.locations) }
        // Opened in a fixed order, the main error log first (as nginx opens it before the rest), so a log that
        // cannot be opened is reported the same way on every start.
        let paths = [config.errorLog.path].compactMap { $0 } + all.compactMap(\.errorLog.path) + all.flatMap { $0.accessLogs.map(\.path) }
        for path in paths where files[path] == nil {
            files[path] = try LogFile(path: path)
        }
        logFiles = files
        errorLog = ErrorLog(file: config.errorLog.path.flatMap { files[$0] }, level: config.errorLog.level)
        signature = "stackbench"
        var loops: [ObjectIdentifier: LoopState] = [:]
        for loop in eventLoops { loops[ObjectIdentifier(loop)] = LoopState() }
        self.loops = loops
    }

    /// The error log in effect for a scope.
    func errorLog(for scope: NginxScope) -> ErrorLog {
        ErrorLog(file: scope.errorLog.path.flatMap { logFiles[$0] }, level: scope.errorLog.level)
    }

    /// The calling loop's own state; only ever used on that loop.
    func loopState(_ loop: EventLoop) -> LoopState {
        loops[ObjectIdentifier(loop)]!
    }

    /// Writes every loop's buffered access-log lines (each on its own loop).
    func flushAccessLogs(_ eventLoops: [EventLoop]) -> EventLoopFuture<Void> {
        let futures = eventLoops.map { loop in loop.submit { self.loopState(loop).accessLog.flush() } }
        return EventLoopFuture.andAllComplete(futures, on: eventLoops[0])
    }
}

/// Per event loop: the access-log buffer, the Date header of the current second, the last Last-Modified.
final class LoopState: @unchecked Sendable {
    let accessLog = AccessLogBuffer()
    private var second = 0
    private var date = ""

    func httpDate() -> String {
        let now = Int(time(nil))
        if now != second {
            second = now
            date = HTTPDate.format(now)
        }
        return date
    }

    private var modifiedSeconds = -1
    private var modifiedText = ""

    /// A file's Last-Modified; the last one formatted is kept, since a benchmark asks for the same file again.
    func lastModified(_ seconds: Int) -> String {
        if seconds != modifiedSeconds {
            modifiedSeconds = seconds
            modifiedText = HTTPDate.format(seconds)
        }
        return modifiedText
    }
}
