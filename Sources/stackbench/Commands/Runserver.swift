import ArgumentParser
import BenchSupport
import DevServer
import Foundation
import ServerCore
import StackConfig

/// `stackbench runserver [ADDR:]PORT --settings FILE`: Django's development server, for comparison.
struct Runserver: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the development server (Django's runserver): one process, a thread per connection.",
        discussion: "Serves WSGI_APPLICATION from the settings and, when DEBUG (or --insecure), STATIC_URL from "
            + "STATICFILES_DIRS. For comparison only: production is `stackbench front` + `stackbench uwsgi`.")

    @Argument(help: "Port or address:port (8000, 127.0.0.1:8000, [::1]:8000). Default 127.0.0.1:8000.")
    var addrport: String?
    @Option(help: "The project's settings file (default: $STACKBENCH_SETTINGS).") var settings: String?
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
        let project = try ProjectSettings.load(path: BuiltinApps.settingsPath(settings))
        let app = try BuiltinApps.loadApp(for: project)
        let options = DevServer.Runserver.Options(address: address, threading: !nothreading,
                                                  serveStatic: !nostatic && (project.debug || insecure))
        let server = try DevServer.Runserver(settings: project, app: app, options: options)
        print(server.banner(settings: project), terminator: "")
        fflush(stdout)
        // Ctrl-C ends the server at once with status 0, as Django's runserver does; SIGTERM ends it by default.
        signal(SIGINT) { _ in _exit(0) }
        Signals.unblock([SIGINT, SIGTERM])
        server.serveForever()
    }
}
