import Foundation
import StackConfig

/// What every connection of one configuration shares, built once per start or reload: the routes with their
/// compiled log formats and uwsgi params, the open log files, and the policy of each access-log slot (each loop
/// keeps its own buffers for them). Immutable, so every loop reads it without locks.
final class FrontContext: Sendable {
    let config: NginxConfig
    let routes: FrontRoutes
    let errorLog: ErrorLog
    let logFiles: [String: LogFile]
    let logPolicies: [AccessLogBuffers.Policy]
    /// `Server:` and the error pages' signature.
    let signature: [UInt8]
    let signatureText: String

    /// `loops`: how many event loops run (the started server's, which a reload does not change).
    init(config: NginxConfig, loops: Int) throws {
        self.config = config
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
        signatureText = "stackbench"
        signature = Array(signatureText.utf8)
        // One buffer slot per access-log file; the first access_log naming a file sets its buffer= and flush=.
        var slots: [String: Int] = [:]
        var policies: [AccessLogBuffers.Policy] = []
        for log in all.flatMap(\.accessLogs) where slots[log.path] == nil {
            slots[log.path] = policies.count
            policies.append(AccessLogBuffers.Policy(file: files[log.path]!, buffer: log.buffer, flushMilliseconds: log.flush))
        }
        logPolicies = policies
        routes = FrontRoutes(config, loops: loops) { scope in
            scope.accessLogs.map { AccessLogTarget(slot: slots[$0.path]!, format: AccessLogFormat($0.format)) }
        }
    }

    /// The error log in effect for a scope.
    func errorLog(for scope: NginxScope) -> ErrorLog {
        ErrorLog(file: scope.errorLog.path.flatMap { logFiles[$0] }, level: scope.errorLog.level)
    }
}
