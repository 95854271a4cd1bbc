import Foundation
@testable import Scenario
import Results
import StackConfig
import StackbenchTesting
import Testing

/// Rewriting the user's uwsgi.ini and nginx.conf into a cell's folder: swept options replace what they name, the
/// run's own paths replace the user's, and nothing points back at the original deployment.
@Suite struct StackLayoutTests {
    @Test func sweptOptionsReplaceTheirAliasesInTheRewrittenIni() throws {
        let folder = try TemporaryFolder()
        let ini = folder.file("u.ini")
        try "[uwsgi]\nchdir = /opt/project/teacher/\nprocesses = 3\nT = true\nsocket = /opt/x.sock\ndaemonize = /opt/u.log\n"
            .write(toFile: ini, atomically: true, encoding: .utf8)
        let layout = StackLayout(work: folder.path, cellIndex: 1, settingsFile: folder.file("settings.yml"))
        _ = try layout.writeUwsgiIni(from: ini, settings: [.init(name: "workers", value: "2", component: .uwsgi),
                                                           .init(name: "threads", value: "4", component: .uwsgi)], httpPort: nil)
        let lines = try String(contentsOfFile: layout.uwsgiIni, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(!lines.contains("processes = 3") && lines.contains("workers = 2"), "\(lines)")
        #expect(lines.contains("T = true"), "T is enable-threads, not an alias of threads: \(lines)")
        #expect(!lines.contains { $0.contains("/opt/") }, "\(lines)")
        #expect(lines.contains("socket = \(layout.uwsgiSocket)") && lines.contains("logto = \(layout.uwsgiLog)"))
    }

    @Test func theSeedsServerBlockBecomesAWholeConfigListeningWhereTheRunSays() throws {
        let folder = try TemporaryFolder()
        let original = folder.file("site.conf")
        try """
            server {
                listen 80;
                server_name example.com;
                location /static/ { alias /opt/project/teacher/static_all/; }
                location / { include uwsgi_params; uwsgi_pass unix:/opt/project/teacher/teacher.sock; }
            }
            """.write(toFile: original, atomically: true, encoding: .utf8)
        let layout = StackLayout(work: folder.path, cellIndex: 1, settingsFile: folder.file("settings.yml"))
        try FileManager.default.createDirectory(atPath: layout.cell, withIntermediateDirectories: true)
        try layout.writeNginxConf(from: original, originalProject: "/opt/project/teacher", settings: [], port: 18080)
        let config = try NginxConfig.load(file: layout.nginxConf).config
        let server = try #require(config.servers.first)
        #expect(server.listens.map(\.address) == [.tcp(host: "127.0.0.1", port: 18080)])
        let text = try String(contentsOfFile: layout.nginxConf, encoding: .utf8)
        #expect(!text.contains("/opt/project"), "nothing points at the original deployment: \(text)")
        #expect(text.contains(layout.uwsgiSocket), "uwsgi_pass goes to the cell's pool")
    }
}

/// A pool the user's ini binds to TCP stays on TCP: its first socket moves to 127.0.0.1 and the port the run
/// picked, and nginx's uwsgi_pass follows it there.
@Suite struct StackLayoutTCPUpstreamTests {
    @Test func aTCPSocketInTheIniKeepsTheHopOnTCP() throws {
        let folder = try TemporaryFolder()
        let ini = folder.file("u.ini")
        try "[uwsgi]\nchdir = /opt/project/teacher/\nsocket = :8001\nlisten = 5\n".write(toFile: ini, atomically: true, encoding: .utf8)
        let site = folder.file("site.conf")
        try "server {\n  listen 80;\n  location / { include uwsgi_params; uwsgi_pass 127.0.0.1:8001; }\n}\n"
            .write(toFile: site, atomically: true, encoding: .utf8)
        #expect(try StackLayout.bindsTCP(ini))
        var layout = StackLayout(work: folder.path, cellIndex: 1, settingsFile: folder.file("settings.yml"))
        layout.upstreamPort = 18001
        let notes = try layout.writeUwsgiIni(from: ini, settings: [], httpPort: nil)
        let lines = try String(contentsOfFile: layout.uwsgiIni, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.contains("socket = 127.0.0.1:18001") && lines.contains("listen = 5"), "\(lines)")
        #expect(notes.contains { $0.hasSuffix("u.ini:3: socket :8001 → 127.0.0.1:18001 (TCP as the ini has it, on a free port)") }, "\(notes)")
        try layout.writeNginxConf(from: site, originalProject: "/opt/project/teacher", settings: [], port: 18080)
        let text = try String(contentsOfFile: layout.nginxConf, encoding: .utf8)
        #expect(text.contains("uwsgi_pass 127.0.0.1:18001;") && !text.contains("uwsgi.sock"), "\(text)")
    }

    @Test func aUnixSocketOrNoneStaysOnTheCellsUnixSocket() throws {
        let folder = try TemporaryFolder()
        for (name, text) in [("unix.ini", "[uwsgi]\nsocket = /opt/project/script/uwsgi.sock\n"), ("none.ini", "[uwsgi]\nhttp-socket = :8000\n")] {
            try text.write(toFile: folder.file(name), atomically: true, encoding: .utf8)
            #expect(try !StackLayout.bindsTCP(folder.file(name)), "\(name)")
        }
    }
}
