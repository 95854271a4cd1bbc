import Foundation
import StackConfig

/// What a finished request offers the log formats and the uwsgi params (shared/spec/nginx-subset.md §8, §9): byte
/// views into the connection's buffers and plain numbers, gathered without copying.
struct RequestFacts {
    var input: UnsafeRawBufferPointer
    var head: RequestHead
    /// The normalised path ($uri) and the query's range within the target ($args).
    var path: UnsafeRawBufferPointer
    var query: Range<Int>?
    var remoteAddress: UnsafeRawBufferPointer
    var remotePort: UnsafeRawBufferPointer
    var serverPort: UnsafeRawBufferPointer
    var serverName: UnsafeRawBufferPointer
    var documentRoot: UnsafeRawBufferPointer
    var status = 0
    var bodyBytesSent = 0
    var bytesSent = 0
    var requestLength = 0
    /// A chunked request body's length once it was read and decoded (nginx's `$content_length` then), else nil.
    var decodedBodyLength: Int?
    /// Wall-clock milliseconds when the request's first byte was read.
    var startMilliseconds = 0
    var connection = 0
    var connectionRequests = 0
    var upstream: UpstreamFacts?

    var target: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: input[head.target]) }
    var requestLine: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: input[head.line]) }
    var method: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: input[head.method]) }
    var args: UnsafeRawBufferPointer? { query.map { UnsafeRawBufferPointer(rebasing: target[$0]) } }

    func header(_ name: [UInt8]) -> UnsafeRawBufferPointer? {
        name.withUnsafeBytes { head.first($0, in: input) }
    }
}

/// The upstream side of a proxied request, for `$upstream_*`.
struct UpstreamFacts {
    var address: [UInt8]
    var status: Int?
    /// Milliseconds from the start of the connect to the connection (connect), to the upstream's head (header) and
    /// to the end of its answer (response), as nginx's `$upstream_*_time`.
    var responseMilliseconds: Int?
    var connectMilliseconds: Int?
    var headerMilliseconds: Int?
}

/// A `log_format` compiled once at config load into a list of operations (nginx's ngx_http_log_module does the
/// same), so writing a line is a walk over the list: no variable name is looked up per request.
struct AccessLogFormat: Sendable {
    enum Operation: Sendable {
        case literal([UInt8])
        case remoteAddress, remotePort, remoteUser, timeLocal, timeISO8601, msec, request, requestMethod, requestURI
        case uri, args, isArgs, status, bodyBytesSent, bytesSent, requestLength, requestTime, serverName, serverPort
        case serverProtocol, documentRoot, scheme, https, connection, connectionRequests, host, pid, nginxVersion
        case upstreamAddress, upstreamStatus, upstreamResponseTime, upstreamConnectTime, upstreamHeaderTime
        /// `$content_length`: the header, or a chunked body's decoded length once read (what nginx sends upstream).
        case contentLength
        /// A request header: lower-case name with `_` for `-` (`$http_user_agent`, `$content_type`).
        case header([UInt8])
        /// A variable the front does not produce (`$cookie_…`, `$arg_…`, …): always empty.
        case unset
    }

    let operations: [Operation]
    private(set) var escape: NginxLogFormat.Escape

    init(_ format: NginxLogFormat) {
        self.init(format.template)
        escape = format.escape
    }

    /// A `uwsgi_param` value: the same operations, written raw.
    init(_ template: NginxTemplate) {
        escape = .none
        operations = template.parts.map { part in
            switch part {
            case .literal(let text): return .literal(Array(text.utf8))
            case .variable(let name): return Self.operation(name)
            }
        }
    }

    private static func operation(_ name: String) -> Operation {
        if let variable = NginxVariable(rawValue: name) { return operation(variable) }
        if name.hasPrefix("http_") { return .header(Array(name.dropFirst(5).utf8)) }
        return .unset
    }

    private static func operation(_ variable: NginxVariable) -> Operation {
        switch variable {
        case .remoteAddr: .remoteAddress
        case .remotePort: .remotePort
        case .remoteUser: .remoteUser
        case .timeLocal: .timeLocal
        case .timeIso8601: .timeISO8601
        case .msec: .msec
        case .request: .request
        case .requestMethod: .requestMethod
        case .requestUri: .requestURI
        case .uri, .documentUri: .uri
        case .args, .queryString: .args
        case .isArgs: .isArgs
        case .status: .status
        case .bodyBytesSent: .bodyBytesSent
        case .bytesSent: .bytesSent
        case .requestLength: .requestLength
        case .requestTime: .requestTime
        case .serverName: .serverName
        case .serverPort: .serverPort
        case .serverProtocol: .serverProtocol
        case .documentRoot: .documentRoot
        case .scheme: .scheme
        case .https: .https
        case .connection: .connection
        case .connectionRequests: .connectionRequests
        case .host: .host
        case .pid: .pid
        case .nginxVersion: .nginxVersion
        case .upstreamAddr: .upstreamAddress
        case .upstreamStatus: .upstreamStatus
        case .upstreamResponseTime: .upstreamResponseTime
        case .upstreamConnectTime: .upstreamConnectTime
        case .upstreamHeaderTime: .upstreamHeaderTime
        case .contentType: .header(Array("content_type".utf8))
        case .contentLength: .contentLength
        // Not produced yet: logged as "-" (nginx gives the connection's local address and the mapped file name).
        case .serverAddr, .requestFilename: .unset
        }
    }

    /// Appends the line for `facts` (with its newline when `newline`), escaped as the format says: by default
    /// `"`, `\`, control and non-ASCII bytes as `\xHH` and an empty value as `-`; `json` as JSON string content.
    func write(_ facts: RequestFacts, clock: LogClock, into out: inout ByteArray, newline: Bool = true) {
        for operation in operations {
            if case .literal(let bytes) = operation { out.append(bytes); continue }
            let mark = out.count
            value(operation, facts, clock, &out)
            guard escape != .none else { continue }
            escapeInPlace(from: mark, &out)
        }
        if newline { out.append(UInt8(ascii: "\n")) }
    }

    /// The value of `operation`, appended raw.
    private func value(_ operation: Operation, _ facts: RequestFacts, _ clock: LogClock, _ out: inout ByteArray) {
        switch operation {
        case .literal(let bytes): out.append(bytes)
        case .remoteAddress: out.append(facts.remoteAddress)
        case .remotePort: out.append(facts.remotePort)
        case .remoteUser, .unset, .https: break
        case .timeLocal: out.append(clock.timeLocal)
        case .timeISO8601: out.append(clock.timeISO8601)
        case .msec: appendMilliseconds(clock.milliseconds, &out)
        case .request: out.append(facts.requestLine)
        case .requestMethod: out.append(facts.method)
        case .requestURI: out.append(facts.target)
        case .uri: out.append(facts.path)
        case .args: if let args = facts.args { out.append(args) }
        case .isArgs: if facts.query != nil { out.append(UInt8(ascii: "?")) }
        case .status:
            if facts.status < 100 { out.append(UInt8(ascii: "0")) }
            if facts.status < 10 { out.append(UInt8(ascii: "0")) }
            out.append(decimal: facts.status)
        case .bodyBytesSent: out.append(decimal: facts.bodyBytesSent)
        case .bytesSent: out.append(decimal: facts.bytesSent)
        case .requestLength: out.append(decimal: facts.requestLength)
        case .requestTime: appendMilliseconds(max(0, clock.milliseconds - facts.startMilliseconds), &out)
        case .serverName: out.append(facts.serverName)
        case .serverPort: out.append(facts.serverPort)
        case .serverProtocol: out.append(facts.head.isHTTP11 ? "HTTP/1.1" : "HTTP/1.0")
        case .documentRoot: out.append(facts.documentRoot)
        case .scheme: out.append("http")
        case .connection: out.append(decimal: facts.connection)
        case .connectionRequests: out.append(decimal: facts.connectionRequests)
        case .host: appendHost(facts, &out)
        case .pid: out.append(decimal: Int(getpid()))
        case .nginxVersion: out.append("1.22.1")
        case .upstreamAddress: if let upstream = facts.upstream { out.append(upstream.address) }
        case .upstreamStatus: if let status = facts.upstream?.status { out.append(decimal: status) }
        case .upstreamResponseTime: if let time = facts.upstream?.responseMilliseconds { appendMilliseconds(time, &out) }
        case .upstreamConnectTime: if let time = facts.upstream?.connectMilliseconds { appendMilliseconds(time, &out) }
        case .upstreamHeaderTime: if let time = facts.upstream?.headerMilliseconds { appendMilliseconds(time, &out) }
        case .header(let name): if let value = facts.header(name) { out.append(value) }
        case .contentLength:
            if let length = facts.decodedBodyLength {
                out.append(decimal: length)
            } else if let index = facts.head.contentLength {
                out.append(facts.head.value(index, in: facts.input))
            }
        }
    }

    /// `$host`: the Host header lower-cased without its port, else the server name.
    private func appendHost(_ facts: RequestFacts, _ out: inout ByteArray) {
        guard let index = facts.head.host else { out.append(facts.serverName); return }
        let value = facts.head.value(index, in: facts.input)
        let mark = out.count
        for byte in value {
            if byte == UInt8(ascii: ":") { break }
            out.append(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte)
        }
        if out.count == mark { out.append(facts.serverName) }
    }

    /// Seconds with three decimals (`1.234`), as nginx's `$msec` and `$request_time`.
    private func appendMilliseconds(_ milliseconds: Int, _ out: inout ByteArray) {
        out.append(decimal: milliseconds / 1000)
        out.append(UInt8(ascii: "."))
        let fraction = milliseconds % 1000
        if fraction < 100 { out.append(UInt8(ascii: "0")) }
        if fraction < 10 { out.append(UInt8(ascii: "0")) }
        out.append(decimal: fraction)
    }

    /// Escapes the value written since `mark` (rare: most values need nothing, so they are scanned first).
    private func escapeInPlace(from mark: Int, _ out: inout ByteArray) {
        let length = out.count - mark
        if length == 0 {
            if escape == .default { out.append(UInt8(ascii: "-")) }
            return
        }
        var clean = true
        for index in mark..<out.count where Self.needsEscape(out[index], escape) { clean = false; break }
        if clean { return }
        let raw = Array(UnsafeRawBufferPointer(start: out.base + mark, count: length))
        out.count = mark
        for byte in raw {
            guard Self.needsEscape(byte, escape) else { out.append(byte); continue }
            if escape == .json {
                switch byte {
                case UInt8(ascii: "\""): out.append("\\\"")
                case UInt8(ascii: "\\"): out.append("\\\\")
                case 0x0A: out.append("\\n")
                case 0x0D: out.append("\\r")
                case 0x09: out.append("\\t")
                case 0x08: out.append("\\b")
                case 0x0C: out.append("\\f")
                default:
                    out.append("\\u00")
                    Self.appendHexByte(byte, &out)
                }
            } else {
                out.append("\\x")
                Self.appendHexByte(byte, &out)
            }
        }
    }

    private static func needsEscape(_ byte: UInt8, _ escape: NginxLogFormat.Escape) -> Bool {
        if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { return true }
        return escape == .default && byte >= 0x7F
    }

    private static func appendHexByte(_ byte: UInt8, _ out: inout ByteArray) {
        let digits: StaticString = "0123456789ABCDEF"
        out.append(digits.utf8Start[Int(byte >> 4)])
        out.append(digits.utf8Start[Int(byte & 0xF)])
    }
}
