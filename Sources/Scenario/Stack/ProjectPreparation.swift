import BenchSupport
import Foundation
import Results

/// The project copies a run serves, made ready once per run the way their owner would make them ready: the Swift
/// project copied and `stackbench collectstatic` run on it; the Django project (when a cell runs a uWSGI pool or
/// Django's runserver) copied with its database, `manage.py collectstatic --noinput`, `manage.py migrate
/// --noinput` when the database is an SQLite file inside the copy (any other database is left untouched, and
/// said so), then the scenario's `setup:` commands in order. Each step's output goes to `work/prepare/STEP.log`
/// (kept in the run folder); a step that fails stops the run with its last lines.
struct ProjectPreparation {
    let scenario: Scenario
    let work: String
    let executable: String
    /// What was done, one line per step, for result.json and the reports.
    private(set) var notes: [String] = []

    var logFolder: String { work + "/prepare" }

    init(scenario: Scenario, work: String, executable: String) {
        self.scenario = scenario
        self.work = work
        self.executable = executable
    }

    mutating func run(django needed: Bool) throws {
        try FileManager.default.createDirectory(atPath: logFolder, withIntermediateDirectories: true)
        if !scenario.stack.project.isEmpty {  // empty for a Django project alone (Debian's stack)
            try StackLayout.copyProject(settingsFile: scenario.stack.project, into: work)
            let settings = work + "/project/" + (scenario.stack.project as NSString).lastPathComponent
            try step("collectstatic", [executable, "collectstatic", "--settings", settings, "--noinput"], in: work + "/project", source: scenario.stack.project)
        }
        let folder: String
        if let django = scenario.stack.django, needed {
            try StackLayout.copyDjangoProject(django, into: work)
            folder = work + "/django"
            try step("django-collectstatic", [ExternalPrograms.python, "manage.py", "collectstatic", "--noinput"], in: folder, source: django)
            try migrate(in: folder, source: django)
        } else {
            folder = work + "/project"
        }
        for (index, command) in scenario.setup.enumerated() {
            let words = command.text.split(separator: " ").map(String.init)
            let arguments = words.first == "manage.py" ? [ExternalPrograms.python] + words : ["/bin/sh", "-c", command.text]
            try step("setup-\(index + 1)", arguments, in: folder, source: scenario.file, line: command.line)
        }
    }

    /// `manage.py migrate --noinput` when the default database is an SQLite file inside the copy; otherwise a note
    /// that it was left as it is (a run never changes a database outside its own folder).
    private mutating func migrate(in folder: String, source: String) throws {
        let probe = "from django.conf import settings; d = settings.DATABASES.get('default', {}); print(d.get('ENGINE', '')); print(d.get('NAME', ''))"
        try step("django-database", [ExternalPrograms.python, "manage.py", "shell", "-c", probe], in: folder, source: source)
        let lines = ((try? String(contentsOfFile: logFolder + "/django-database.log", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        let engine = lines.dropLast().last ?? "", name = lines.last ?? ""
        let resolved = URL(fileURLWithPath: name, relativeTo: URL(fileURLWithPath: folder + "/")).standardizedFileURL.path
        let copy = URL(fileURLWithPath: folder).standardizedFileURL.path
        guard engine.hasSuffix("sqlite3"), resolved.hasPrefix(copy + "/") else {
            notes.append("migrate: not run: the database (\(engine.isEmpty ? "none configured" : engine) \(name)) is outside the project copy, so it was left untouched")
            return
        }
        try step("django-migrate", [ExternalPrograms.python, "manage.py", "migrate", "--noinput"], in: folder, source: source)
    }

    /// Runs one step to its end; a failure names `source` (and `line`) with the step's last lines.
    private mutating func step(_ name: String, _ arguments: [String], in folder: String, source: String, line: Int? = nil) throws {
        let log = logFolder + "/\(name).log"
        let process = try StackProcess(role: .collectstatic, arguments: arguments, cpus: nil, log: log, directory: folder)
        while process.isRunning { usleep(20_000) }
        let shown = arguments.first == ExternalPrograms.python ? arguments.dropFirst().joined(separator: " ")
            : arguments.first == executable ? "stackbench " + arguments.dropFirst().prefix(1).joined() : arguments.last ?? ""
        guard process.endDescription == "exited with status 0" else {
            let tail = process.logTail(8).trimmingCharacters(in: .whitespacesAndNewlines)
            throw FileError(path: line.map { "\(source):\($0)" } ?? source,
                            problem: "\(name) (\(shown)) \(process.endDescription):\n\(tail)", exitStatus: .runFailed)
        }
        if name != "django-database" { notes.append("\(name): \(shown): ok") }
    }
}
