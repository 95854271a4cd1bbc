import BenchSupport
import Foundation
import StackConfig

/// What `stackbench init` reads from the user's files besides Django's answers: the ini's own workers and threads
/// (the cells sweep one step either side of them), and whether the server block's static location serves the folder
/// collectstatic writes (STATIC_ROOT), checked before anything is written.
extension ScenarioTemplate {
    /// The workers and threads values the matrix sweeps: the ini's own and one step either side (never below 1).
    /// Read as uWSGI reads the file, so an option stackbench's pool does not know does not stop `init`.
    func sweptSettings() throws -> (workers: [Int], threads: [Int]) {
        let options = try UwsgiIniReader.read(uwsgiIni) { _ in }
        func value(_ names: [String]) -> Int { options.last { names.contains($0.key) }.flatMap { Int($0.value) }.map { max(1, $0) } ?? 1 }
        let (workers, threads) = (value(["workers", "processes", "p"]), value(["threads"]))
        func around(_ value: Int, below: Int, above: Int?) -> [Int] {
            Array(Set([below, value, above ?? value].filter { $0 >= 1 })).sorted()
        }
        // The step up saturates: `workers = 9223372036854775807` is an ini value, not a reason to trap.
        return (around(workers, below: workers - 1, above: CheckedArithmetic.sum(workers, 1)),
                around(threads, below: threads / 2, above: CheckedArithmetic.product(threads, 2)))
    }

    /// Why stackbench's pool cannot run the ini (its first refused line), or nil when it can: the scenario then
    /// measures Debian's stack only, and says why.
    func swiftPoolRefusal() -> String? {
        do {
            _ = try UwsgiConfig.load(uwsgiIni) { _ in }
            return nil
        } catch let error as UserFacingError {
            return error.description
        } catch {
            return "\(error)"
        }
    }

    /// Throws one line naming both sides when STATIC_ROOT is not set, or when the server block's location for
    /// STATIC_URL serves another folder than STATIC_ROOT (compared within the project: the alias under the ini's
    /// `chdir`, STATIC_ROOT under the project folder, as the run maps them onto its copy).
    func checkStaticRoot(_ facts: Facts) throws {
        let directives: [NginxDirective]
        do { directives = try NginxConfigParser.parse(file: nginxConf) } catch let error as NginxConfigError {
            // nginx's words, as a usage error of init (exit 2), not the front's exit 1.
            throw ConfigError(file: error.file, line: error.line, key: "nginx", problem: error.problem)
        }
        guard let location = Self.staticLocation(directives, url: facts.staticURL) else {
            return  // no location of its own: static files go through the pool, nothing to compare
        }
        guard let root = facts.staticRoot else {
            throw ConfigError(file: location.directive.file, line: location.directive.line, key: location.directive.name,
                              problem: "\(location.served) is meant to hold the collected static files, but the Django project \(django) sets no STATIC_ROOT (collectstatic, which the run calls, needs one)")
        }
        let projectFolder = URL(fileURLWithPath: django).standardizedFileURL.path
        let chdir = StackLayout.originalProjectFolder(of: uwsgiIni) ?? projectFolder
        let served = Self.shown(location.served, from: chdir)
        let collected = Self.shown(root, from: projectFolder)
        guard served != collected else { return }
        throw ConfigError(file: location.directive.file, line: location.directive.line, key: location.directive.name,
                          problem: "\(location.served) is not STATIC_ROOT \(root): nginx would serve a folder collectstatic never fills (\(served.isEmpty ? "the project folder" : served) under the ini's chdir \(chdir), \(collected) under the project)")
    }

    /// The `alias` or `root` that serves `url` (the first location whose prefix it is), and the folder it serves.
    static func staticLocation(_ directives: [NginxDirective], url: String) -> (directive: NginxDirective, served: String)? {
        for directive in directives {
            if directive.name == "location", let prefix = directive.arguments.last, url.hasPrefix(prefix),
               directive.arguments.count == 1 || directive.arguments.first == "^~",
               let inner = directive.block?.first(where: { ["alias", "root"].contains($0.name) }), let path = inner.arguments.first {
                return (inner, inner.name == "alias" ? path : normalized(path) + prefix)
            }
            if let nested = directive.block, let found = staticLocation(nested, url: url) { return found }
        }
        return nil
    }

    /// `path` without a trailing slash or dot segments.
    static func normalized(_ path: String) -> String {
        let standard = URL(fileURLWithPath: path).standardizedFileURL.path
        return standard.count > 1 && standard.hasSuffix("/") ? String(standard.dropLast()) : standard
    }

    /// `path` relative to `folder` when it is inside it ("" for the folder itself), else absolute: how two folders
    /// are compared within their projects (the static alias under the ini's chdir, STATIC_ROOT under the project).
    static func shown(_ path: String, from folder: String) -> String {
        relative(path, to: folder) ?? normalized(path)
    }

    /// `path` as the scenario in `folder` names it: relative when the two share a folder below the root's first
    /// level (`perf/mysite-ci.yml` names `../mysite`), so a scenario committed with the project reads each
    /// checkout's own files (the base's and the change's in CI); absolute otherwise (`/srv/app` from `/tmp`).
    static func written(_ path: String, from folder: String) -> String {
        if let inside = relative(path, to: folder) { return inside.isEmpty ? "." : inside }
        let (target, base) = (normalized(path).split(separator: "/"), normalized(folder).split(separator: "/"))
        let common = zip(target, base).prefix { $0 == $1 }.count
        guard common >= 2 else { return normalized(path) }
        return (Array(repeating: "..", count: base.count - common) + target.dropFirst(common)).joined(separator: "/")
    }

    /// `path` relative to `folder` ("" for the folder itself), or nil when it is outside it.
    static func relative(_ path: String, to folder: String) -> String? {
        let (path, folder) = (normalized(path), normalized(folder))
        if path == folder { return "" }
        return path.hasPrefix(folder + "/") ? String(path.dropFirst(folder.count + 1)) : nil
    }
}
