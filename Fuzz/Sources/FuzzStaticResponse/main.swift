// A request head as the front answers it from disk: parsed, its path normalised, its location matched, and its
// Range, If-Range, If-Match, If-None-Match, If-Modified-Since and If-Unmodified-Since weighed against a real file
// (issue 29: a Range to Int.max and a year past Int32 trapped here). Whatever the head says, the answer is one of
// the static module's, and a range lies inside the file.
import Foundation
import FuzzSupport
import StackConfig
import ServerCore
@testable import Front

let site = scratchFolder + "/site"
let prepared: FrontContext = {
    try? FileManager.default.createDirectory(atPath: site + "/dir", withIntermediateDirectories: true)
    try? String(repeating: "0123456789", count: 100).write(toFile: site + "/a.txt", atomically: true, encoding: .utf8)
    let conf = scratchFolder + "/nginx.conf"
    try? """
        error_log \(scratchFolder)/error.log crit;
        events { worker_connections 16; }
        http { access_log off; server { listen 127.0.0.1:9; add_header X-Uri $uri always;
            location /static/ { alias \(site)/; index index.html; }
            location / { root \(site); etag off; if_modified_since before; } } }
        """.write(toFile: conf, atomically: true, encoding: .utf8)
    return try! FrontContext(config: NginxConfig.load(file: conf).config, loops: 1)
}()

fuzz { bytes in
    var head = RequestHead()
    var path = ByteArray(capacity: 256)
    defer { path.release() }
    bytes.withUnsafeBytes { buffer in
        guard case .complete = head.parse(buffer, limits: RequestHead.Limits(line: 8192, head: 32768)) else { return }
        guard case .success = RequestPath.normalise(UnsafeRawBufferPointer(rebasing: buffer[head.target]), into: &path) else { return }
        let server = prepared.routes.byListen.values.first!.first!
        let route = FrontRoutes.location(in: server.locations, for: path.bytes) ?? server.scope
        func text(_ name: StaticString) -> String? { head.first(name, in: buffer).map(\.string) }
        let conditions = StaticFiles.Conditions(ifMatch: text("if_match"), ifNoneMatch: text("if_none_match"),
                                                ifModifiedSince: text("if_modified_since"), ifUnmodifiedSince: text("if_unmodified_since"),
                                                range: text("range"), ifRange: text("if_range"))
        let method = UnsafeRawBufferPointer(rebasing: buffer[head.method])
        let kind: StaticFiles.Method = method.equals("GET") ? .get : method.equals("HEAD") ? .head : method.equals("POST") ? .post : .other
        switch StaticFiles.serve(path.bytes, route: route, method: kind, conditions, cache: nil, now: 0) {
        case .file(let file):
            if let range = file.range { precondition(range.lowerBound >= 0 && range.upperBound <= file.size && !range.isEmpty) }
            file.release()
        case .notModified(let file): file.release()
        case .error(let code, _): precondition([403, 404, 405, 412].contains(code), "status \(code)")
        case .addSlash, .index, .rangeNotSatisfiable: break
        }
        for header in [text("if_modified_since"), text("if_unmodified_since"), text("if_range")].compactMap({ $0 }) {
            _ = HTTPDate.parse(header)
        }
    }
}
