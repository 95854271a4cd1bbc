import BenchSupport
import Foundation
import Results
import StackConfig

extension Scenario {
    /// Reads every file a run will read, as the run will read it, before anything starts (`--check`, and the start
    /// of every run): the project's settings, the uwsgi.ini (with its includes and placeholders; for our pool
    /// every option as the pool takes it), and the nginx.conf as each stack variant's first cell rewrites it (for
    /// our front every directive as the front takes it; Debian's nginx gets the parse only). Errors are the
    /// readers' own, naming the user's file, line and key. `askingDjango: false` leaves out the STATIC_ROOT check
    /// (a `manage.py shell`), for `init`, whose template has just asked Django and checked it.
    public func checkStackFiles(askingDjango: Bool = true) throws {
        do {
            try readStackFiles(askingDjango: askingDjango)
        } catch let error as NginxConfigError {
            // nginx's own words, as a scenario's error (exit 2, not the front's 1): `FILE:LINE: error: nginx: ...`.
            throw ConfigError(file: error.file, line: error.line, key: "nginx", problem: error.problem)
        }
    }

    private func readStackFiles(askingDjango: Bool) throws {
        guard needsStack else { return }
        if !stack.project.isEmpty { _ = try ProjectSettings.load(path: stack.project) }
        let environment = ProcessInfo.processInfo.environment
        let work = try FileSystem.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: work) }
        // The ini once: every option checked when our pool reads it, its reading and expansion alone for uWSGI's.
        if variants.contains(where: { $0.pool == .swift }) {
            _ = try UwsgiConfig.load(stack.uwsgiIni, environment: environment) { _ in }
        } else {
            _ = try UwsgiIniReader.read(stack.uwsgiIni, environment: environment) { _ in }
        }
        if askingDjango { try checkStaticRoot() }
        let originalProject = StackLayout.originalProjectFolder(of: stack.uwsgiIni)
        var checked = Set<StackVariant>()
        for cell in matrix.cells {
            let variant = cell.variant(default: stack.variant)
            guard checked.insert(variant).inserted else { continue }
            let layout = StackLayout(work: work, cellIndex: cell.index, settingsFile: stack.project)
            let directives = try layout.nginxDirectives(from: stack.nginxConf, originalProject: originalProject,
                                                        settings: cell.settings(for: .nginx), port: 9, front: variant.front)
            if variant.front == .swift {
                _ = try NginxConfig.load(directives: NginxConfigParser.expandIncludes(directives, directory: work), file: stack.nginxConf, prefix: work)
            }
        }
    }
}

extension Scenario {
    /// The server block's static location against the Django project's STATIC_ROOT, as `init` checks them (one line
    /// naming both). Django's answers come from its own `manage.py shell`; where the project does not import there
    /// (settings the run's environment supplies), the run's own preparation reports Django's error instead.
    private func checkStaticRoot() throws {
        guard let django = stack.django, !stack.nginxConf.isEmpty, !stack.uwsgiIni.isEmpty else { return }
        let template = ScenarioTemplate(django: django, uwsgiIni: stack.uwsgiIni, nginxConf: stack.nginxConf)
        guard let facts = try? template.facts() else { return }
        try template.checkStaticRoot(facts)
    }
}
