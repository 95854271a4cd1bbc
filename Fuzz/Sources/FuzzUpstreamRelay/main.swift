// An upstream's whole answer (head and body, any bytes) relayed by a running front to a client that pipelines a
// second request behind the first (issue 29: a chunked answer followed by an injected response split the
// connection; a cut one desynchronised it). Whatever the upstream sends, the client reads well-framed answers only:
// the first (or a 502), then the static file for the second request, unless the first closed the connection.
import Foundation
import FuzzSupport
import StackConfig
import BenchSupport
import StackbenchTesting
@testable import Front

final class Upstream: @unchecked Sendable {
    let reply = Locked<[UInt8]>([])
    let threads: ConnectionThreads

    init(path: String) throws {
        threads = ConnectionThreads(listener: try listeningUnixSocket(path))
        let reply = self.reply
        threads.start { socket in
            var header = [UInt8](repeating: 0, count: 4)
            guard recv(socket, &header, 4, Int32(MSG_WAITALL)) == 4 else { return }
            var vars = [UInt8](repeating: 0, count: Int(header[1]) | Int(header[2]) << 8)
            guard vars.isEmpty || recv(socket, &vars, vars.count, Int32(MSG_WAITALL)) == vars.count else { return }
            let bytes = reply.value
            _ = bytes.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
    }
}

let listen = scratchFolder + "/front.sock"
let site = scratchFolder + "/site"
try! FileManager.default.createDirectory(atPath: site, withIntermediateDirectories: true)
try! "hello\n".write(toFile: site + "/a.txt", atomically: true, encoding: .utf8)
let upstream = try! Upstream(path: scratchFolder + "/app.sock")
try! """
    error_log \(scratchFolder)/error.log crit;
    events { worker_connections 64; }
    http { uwsgi_read_timeout 2s; server { listen unix:\(listen); access_log off;
        location /static/ { alias \(site)/; }
        location / { include uwsgi_params; uwsgi_pass unix:\(scratchFolder)/app.sock; } } }
    """.write(toFile: scratchFolder + "/nginx.conf", atomically: true, encoding: .utf8)
let server = try! FrontServer(config: NginxConfig.load(file: scratchFolder + "/nginx.conf").config)

fuzz { bytes in
    upstream.reply.value = bytes
    let request = "GET /app HTTP/1.1\r\nHost: x\r\n\r\nGET /static/a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    guard let (received, closed) = try? RawHTTPClient.bytes(unixSocket: listen, Array(request.utf8), timeout: 4) else { fatalError("no connection") }
    precondition(closed, "the front never closed the connection")
    let stream = HTTPResponseStream(received, closed: true)
    let finals = stream.responses.filter { $0.status >= 200 }
    precondition(!finals.isEmpty, "no answer: \(String(decoding: received.prefix(200), as: UTF8.self).debugDescription)")
    precondition(finals.count <= 2, "\(finals.count) answers to two requests: \(String(decoding: received.prefix(400), as: UTF8.self).debugDescription)")
    if finals.count == 2 {
        precondition(stream.problem == nil, "\(stream.problem!)")
        precondition(finals[1].status == 200 && finals[1].body == Array("hello\n".utf8), "the second answer is not the file")
    } else {
        precondition(finals[0].values("Connection").contains("close") || stream.problem != nil, "one answer on a kept connection")
    }
}
