import CCurl
import Foundation

/// The bytes of a request as the framed engine sends them: what libcurl would write for the same request
/// (request line, `Host`, `Accept: */*`, the user's headers replacing or removing those by name as in `curl -H`,
/// and for a body or a POST `Content-Length` and `Content-Type: application/x-www-form-urlencoded`, as `curl -d`),
/// in libcurl's order; FramedEngineTests compares the two byte for byte.
///
/// Owns: the origin a mix is sent to and whether the framed engine can send it at all. Must not: hold sockets.
struct HTTP1RequestBytes {
    /// scheme://host:port, the same for every request of a framed mix.
    let origin: String
    let bytes: [UInt8]
    let isHead: Bool

    /// Builds the bytes of `request` from its parsed URL; nil when libcurl must send it (credentials in the URL).
    init?(_ request: RequestSpec, url: OpaquePointer) {
        func part(_ which: CURLUPart, _ flags: UInt32 = 0) -> String? {
            var value: UnsafeMutablePointer<CChar>? = nil
            guard curl_url_get(url, which, &value, flags) == CURLUE_OK, let value else { return nil }
            defer { curl_free(value) }
            return String(cString: value)
        }
        guard part(CURLUPART_USER) == nil, part(CURLUPART_PASSWORD) == nil,
              let scheme = part(CURLUPART_SCHEME)?.lowercased(), let host = part(CURLUPART_HOST),
              let port = part(CURLUPART_PORT, UInt32(CURLU_DEFAULT_PORT))
        else { return nil }
        origin = "\(scheme)://\(host.lowercased()):\(port)"
        isHead = request.method == "HEAD"
        let explicitPort = part(CURLUPART_PORT)
        let path = part(CURLUPART_PATH) ?? "/"
        let target = part(CURLUPART_QUERY).map { "\(path)?\($0)" } ?? path

        // libcurl's order: Host, its Accept unless the user gave one, the user's headers in
        // their order ("Name:" with no value only removes libcurl's own), then a body's Content-Length and
        // Content-Type unless the user gave them.
        let given = request.headers.compactMap { header -> (name: String, line: String, empty: Bool)? in
            guard let colon = header.firstIndex(of: ":") else { return nil }
            let name = header[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = header[header.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            return (name, header, value.isEmpty)
        }
        func own(_ name: String, _ line: String) -> [String] { given.contains { $0.name == name } ? [] : [line] }
        // A Host of the user's takes the place of libcurl's, its value written as given after "Host:".
        let userHost = given.first { $0.name == "host" && !$0.empty }
        var lines = [userHost.map { "Host:" + $0.line[$0.line.index(after: $0.line.firstIndex(of: ":")!)...] }
                     ?? "Host: \(host)" + (explicitPort.map { ":\($0)" } ?? "")]
        if given.contains(where: { $0.name == "host" && $0.empty }) { lines = [] }
        lines += own("accept", "Accept: */*")
        lines += given.filter { !$0.empty && $0.name != "host" }.map(\.line)
        if request.body != nil || request.method == "POST" {
            lines += own("content-length", "Content-Length: \(request.body?.count ?? 0)")
            lines += own("content-type", "Content-Type: application/x-www-form-urlencoded")
        }
        var text = "\(request.method) \(target) HTTP/1.1\r\n"
        for line in lines { text += line + "\r\n" }
        text += "\r\n"
        bytes = Array(text.utf8) + (request.body ?? [])
    }
}
