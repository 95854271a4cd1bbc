import BenchSupport
import Foundation

/// `stackbench init`: a starting scenario for a user's Django project, uwsgi.ini and nginx server block, on
/// stackbench's stack and Debian's side by side (the matrix sweeps `stack`). Django is
/// asked (Debian's Python, `manage.py shell`) for what the scenario needs: STATIC_URL and a static file its finders
/// know (collectstatic will put it under STATIC_ROOT), whether the admin is installed (its login page is a
/// dynamic URL that answers 200 without a database row), and the first URL pattern without parameters. The text is
/// commented and checked by loading it as `stackbench run` would before it is written.
@PublicInit
public struct ScenarioTemplate {
    public var django: String
    public var uwsgiIni: String
    public var nginxConf: String
    /// `init --ci`: a gate, not a sweep (ScenarioTemplate+CI.swift).
    public var ci: Bool = false

    /// What Django says about the project.
    struct Facts {
        var staticURL = "/static/"
        var staticFile: String?
        var admin = false
        var firstPath: String?
        var staticRoot: String?
        var debug = false
    }

    static let probe = """
        from django.conf import settings
        from django.contrib.staticfiles.finders import get_finders
        from django.urls import get_resolver
        print('static_url=' + (settings.STATIC_URL or ''))
        print('admin=' + str('django.contrib.admin' in settings.INSTALLED_APPS))
        print('static_root=' + str(settings.STATIC_ROOT or ''))
        print('debug=' + str(bool(settings.DEBUG)))
        found = []
        for finder in get_finders():
            for path, storage in finder.list([]):
                found.append(path)
        css = [p for p in found if p.endswith('.css')]
        print('static_file=' + ((css or found or [''])[0]))
        for pattern in get_resolver().url_patterns:
            text = str(getattr(pattern, 'pattern', ''))
            if hasattr(pattern, 'url_patterns') or any(c in text for c in '<>()[]?*+\\\\$'):
                continue
            print('first_path=/' + text.lstrip('^'))
            break
        """

    func facts() throws -> Facts {
        let manage = (django as NSString).appendingPathComponent("manage.py")
        guard FileManager.default.fileExists(atPath: manage) else {
            throw FileError(path: django, problem: "not a Django project folder (no manage.py in it)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ExternalPrograms.python)
        process.arguments = ["manage.py", "shell", "-c", Self.probe]
        process.currentDirectoryURL = URL(fileURLWithPath: django)
        // Asking leaves the project as it was: no __pycache__ written into it.
        process.environment = ProcessInfo.processInfo.environment.merging(["PYTHONDONTWRITEBYTECODE": "1"]) { $1 }
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do { try process.run() } catch {
            throw FileError(path: ExternalPrograms.python, problem: "cannot run: \(plainReason(error)); \(ExternalPrograms.installHint)")
        }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let failure = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let last = failure.split(separator: "\n").suffix(6).joined(separator: "\n")
            throw FileError(path: django, problem: "manage.py shell failed (Django must import with \(ExternalPrograms.python)):\n\(last)")
        }
        var facts = Facts()
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            switch parts[0] {
            case "static_url": facts.staticURL = parts[1].hasPrefix("/") ? parts[1] : "/" + parts[1]
            case "admin": facts.admin = parts[1] == "True"
            case "static_file": facts.staticFile = parts[1].isEmpty ? nil : parts[1]
            case "first_path": facts.firstPath = parts[1]
            case "static_root": facts.staticRoot = parts[1].isEmpty ? nil : parts[1]
            case "debug": facts.debug = parts[1] == "True"
            default: break
            }
        }
        return facts
    }

    /// The scenario's text, with paths relative to `folder` (where it will be written) when they are inside it.
    public func text(relativeTo folder: String) throws -> String {
        let facts = try facts()
        try checkStaticRoot(facts)
        let name = (URL(fileURLWithPath: django).standardizedFileURL.lastPathComponent)
        var dynamic: [String] = []
        if facts.admin { dynamic.append("/admin/login/") }
        if let first = facts.firstPath, first != "/admin/", !dynamic.contains(first) { dynamic.append(first) }
        if dynamic.isEmpty { dynamic = ["/"] }
        let staticLine = facts.staticFile.map { "      - \(facts.staticURL)\($0)" }
            ?? "      - \(facts.staticURL)CHANGE-ME.css     # no static file was found by Django's finders: name one"
        let stackLines = """
              django: \(Self.written(django, from: folder))
              uwsgi: \(Self.written(uwsgiIni, from: folder))
              nginx: \(Self.written(nginxConf, from: folder))
            """
        if ci { return ciText(name: name, stackLines: stackLines, dynamic: dynamic, staticLine: staticLine) }
        let swept = try sweptSettings()
        // Both stacks when our pool reads the ini; else Debian's alone, with the line that stopped ours.
        let refusal = swiftPoolRefusal()
        let stackSweep = refusal.map { "  # stack: [swift, reference]   # not swept: stackbench's pool refuses your ini (\($0))" }
            ?? "  stack: [swift, reference]     # both stacks on the same settings; keep one to measure only it"
        let stackKind = refusal == nil ? "" : "  kind: reference                 # Debian's nginx, uWSGI and manage.py runserver\n"
        // The same static file from runserver, so "the front over the dev server" compares like with like.
        let devStatic = facts.debug ? """
              dev-server-static:            # runserver serving the same static file (staticfiles, as with DEBUG on)
                kind: dev-server
                requests:
            \(staticLine)
                checks: {status: 200, min-size: 1}
            """ : "  # (no dev-server-static target: DEBUG is off, so runserver serves no static files)"
        return """
            # A starting scenario for \(name), written by `stackbench init`: your project served from your uwsgi.ini and
            # server block (rewritten copies; your files and project are left as they are) by two stacks side by side,
            # stackbench's own (its front, its pool hosting your app in embedded CPython, `stackbench runserver`) and
            # Debian's nginx, uWSGI and manage.py runserver, on a copy of the project (collectstatic and migrate run on
            # the copy). Check it:  stackbench run THIS.yml --check     Smoke run: --quick
            # Format: docs/scenarios.md, docs/django.md, docs/reference.md
            name: \(name)
            stack:
            \(stackKind)\(stackLines)
            matrix:                         # the pool's options by their uWSGI names; add nginx directives too
            \(stackSweep)
              workers: [\(swept.workers.map(String.init).joined(separator: ", "))]             # your ini's own and one step either side
              threads: [\(swept.threads.map(String.init).joined(separator: ", "))]
            targets:
              dev-server:                   # runserver, straight
                requests:
            \(dynamic.map { "      - \($0)" }.joined(separator: "\n"))
            \(devStatic)
              proxied-static:               # nginx serving STATIC_ROOT (collected from your static files)
                requests:
            \(staticLine)
                checks: {status: 200, min-size: 1}
              proxied-dynamic:              # nginx passing to uWSGI, which calls your project
                requests:
            \(dynamic.map { "      - \($0)" }.joined(separator: "\n"))
                checks: {status: 200}       # change where a view answers otherwise (a redirect to log in: 302)
            # setup:                        # run once in the project copy before the first cell
            #   - manage.py loaddata fixture.json
            load:
              connections: 16
              duration: 5s
              warmup: 1s
              rounds: 5                     # interleaved: enough windows to tell settings apart\(Self.pinning)
            thresholds:
              - errors == 0
              - non2xx == 0

            """
    }

    /// On 4 cores or fewer, the load generator and the stack pinned apart (load keys, with their comment).
    static var pinning: String {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        return cores > 4 ? "" : """

              client-cpus: "0"              # \(cores) cores: the load generator on core 0 and the stack on the rest, so
              server-cpus: "\(cores == 2 ? "1" : "1-\(cores - 1)")"              # neither takes the other's CPU (docs/scenarios.md)
            """
    }
}
