import Foundation
import NIOHTTP1
import StackConfig

/// A log file opened once for appending (O_APPEND, so lines from several threads never interleave within a
/// write), or stderr.
final class LogFile: Sendable {
    let path: String
    let descriptor: CInt

    init(path: String) throws {
        self.path = path
        if path == "stderr" {
            descriptor = 2
        } else {
            descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else {
                throw FrontStartError(problem: "open() \"\(path)\" failed (\(errno): \(String(cString: strerror(errno))))")
            }
        }
    }

    func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0, errno == EINTR { continue }
                if written <= 0 { return }
                offset += written
            }
        }
    }
}

/// The error log: nginx's line (`2026/11/25 01:09:14 [crit] PID#TID: *CONN message, client: ..., server: ...,
/// request: "...", upstream: "...", host: "..."`) at or above the configured level. Rare, so unbuffered.
struct ErrorLog: Sendable {
    let file: LogFile?
    let level: NginxErrorLog.Level

    func write(_ level: NginxErrorLog.Level, connection: Int?, _ message: String) {
        guard let file, level >= self.level else { return }
        let line = "\(LogTime.errorLogStamp()) [\(level.name)] \(getpid())#0: " + (connection.map { "*\($0) " } ?? "") + message + "\n"
        file.write(Array(line.utf8))
    }
}

/// One event loop's access-log buffer: lines are appended in memory and written when 64 KiB have gathered, every
/// second, and at shutdown (nginx's `access_log ... buffer=`), so logging costs no system call per request.
/// Touched only on its own event loop.
final class AccessLogBuffer {
    private var pending: [ObjectIdentifier: (file: LogFile, bytes: [UInt8])] = [:]
    static let flushSize = 64 * 1024

    func append(_ line: [UInt8], to file: LogFile) {
        let key = ObjectIdentifier(file)
        pending[key, default: (file, [])].bytes += line
        if pending[key]!.bytes.count >= Self.flushSize { flush(key) }
    }

    func flush() {
        for key in Array(pending.keys) { flush(key) }
    }

    private func flush(_ key: ObjectIdentifier) {
        guard let entry = pending[key], !entry.bytes.isEmpty else { return }
        entry.file.write(entry.bytes)
        pending[key]!.bytes.removeAll(keepingCapacity: true)
    }
}

/// The values of one finished request that log formats can name (shared/spec/nginx-subset.md §8).
struct RequestRecord {
    var remoteAddress = "-"
    var remotePort = ""
    var requestLine = ""
    var method = ""
    var requestURI = ""
    var uri = ""
    var args: Substring?
    var status = 0
    var bodyBytesSent = 0
    var bytesSent = 0
    var requestLength = 0
    var start = Date()
    var headers = HTTPHeaders()
    var serverName = ""
    var serverPort = ""
    var connection = 0
    var connectionRequests = 0
    var upstreamAddress: String?
    var upstreamStatus: Int?
    var upstreamResponseTime: Double?
    var upstreamConnectTime: Double?

    /// The Host header lower-cased without its port (nginx's `$host` before the server_name fallback).
    var host: String? {
        header("host").map { String($0.lowercased().prefix { $0 != ":" }) }
    }

    func header(_ name: String) -> String? {
        headers.first(name: name)
    }

    /// A variable's value; nil when it is unset (logged as `-`).
    func value(_ name: String) -> String? {
        switch name {
        case "remote_addr": return remoteAddress
        case "remote_port": return remotePort
        case "remote_user": return nil
        case "time_local": return LogTime.local()
        case "time_iso8601": return LogTime.iso8601()
        case "msec": return String(format: "%.3f", Date().timeIntervalSince1970)
        case "request": return requestLine
        case "request_method": return method
        case "request_uri": return requestURI
        case "uri", "document_uri": return uri
        case "args", "query_string": return args.map(String.init)
        case "status": return String(format: "%03d", status)
        case "body_bytes_sent": return String(bodyBytesSent)
        case "bytes_sent": return String(bytesSent)
        case "request_length": return String(requestLength)
        case "request_time": return String(format: "%.3f", Date().timeIntervalSince(start))
        case "server_name": return serverName
        case "server_port": return serverPort
        case "connection": return String(connection)
        case "connection_requests": return String(connectionRequests)
        case "upstream_addr": return upstreamAddress
        case "upstream_status": return upstreamStatus.map(String.init)
        case "upstream_response_time": return upstreamResponseTime.map { String(format: "%.3f", $0) }
        case "upstream_connect_time": return upstreamConnectTime.map { String(format: "%.3f", $0) }
        case "host": return host ?? serverName
        case "pid": return String(getpid())
        case "scheme": return "http"
        default:
            if name.hasPrefix("http_") { return header(String(name.dropFirst(5)).replacingOccurrences(of: "_", with: "-")) }
            return nil
        }
    }

    /// The line for `format`, escaped as nginx escapes (`"`, `\`, control and non-ASCII bytes as `\xHH`).
    func line(_ format: NginxLogFormat) -> [UInt8] {
        var out: [UInt8] = []
        for part in format.template.parts {
            switch part {
            case .literal(let text): out += Array(text.utf8)
            case .variable(let name):
                guard let value = value(name), !value.isEmpty else { out.append(UInt8(ascii: "-")); continue }
                for byte in value.utf8 {
                    if format.escape == .none || (byte >= 0x20 && byte < 0x7f && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\")) {
                        out.append(byte)
                    } else {
                        out += Array(String(format: "\\x%02X", byte).utf8)
                    }
                }
            }
        }
        out.append(UInt8(ascii: "\n"))
        return out
    }
}

/// `$time_local` (`25/Nov/2026:01:09:57 +0000`), `$time_iso8601`, and the error log's stamp, in local time.
enum LogTime {
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func local() -> String {
        let parts = now()
        return String(format: "%02d/%@/%04d:%02d:%02d:%02d %@", parts.tm_mday, months[Int(parts.tm_mon)], parts.tm_year + 1900,
                      parts.tm_hour, parts.tm_min, parts.tm_sec, offset(parts, separator: ""))
    }

    static func iso8601() -> String {
        let parts = now()
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d%@", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                      parts.tm_hour, parts.tm_min, parts.tm_sec, offset(parts, separator: ":"))
    }

    /// `2026/11/25 01:09:14`
    static func errorLogStamp() -> String {
        let parts = now()
        return String(format: "%04d/%02d/%02d %02d:%02d:%02d", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                      parts.tm_hour, parts.tm_min, parts.tm_sec)
    }

    private static func now() -> tm {
        var seconds = time(nil)
        var parts = tm()
        localtime_r(&seconds, &parts)
        return parts
    }

    /// `+0000` / `+00:00`
    private static func offset(_ parts: tm, separator: String) -> String {
        let minutes = parts.tm_gmtoff / 60
        return String(format: "%@%02d%@%02d", minutes < 0 ? "-" : "+", abs(minutes) / 60, separator, abs(minutes) % 60)
    }
}
