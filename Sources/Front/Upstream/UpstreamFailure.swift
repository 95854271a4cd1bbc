import StackConfig

/// Why an exchange with the upstream failed, and nginx's answer to each (shared/spec/nginx-subset.md §7): the
/// client's status when no head was sent yet, the error log's level and words.
enum UpstreamFailure: Equatable {
    case connect(code: Int32, reason: String)
    case connectTimeout
    case sendTimeout
    case readTimeout(whileHead: Bool)
    case closedBeforeHead
    case invalidHead(String)
    case headTooBig
    /// The upstream closed, or reset, before its Content-Length was reached.
    case closedEarly

    /// (status, level, message) for `upstream`.
    func answer(upstream: NginxUpstream) -> (status: Int, level: NginxErrorLog.Level, message: String) {
        switch self {
        case .connect(let code, let reason):
            let isUnix = if case .unix = upstream { true } else { false }
            return (502, isUnix ? .crit : .error, "connect() to \(upstream.address) failed (\(code): \(reason)) while connecting to upstream")
        case .connectTimeout: return (504, .error, "upstream timed out (110: Connection timed out) while connecting to upstream")
        case .sendTimeout: return (504, .error, "upstream timed out (110: Connection timed out) while sending request to upstream")
        case .readTimeout(let whileHead):
            return (504, .error, "upstream timed out (110: Connection timed out) while reading \(whileHead ? "response header from " : "")upstream")
        case .closedBeforeHead: return (502, .error, "upstream prematurely closed connection while reading response header from upstream")
        case .invalidHead(let text): return (502, .error, "upstream sent invalid header: \"\(text)\" while reading response header from upstream")
        case .headTooBig: return (502, .error, "upstream sent too big header while reading response header from upstream")
        case .closedEarly: return (502, .error, "upstream prematurely closed connection while reading upstream")
        }
    }
}
