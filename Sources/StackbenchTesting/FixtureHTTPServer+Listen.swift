import BenchSupport
import Foundation

extension FixtureHTTPServer {
    /// A socket could not be set up.
    public struct ListenError: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// A listening socket on 127.0.0.1:0 (and its port) or on a unix socket path (replacing a stale file).
    static func listen(unixSocket: String?) throws -> (Int32, Int?) {
        do {
            let (fd, port) = try Sockets.listen(unixSocket.map { .unix(path: $0) } ?? .tcp(host: "127.0.0.1", port: 0), backlog: 1024)
            return (fd, port)
        } catch {
            throw ListenError(description: "\(error.call == "socket" ? "socket" : "bind/listen"): \(String(cString: strerror(error.code)))")
        }
    }
}
