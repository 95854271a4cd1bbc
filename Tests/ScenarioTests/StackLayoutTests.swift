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
