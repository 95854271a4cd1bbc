import ArgumentParser
import BenchSupport
import DevServer
import Foundation
import StackConfig

/// `stackbench collectstatic --settings FILE`: Django's collectstatic, STATICFILES_DIRS → STATIC_ROOT.
struct Collectstatic: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Collect static files from STATICFILES_DIRS into STATIC_ROOT (Django's collectstatic).")

    @Option(help: "The project's settings file (default: $STACKBENCH_SETTINGS).") var settings: String?
    @Flag(name: [.customLong("noinput"), .customLong("no-input")], help: "Do not ask before overwriting.")
    var noinput = false
    @Flag(name: .shortAndLong, help: "Delete every file in STATIC_ROOT first.") var clear = false
    @Flag(name: .shortAndLong, help: "Symlink the files instead of copying them.") var link = false
    @Flag(name: [.customShort("n"), .customLong("dry-run")], help: "Say what would be done; change nothing.")
    var dryRun = false
    @Option(name: [.customShort("i"), .customLong("ignore")], help: "Ignore files matching this pattern (repeatable).")
    var ignore: [String] = []
    @Flag(help: "Do not ignore the default patterns (CVS, .*, *~).") var noDefaultIgnore = false
    @Option(name: [.customShort("v"), .customLong("verbosity")], help: "0, 1 (default), 2 or 3.") var verbosity = 1

    func run() throws {
        guard (0...3).contains(verbosity) else { throw FlagError("--verbosity", "must be 0, 1, 2 or 3, got \(verbosity)") }
        let project = try ProjectSettings.load(path: BuiltinApps.settingsPath(settings))
        var options = DevServer.Collectstatic.Options()
        options.interactive = !noinput
        options.clear = clear
        options.link = link
        options.dryRun = dryRun
        options.verbosity = verbosity
        options.ignorePatterns = ignore
        options.useDefaultIgnorePatterns = !noDefaultIgnore
        _ = try DevServer.Collectstatic(settings: project, options: options).run(
            confirm: { prompt in
                print(prompt, terminator: "")
                fflush(nil)
                return readLine() == "yes"
            },
            say: { print($0) })
    }
}
