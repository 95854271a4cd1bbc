import Foundation
@testable import Front
import StackConfig
import StackbenchTesting
import Testing

/// nginx's choice of server and location, on the routes compiled from a config (no sockets): a server by address
/// and Host (exact, `*.suffix`, `prefix.*`, else the default), then `=` before the longest prefix, `^~`, and nested
/// locations inside the winner.
@Suite struct FrontRoutesTests {
    static func routes() throws -> FrontRoutes {
        let folder = try TemporaryFolder()
        try """
            http {
                server {
                    listen 127.0.0.1:8001;
                    server_name default.test;
                    location / { }
                    location = /exact { }
                    location /static/ { location /static/css/ { } }
                    location ^~ /static/img/ { }
                    location /static/css/print/ { }
                }
                server { listen 127.0.0.1:8001; server_name *.wild.test; location / { } }
                server { listen 127.0.0.1:8001; server_name app.*; location / { } }
                server { listen 127.0.0.1:8001 default_server; server_name fallback.test; location / { } }
                server { listen 127.0.0.1:8002; server_name only.test; }
            }
            """.write(toFile: folder.file("nginx.conf"), atomically: true, encoding: .utf8)
        return FrontRoutes(try NginxConfig.load(file: folder.file("nginx.conf")).config, loops: 1) { _ in [] }
    }

    static func location(_ path: String, in routes: FrontRoutes) -> String? {
        let server = Array("default.test".utf8).withUnsafeBytes { routes.server(on: .tcp(host: "127.0.0.1", port: 8001), hostHeader: $0) }!
        let found = Array(path.utf8).withUnsafeBytes { FrontRoutes.location(in: server.locations, for: $0) }
        return found.map { String(decoding: $0.uri, as: UTF8.self) + ($0.match == .exact ? " (=)" : "") }
    }

    @Test(arguments: [
        ("/exact", "/exact (=)"), ("/exact/more", "/"), ("/", "/"), ("/other", "/"),
        ("/static/app.js", "/static/"), ("/static/css/site.css", "/static/css/"),
        ("/static/img/logo.png", "/static/img/"), ("/static/css/print/a.css", "/static/css/print/"),
    ])
    func theLocationIsChosenAsNginxChoosesIt(path: String, expected: String) throws {
        #expect(Self.location(path, in: try Self.routes()) == expected)
    }

    @Test(arguments: [
        ("default.test", "default.test"), ("DEFAULT.test:8001", "default.test"), ("a.wild.test", "*.wild.test"),
        ("app.example", "app.*"), ("unknown.test", "fallback.test"), ("", "fallback.test"),
    ])
    func theServerIsChosenByHostElseTheDefault(host: String, expected: String) throws {
        let routes = try Self.routes()
        let server = Array(host.utf8).withUnsafeBytes { routes.server(on: .tcp(host: "127.0.0.1", port: 8001), hostHeader: $0) }
        #expect(server?.name == expected)
    }

    @Test func aLoneServerOnItsAddressAnswersAnyHost() throws {
        let routes = try Self.routes()
        let server = Array("nothing.like.it".utf8).withUnsafeBytes { routes.server(on: .tcp(host: "127.0.0.1", port: 8002), hostHeader: $0) }
        #expect(server?.name == "only.test")
        #expect(routes.server(on: .tcp(host: "127.0.0.1", port: 9), hostHeader: nil) == nil)
    }
}
