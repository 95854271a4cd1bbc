import CCurl
import Foundation

/// The C side of a plan's requests, built once and shared read-only by all client threads: parsed URL handles,
/// header lists and bodies that libcurl points at while it sends, the framed engine's request bytes, and the
/// cumulative weights of the mix.
///
/// URLs are handed over parsed (CURLOPT_CURLU, which libcurl only reads): with CURLOPT_URL libcurl parses the
/// string again for every transfer, which measured ~7% more client CPU per request against nginx at c=64.
final class CurlRequestTemplates {
    /// How libcurl is told the method.
    enum MethodKind {
        case get, head, post, custom
    }

    struct Template {
        /// A CURLU handle.
        let url: OpaquePointer
        let method: UnsafeMutablePointer<CChar>
        let kind: MethodKind
        let headers: UnsafeMutablePointer<curl_slist>?
        let body: UnsafeMutableBufferPointer<UInt8>?
    }

    /// A request of the mix as the framed engine sends it (`HTTP1RequestBytes`).
    struct WireRequest {
        let bytes: UnsafeMutableRawBufferPointer
        let isHead: Bool
    }

    let templates: [Template]
    /// The same requests as HTTP/1.1 bytes for the framed engine; nil when they go to more than one origin or
    /// carry credentials in a URL, which only libcurl's own transfers send.
    let wire: UnsafeMutableBufferPointer<WireRequest>?
    /// Running sums of the weights, normalised to end at 1.
    let cumulativeWeights: [Double]

    init(_ requests: [RequestSpec]) {
        let built = requests.map { request in
            var headers: UnsafeMutablePointer<curl_slist>? = nil
            var lines = request.headers
            // libcurl would wait for "100 Continue" before sending a larger body: a load tool sends at once.
            if request.body != nil { lines.append("Expect:") }
            for line in lines { headers = curl_slist_append(headers, line) }
            let body = request.body.map { bytes -> UnsafeMutableBufferPointer<UInt8> in
                let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(bytes.count, 1))
                _ = buffer.initialize(from: bytes)
                return buffer
            }
            let kind: MethodKind
            switch (request.method, request.body == nil) {
            case ("GET", true): kind = .get
            case ("HEAD", true): kind = .head
            case ("POST", _): kind = .post
            default: kind = .custom
            }
            let url = curl_url()!
            curl_url_set(url, CURLUPART_URL, request.url, 0)
            return Template(url: url, method: strdup(request.method), kind: kind, headers: headers,
                            body: body.map { UnsafeMutableBufferPointer(rebasing: $0[0..<request.body!.count]) })
        }
        templates = built
        let framed = zip(requests, built).compactMap { HTTP1RequestBytes($0, url: $1.url) }
        if framed.count == requests.count && Set(framed.map(\.origin)).count == 1 {
            let wire = UnsafeMutableBufferPointer<WireRequest>.allocate(capacity: framed.count)
            for (i, request) in framed.enumerated() {
                let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: request.bytes.count, alignment: 1)
                bytes.copyBytes(from: request.bytes)
                (wire.baseAddress! + i).initialize(to: WireRequest(bytes: bytes, isHead: request.isHead))
            }
            self.wire = wire
        } else {
            wire = nil
        }
        let total = requests.reduce(0) { $0 + $1.weight }
        var sum = 0.0
        cumulativeWeights = requests.map { sum += $0.weight; return sum / total }
    }

    deinit {
        for template in templates {
            curl_url_cleanup(template.url)
            free(template.method)
            curl_slist_free_all(template.headers)
            template.body.map { UnsafeMutableRawPointer($0.baseAddress!).deallocate() }
        }
        if let wire {
            wire.forEach { $0.bytes.deallocate() }
            wire.deallocate()
        }
    }

    /// The template for a uniform random number in 0..<1.
    @inline(__always)
    func pick(_ uniform: Double) -> Int {
        var index = 0
        while index < cumulativeWeights.count - 1 && uniform >= cumulativeWeights[index] { index += 1 }
        return index
    }

    /// Points `easy` at template `index`: URL, headers, method and body. Resets what another template set.
    func configure(_ easy: UnsafeMutableRawPointer, for index: Int) {
        let template = templates[index]
        sb_easy_setopt_ptr(easy, CURLOPT_CURLU, UnsafeRawPointer(template.url))
        sb_easy_setopt_ptr(easy, CURLOPT_HTTPHEADER, template.headers)
        sb_easy_setopt_ptr(easy, CURLOPT_CUSTOMREQUEST, nil)
        sb_easy_setopt_long(easy, CURLOPT_HTTPGET, 1)
        switch template.kind {
        case .get: break
        case .head: sb_easy_setopt_long(easy, CURLOPT_NOBODY, 1)
        case .post, .custom:
            if template.kind == .custom { sb_easy_setopt_ptr(easy, CURLOPT_CUSTOMREQUEST, template.method) }
            if let body = template.body {
                sb_easy_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
                sb_easy_setopt_ptr(easy, CURLOPT_POSTFIELDS, body.baseAddress)
            } else if template.kind == .post {
                sb_easy_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, 0)
                sb_easy_setopt_ptr(easy, CURLOPT_POSTFIELDS, "")
            }
        }
    }
}
