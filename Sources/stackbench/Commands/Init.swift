import ArgumentParser
import BenchSupport
import Foundation
import Scenario

/// `stackbench init --django PATH --uwsgi INI --nginx CONF`: writes a starting scenario for a Django project, checked
/// by loading it as `stackbench run` would; never overwrites a file.
struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a starting scenario for your Django project, uwsgi.ini and nginx server block.",
        discussion: "Asks Django for a static file and a dynamic URL; the scenario sweeps workers and threads on stackbench's stack and on Debian's nginx, uWSGI and runserver, side by side. See docs/django.md.")

    @Option(help: ArgumentHelp("The Django project folder (with manage.py).", valueName: "PATH")) var django: String
    @Option(help: ArgumentHelp("Your uwsgi.ini.", valueName: "INI")) var uwsgi: String
    @Option(help: ArgumentHelp("Your nginx.conf or server block.", valueName: "CONF")) var nginx: String
    @Option(name: .shortAndLong, help: ArgumentHelp("Where to write the scenario (default: NAME.yml, NAME-ci.yml with --ci; NAME the project folder's).", valueName: "FILE"))
    var output: String?
    @Flag(help: "Write a CI gate instead of a sweep: the ini as written, 2 connections, 5 rounds; gate with stackbench compare --fail-on (docs/ci.md).")
    var ci = false

    func run() throws {
        for (flag, path) in [("--uwsgi", uwsgi), ("--nginx", nginx)] where !FileManager.default.fileExists(atPath: path) {
            throw FlagError(flag, "\(path): no such file")
        }
        let name = URL(fileURLWithPath: django).standardizedFileURL.lastPathComponent
        let file = output ?? name + (ci ? "-ci.yml" : ".yml")
        guard !FileManager.default.fileExists(atPath: file) else { throw FlagError("--output", "\(file) exists; name another file") }
        let folder = URL(fileURLWithPath: file).standardizedFileURL.deletingLastPathComponent().path
        let text = try ScenarioTemplate(django: django, uwsgiIni: uwsgi, nginxConf: nginx, ci: ci).text(relativeTo: folder)
        // Checked as `stackbench run` would read it, before anything is written (STATIC_ROOT against the alias
        // was checked by `text`, with Django's answers).
        let scenario = try Scenario.load(text: text, file: file, folder: folder)
        try scenario.checkStackFiles(askingDjango: false)
        if let problem = FileSystem.writeAtomically(Data(text.utf8), to: file) {
            throw FileError(path: file, problem: "cannot write: \(problem)")
        }
        print("\(file): \(scenario.matrix.cells.count) cell(s) × \(scenario.targets.count) target(s); next: stackbench run \(file) --quick")
    }
}
