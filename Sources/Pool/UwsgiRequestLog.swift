import Foundation

/// uWSGI's default request log line (shared/spec/uwsgi-ini.md §12):
/// `[pid: 14206|app: 0|req: 1/1] 127.0.0.1 () {24 vars in 248 bytes} [Wed Nov 25 01:08:01 2026] GET /x =>
/// generated 6 bytes in 0 msecs (HTTP/1.1 200) 2 headers in 64 bytes (1 switches on core 0)`.
struct UwsgiRequestLog {
    var pid: Int32
    var appRequests: Int
    var workerRequests: Int
    var remoteAddress: String
    var remoteUser: String
    var variableCount: Int
    var datasize: Int
    var started: time_t
    var method: String
    var uri: String
    var bodyBytes: Int
    var milliseconds: Int
    var proto: String
    var status: Int
    var headerCount: Int
    var headerBytes: Int
    var switches: Int
    var core: Int

    var line: String {
        var start = started
        var buffer = [CChar](repeating: 0, count: 32)
        ctime_r(&start, &buffer)
        let date = String(cString: buffer).trimmingCharacters(in: .newlines)
        return "[pid: \(pid)|app: 0|req: \(appRequests)/\(workerRequests)] \(remoteAddress) (\(remoteUser)) "
            + "{\(variableCount * 2) vars in \(datasize) bytes} [\(date)] \(method) \(uri) => generated \(bodyBytes) "
            + "bytes in \(milliseconds) msecs (\(proto) \(status)) \(headerCount) headers in \(headerBytes) bytes "
            + "(\(switches) switches on core \(core))"
    }
}
