import BenchSupport
import Foundation
import Pool
import PythonHost
import StackConfig
import WSGI

/// Which app a uWSGI ini names, and how the pool loads it.
///
/// A module is the user's Python app when the ini says `wsgi-file`, when the module's top-level package is a
/// Python file or folder under `chdir` or a `pythonpath` entry, or when no app compiled into this binary answers to
/// the name (Python then imports it from its own path, a venv's site-packages included). Only a name the registry
/// knows, with no such Python source beside the ini's project, is the compiled-in app: so the seed's
/// `module=teacher.wsgi:application` runs the Django project when `chdir` holds one, and the Swift teacher app in
/// `scenarios/teacher/`, which has no Python.
enum PoolApp {
    case compiledIn(AppRegistry.Entry)
    case python(PythonAppSource, PythonRuntime.Settings)

    static func choose(_ config: UwsgiConfig, registry: AppRegistry) throws -> PoolApp {
        let project = config.chdir.map { resolved($0, in: FileManager.default.currentDirectoryPath) } ?? FileManager.default.currentDirectoryPath
        let pythonPath = config.pythonPath.map { resolved($0, in: project) }
        let settings = PythonRuntime.Settings(home: config.pythonHome.map { resolved($0, in: project) }, pythonPath: pythonPath)
        if let file = config.wsgiFile {
            return .python(PythonAppSource(module: nil, callable: config.callable, wsgiFile: file), settings)
        }
        guard let module = config.module else {
            throw ConfigError(file: config.file, line: nil, key: "module",
                              problem: "not set: the pool needs an app (module = teacher.wsgi:application, or wsgi-file)")
        }
        let source = PythonAppSource(module: module, callable: config.callable)
        guard let name = source.module, source.wsgiFile == nil else { return .python(source, settings) }
        let registered = try? registry.entry(named: "\(name):\(source.callable)")
        guard let registered, !hasPythonSource(name, in: [project] + pythonPath) else { return .python(source, settings) }
        return .compiledIn(registered)
    }

    private static func hasPythonSource(_ module: String, in folders: [String]) -> Bool {
        let parts = module.split(separator: ".").map(String.init)
        guard let package = parts.first else { return false }
        // A module file, a regular package, or a namespace package holding the next part of the name.
        let candidates = ["\(package).py", "\(package)/__init__.py"] + (parts.count > 1 ? ["\(package)/\(parts[1]).py", "\(package)/\(parts[1])"] : [])
        return folders.contains { folder in candidates.contains { FileManager.default.fileExists(atPath: "\(folder)/\($0)") } }
    }

    /// A path of the ini as uWSGI reads it after chdir: relative ones under `base`.
    private static func resolved(_ path: String, in base: String) -> String {
        path.hasPrefix("/") ? path : base + "/" + path
    }

    /// Starts Python in this process and imports the app, logging as uWSGI does; `needApp` turns a failed import
    /// into a start-up error. Returns the app, or uWSGI's "full dynamic mode" stand-in (every request a 500).
    static func loadPython(_ source: PythonAppSource, _ settings: PythonRuntime.Settings, config: UwsgiConfig) throws -> (Application, loaded: Bool) {
        do {
            try PythonRuntime.start(settings) { PoolLog.write($0) }
        } catch let error as PythonError {
            throw PoolStartError(config, config.pythonHome == nil ? "module" : "home", error.description)
        }
        if !config.enableThreads { PoolLog.write("*** Python threads support is disabled. You can enable it with --enable-threads ***") }
        if let app = PythonApplication.load(source) { return (app, true) }
        PoolLog.write("unable to load app 0 (mountpoint='') (callable not found or import error)")
        if config.needApp {
            PoolLog.write("*** no app loaded. GAME OVER ***")
            throw PoolStartError(config, config.wsgiFile == nil ? "module" : "wsgi-file", "cannot load \(source.description) (traceback above)")
        }
        PoolLog.write("*** no app loaded. going in full dynamic mode ***")
        return (MissingPythonApp { PoolLog.write($0) }, false)
    }
}
