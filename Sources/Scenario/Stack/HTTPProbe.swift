import CCurl
import Foundation
import Results

/// One blocking request with libcurl's easy interface, body kept: how the runner waits for a stack to be ready
/// and verifies each target's checks before measuring it.
enum HTTPProbe {
    struct Answer {
        var status: Int
        var body: [UInt8]
    }

    /// nil with libcurl's reason when no response came back.
    static func fetch(_ request: Scenario.Request, baseURL: String, timeoutMilliseconds: Int = 5000) -> Result<Answer, ProbeFailure> {
        guard let easy = curl_easy_init() else { return .failure(ProbeFailure(reason: "curl_easy_init failed")) }
        defer { curl_easy_cleanup(easy) }
        final class Sink { var bytes: [UInt8] = [] }
        let sink = Sink()
        let url = baseURL + request.path
        var headers: UnsafeMutablePointer<curl_slist>?
        for header in request.headers { headers = curl_slist_append(headers, header) }
        defer { curl_slist_free_all(headers) }
        let body = request.body.map { Array($0.utf8) } ?? []
        return body.withUnsafeBufferPointer { bodyBytes in
            _ = sb_easy_setopt_ptr(easy, CURLOPT_URL, url)
            _ = sb_easy_setopt_ptr(easy, CURLOPT_CUSTOMREQUEST, request.method)
            if request.method == "HEAD" { _ = sb_easy_setopt_long(easy, CURLOPT_NOBODY, 1) }
            if request.body != nil {
                _ = sb_easy_setopt_ptr(easy, CURLOPT_POSTFIELDS, bodyBytes.baseAddress)
                _ = sb_easy_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
            }
            _ = sb_easy_setopt_ptr(easy, CURLOPT_HTTPHEADER, headers)
            _ = sb_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, timeoutMilliseconds)
            _ = sb_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
            _ = sb_easy_setopt_ptr(easy, CURLOPT_WRITEDATA, Unmanaged.passUnretained(sink).toOpaque())
            _ = sb_easy_setopt_write(easy) { data, size, count, context in
                let sink = Unmanaged<Sink>.fromOpaque(context!).takeUnretainedValue()
                let length = size * count
                if let data, sink.bytes.count < 16 << 20 {
                    data.withMemoryRebound(to: UInt8.self, capacity: length) { sink.bytes.append(contentsOf: UnsafeBufferPointer(start: $0, count: length)) }
                }
                return length
            }
            let code = curl_easy_perform(easy)
            guard code == CURLE_OK else { return .failure(ProbeFailure(reason: String(cString: curl_easy_strerror(code)))) }
            var status = 0
            _ = sb_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
            return .success(Answer(status: status, body: sink.bytes))
        }
    }

    /// What a target's checks say about an answer: nil when they pass.
    static func problem(with answer: Answer, checks: Scenario.Checks) -> String? {
        if answer.status != checks.status { return "status \(answer.status), expected \(checks.status)" }
        if let text = checks.contains, answer.body.firstRange(of: Array(text.utf8)) == nil {
            return "the body (\(answer.body.count) bytes) does not contain \"\(text)\""
        }
        if let minimum = checks.minSize, answer.body.count < minimum {
            return "the body has \(answer.body.count) bytes, expected at least \(minimum)"
        }
        return nil
    }
}

struct ProbeFailure: Error {
    var reason: String
}
