import Foundation
import StackbenchTesting
import Testing

/// `stackbench run` as a user runs it: the seed's files through a one-cell scenario on the Swift stack; the run
/// folder holds result.json and report.md, and nothing of the stack is left running.
@Suite(.serialized) struct ScenarioRunTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    @Test func aShortRunOnTheSwiftStackWritesResultsAndLeavesNothingBehind() throws {
        let folder = try TemporaryFolder()
        let scenario = folder.file("short.yml")
        try """
            name: short
            stack:
              project: \(Self.repository)/scenarios/teacher/settings.yml
              uwsgi: \(Self.repository)/scenarios/teacher/uwsgi.ini
              nginx: \(Self.repository)/scenarios/teacher/nginx.conf
            matrix:
              workers: 2
            targets:
              dev-server: {requests: [/hello]}
              proxied-static: {requests: [/static/css/app.css], checks: {min-size: 10}}
              proxied-dynamic: {requests: [/api/teachers], checks: {contains: teachers}}
            load: {connections: 4, duration: 300ms, warmup: 100ms}
            thresholds:
              - errors == 0
            """.write(toFile: scenario, atomically: true, encoding: .utf8)
        let run = try runCommand(BuiltProducts.stackbench, ["run", scenario, "--results", folder.file("results")], timeout: 120)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let runs = try FileManager.default.contentsOfDirectory(atPath: folder.file("results"))
        #expect(runs.count == 1 && runs[0].hasSuffix("-short"))
        let runFolder = folder.file("results/" + (runs.first ?? ""))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: runFolder + "/result.json"))) as! [String: Any]
        #expect(json["schema"] as? String == "stackbench.run/1")
        let cells = json["cells"] as? [[String: Any]] ?? []
        #expect(cells.count == 1 && cells.first?["status"] as? String == "ok", "\(cells.first?["failure"] ?? "")")
        let targets = cells.first?["targets"] as? [[String: Any]] ?? []
        #expect(targets.map { $0["name"] as? String } == ["dev-server", "proxied-static", "proxied-dynamic"])
        for target in targets {
            let median = target["median"] as? [String: Any]
            #expect((median?["rps"] as? Double ?? 0) > 0, "\(target["name"] ?? "")")
        }
        let report = try String(contentsOfFile: runFolder + "/report.md", encoding: .utf8)
        #expect(report.contains("## proxied-dynamic") && report.contains("| `errors == 0` |"))
        let html = try String(contentsOfFile: runFolder + "/report.html", encoding: .utf8)
        #expect(html.components(separatedBy: "<svg").count - 1 >= 8, "throughput, CPU, memory, and per target latency + rate over time")
        #expect(!html.contains("src=") && !html.contains("href=\"http") && !html.contains("<script"), "self-contained, nothing fetched")
        #expect(html.contains("proxied-dynamic") && html.contains("percentile"))
        // `stackbench report` writes both reports again from result.json alone.
        try FileManager.default.removeItem(atPath: runFolder + "/report.html")
        let again = try runCommand(BuiltProducts.stackbench, ["report", runFolder])
        #expect(again.status == 0 && FileManager.default.fileExists(atPath: runFolder + "/report.html"), "\(again.stderr)")
        let uwsgiIni = try String(contentsOfFile: runFolder + "/c01/uwsgi.ini", encoding: .utf8)
        #expect(!uwsgiIni.contains("/opt/project") && uwsgiIni.contains("workers = 2") && !uwsgiIni.contains("daemonize"))
        let nginx = try String(contentsOfFile: runFolder + "/c01/nginx.conf", encoding: .utf8)
        #expect(!nginx.contains("/opt/project") && nginx.contains("log_format main"))
        let left = try runCommand("/usr/bin/pgrep", ["-f", "stackbench (uwsgi|front|runserver) .*\(folder.path.split(separator: "/").last ?? "")"])
        #expect(left.stdout.isEmpty, "stack processes left: \(left.stdout)")
    }

    @Test func aBadScenarioExits2NamingTheLine() throws {
        let folder = try TemporaryFolder()
        let scenario = folder.file("bad.yml")
        try "stack: {}\ntargets: {}\nload:\n  conections: 3\n".write(toFile: scenario, atomically: true, encoding: .utf8)
        let run = try runCommand(BuiltProducts.stackbench, ["run", scenario, "--results", folder.file("results")])
        #expect(run.status == 2)
        #expect(run.stderr.contains("bad.yml:1") , "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.file("results")), "nothing written for a bad scenario")
    }
}
