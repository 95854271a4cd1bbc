import ArgumentParser
import BenchSupport
import DevServer
import Foundation
import PythonHost
import ServerCore
import StackConfig

/// `stackbench runserver [ADDR:]PORT --settings FILE`: Django's development server, for comparison.
struct Runserver: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the development server (Django's runserver): one process, a thread per connection.",
        discussion: "Serves WSGI_APPLICATION from the settings and, when DEBUG (or --insecure), STATIC_URL from "
            + "STATICFILES_DIRS. --settings names a stackbench settings.yml, or a Django settings module "
            + "(mysite.settings, as DJANGO_SETTINGS_MODULE): the Django project in the current folder then runs in "
            + "embedded CPython, as `manage.py runserver` runs it. For comparison only: production is "
            + "`stackbench front` + `stackbench uwsgi`.")

    @Argument(help: "Port or address:port (8000, 127.0.0.1:8000, [::1]:8000). Default 127.0.0.1:8000.")
    var addrport: String?
    @Option(help: "A settings.yml file, or a Django settings module such as mysite.settings (default: $STACKBENCH_SETTINGS, else $DJANGO_SETTINGS_MODULE).")
    var settings: String?
    @Option(help: "A folder put first on Python's path (Django's --pythonpath); the current folder follows it.")
    var pythonpath: String?
    @Flag(name: [.customShort("6"), .customLong("ipv6")], help: "Use ::1 as the default address.") var ipv6 = false
    @Flag(help: "Serve one connection at a time.") var nothreading = false
    @Flag(help: "Do not serve static files.") var nostatic = false
    @Flag(help: "Serve static files even when DEBUG is false.") var insecure = false
    @Flag(help: "Accepted for Django compatibility; stackbench never auto-reloads.") var noreload = false

    func run() throws {
        let defaultHost = ipv6 ? "::1" : "127.0.0.1"
        let text = addrport ?? "\(defaultHost):8000"
        guard let address = ListenAddress.parse(text, defaultHost: defaultHost), case .tcp = address else {
            throw FlagError("ADDRPORT", "\"\(text)\" is not a valid port number or address:port pair")
        }
        let server: DevServer.Runserver
        if let module = djangoSettingsModule {
            server = try djangoServer(module: module, address: address)
        } else {
            let project = try ProjectSettings.load(path: BuiltinApps.settingsPath(settings))
            let app = try BuiltinApps.loadApp(for: project)
            let options = DevServer.Runserver.Options(address: address, threading: !nothreading,
                                                      serveStatic: !nostatic && (project.debug || insecure))
            server = try DevServer.Runserver(settings: project, app: app, options: options)
        }
        print(server.banner(), terminator: "")
        fflush(nil)
        // Ctrl-C ends the server at once with status 0, as Django's runserver does; SIGTERM ends it by default.
        signal(SIGINT) { _ in _exit(0) }
        Signals.unblock([SIGINT, SIGTERM])
        server.serveForever()
    }

    /// The Django settings module named, if the settings are Django's: a dotted name, not a file.
    private var djangoSettingsModule: String? {
        let environment = ProcessInfo.processInfo.environment
        let named = settings ?? environment["STACKBENCH_SETTINGS"].flatMap { $0.isEmpty ? nil : $0 }
        guard let named else { return environment["DJANGO_SETTINGS_MODULE"].flatMap { $0.isEmpty ? nil : $0 } }
        let isModule = !named.contains("/") && !named.hasSuffix(".yml") && !named.hasSuffix(".yaml")
            && named.split(separator: ".").allSatisfy { part in !part.isEmpty && part.allSatisfy { $0 == "_" || $0.isLetter || $0.isNumber } }
        return isModule ? named : nil
    }

    /// Django's runserver on the project in the current folder, in embedded CPython (a venv in $VIRTUAL_ENV).
    private func djangoServer(module: String, address: ListenAddress) throws -> DevServer.Runserver {
        setenv("DJANGO_SETTINGS_MODULE", module, 1)
        let venv = ProcessInfo.processInfo.environment["VIRTUAL_ENV"].flatMap { $0.isEmpty ? nil : $0 }
        let path = pythonpath.map { $0.hasPrefix("/") ? $0 : FileManager.default.currentDirectoryPath + "/" + $0 }
        do {
            try PythonRuntime.start(.init(home: venv, pythonPath: path.map { [$0] } ?? [])) { _ in }
            let app = try PythonApplication.djangoRunserver(serveStatic: !nostatic, insecure: insecure)
            let options = DevServer.Runserver.Options(address: address, threading: !nothreading, serveStatic: false)
            return try DevServer.Runserver(app: app, settingsName: module, options: options)
        } catch let error as PythonError {
            throw FlagError("--settings", "\(module): \(error.description)")
        }
    }
}
