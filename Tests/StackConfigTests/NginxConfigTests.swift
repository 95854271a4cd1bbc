import Foundation
import StackConfig
import StackbenchTesting
import Testing

/// The nginx.conf reader: the seed's server block as written (inside an http block that defines `main`), and
/// nginx's errors for bad configs, each naming the file and line.
struct NginxConfigTests {
    static func write(_ text: String, in folder: TemporaryFolder, name: String = "nginx.conf") throws -> String {
        try text.write(toFile: folder.file(name), atomically: true, encoding: .utf8)
        return folder.file(name)
    }

    @Test func theSeedsServerBlockLoadsAsWritten() throws {
        let folder = try TemporaryFolder()
        let file = try Self.write("""
            worker_processes 2;
            events { worker_connections 1024; }
            http {
                include mime.types;
                default_type application/octet-stream;
                \(SeedFiles.mainLogFormat)
                sendfile on;
                keepalive_timeout 65;
                include \(SeedFiles.nginxServerBlock);
            }
            """, in: folder)
        let (config, warnings) = try NginxConfig.load(file: file)
        #expect(warnings.isEmpty)
        #expect(config.workerProcesses == 2 && config.workerConnections == 1024)
        let server = try #require(config.servers.first)
        #expect(server.listens == [NginxListen(address: .tcp(host: "0.0.0.0", port: 80), defaultServer: false)])
        #expect(server.names == ["django.rainbowinpaper.com"])
        #expect(server.scope.charset == "utf-8" && server.scope.accessLogs.map(\.path) == ["/var/log/nginx/access.log"])
        #expect(server.scope.accessLogs.first?.format.name == "main")
        #expect(server.locations.map(\.uri) == ["/", "/static/"])
        let dynamic = server.locations[0].scope
        #expect(dynamic.uwsgiPass == .unix(path: "/opt/project/script/uwsgi.sock"))
        #expect(dynamic.uwsgiConnectTimeout == 30_000 && dynamic.keepaliveTimeout == 65_000 && dynamic.sendfile)
        #expect(dynamic.uwsgiParams.map(\.name).contains("REQUEST_METHOD"), "the built-in uwsgi_params")
        let statics = server.locations[1].scope
        #expect(statics.alias == "/opt/project/teacher/static_all/" && statics.index == ["index.html", "index.htm"])
        #expect(statics.uwsgiPass == nil && statics.types["css"] == "text/css" && statics.defaultType == "application/octet-stream")
    }

    @Test(arguments: [
        ("http { server { foo on; } }", "unknown directive \"foo\" in FILE:1"),
        ("http {\n server {\n listen 80;\n }\n listen 81;\n}", "\"listen\" directive is not allowed here in FILE:5"),
        ("http { server { sendfile maybe; } }", "invalid value \"maybe\" in \"sendfile\" directive, it must be \"on\" or \"off\" in FILE:1"),
        ("http { server { access_log /tmp/a.log main; } }", "unknown log format \"main\" in FILE:1"),
        ("http { server { location / { root /a; alias /b; } } }", "\"alias\" directive is duplicate, \"root\" directive was specified earlier in FILE:1"),
        ("http { server { location ~ \\.php$ { } } }", "stackbench front does not implement regex locations (\"~ \\.php$\") in FILE:1"),
        ("http { server { listen 80 }", "unexpected \"}\" in FILE:1"),
        ("http { server { listen 80; }", "unexpected end of file, expecting \";\" or \"}\" in FILE:1"),
        ("http { server { uwsgi_read_timeout 5x; } }", "\"uwsgi_read_timeout\" directive invalid value in FILE:1"),
        ("http { server { location / { uwsgi_pass nohost; } } }", "no port in upstream \"nohost\" in FILE:1"),
        ("http { server { uwsgi_param X $nosuch; } }", "unknown \"nosuch\" variable in FILE:1"),
        ("http { include missing.conf; server { } }", "open() \"DIR/missing.conf\" failed"),
        ("events { worker_connections lots; } http { server { } }", "invalid number \"lots\" in \"worker_connections\" directive in FILE:1"),
        ("http { server { listen 99999; } }", "invalid port in \"99999\" of the \"listen\" directive in FILE:1"),
        ("server { }", "\"server\" directive is not allowed here in FILE:1"),
        ("http { open_file_cache foo; }", "invalid \"open_file_cache\" parameter \"foo\" in FILE:1"),
        ("http { open_file_cache max=0; }", "invalid \"open_file_cache\" parameter \"max=0\" in FILE:1"),
        ("http { open_file_cache max=10 inactive=x; }", "invalid \"open_file_cache\" parameter \"inactive=x\" in FILE:1"),
        ("http { open_file_cache inactive=20s; }", "\"open_file_cache\" must have the \"max\" parameter in FILE:1"),
    ])
    func badConfigsSayWhereAndWhat(text: String, expected: String) throws {
        let folder = try TemporaryFolder()
        let file = try Self.write(text, in: folder)
        do {
            _ = try NginxConfig.load(file: file)
            Issue.record("loaded: \(text)")
        } catch let error as NginxConfigError {
            let wanted = expected.replacingOccurrences(of: "FILE", with: file).replacingOccurrences(of: "DIR", with: folder.path)
            #expect(error.description.hasPrefix("front: [emerg] " + wanted), "\(error.description)")
            #expect(error.exitStatus.rawValue == 1)
        }
    }

    @Test func arrayDirectivesReplaceWhatTheyInheritAndOthersInherit() throws {
        let folder = try TemporaryFolder()
        let file = try Self.write("""
            http {
                index a.html;
                uwsgi_param A 1;
                server {
                    listen 127.0.0.1:8080;
                    location /x/ { uwsgi_param B 2; uwsgi_param C 3; index b.html c.html; }
                    location /y/ { }
                    root www;
                }
            }
            """, in: folder)
        let server = try #require(try NginxConfig.load(file: file).config.servers.first)
        #expect(server.locations[0].scope.uwsgiParams.map(\.name) == ["B", "C"])
        #expect(server.locations[1].scope.uwsgiParams.map(\.name) == ["A"])
        #expect(server.locations[0].scope.index == ["b.html", "c.html"] && server.locations[1].scope.index == ["a.html"])
        #expect(server.locations[1].scope.root == URL(fileURLWithPath: folder.path).standardizedFileURL.path + "/www",
                "a root set after the locations still applies to them, relative to the prefix")
    }

    @Test func ignoredDirectivesWarnOncePerLine() throws {
        let folder = try TemporaryFolder()
        let file = try Self.write("user www-data;\nhttp {\n gzip on;\n tcp_nopush on;\n server { }\n}\n", in: folder)
        let warnings = try NginxConfig.load(file: file).warnings
        #expect(warnings == ["front: [warn] stackbench front ignores \"user\" in \(file):1",
                             "front: [warn] stackbench front ignores \"gzip\" in \(file):3",
                             "front: [warn] stackbench front ignores \"tcp_nopush\" in \(file):4"])
    }
}
