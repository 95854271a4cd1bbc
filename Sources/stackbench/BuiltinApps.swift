import BenchSupport
import Foundation
import StackConfig
import TeacherApp
import WSGI

/// The apps compiled into this binary, and how a command finds the project settings it runs with.
enum BuiltinApps {
    static let registry = AppRegistry([TeacherApplication.registryEntry])

    /// The settings file: `--settings`, else STACKBENCH_SETTINGS (the analogue of DJANGO_SETTINGS_MODULE).
    static func settingsPath(_ flag: String?) throws -> String {
        if let flag { return flag }
        if let path = ProcessInfo.processInfo.environment["STACKBENCH_SETTINGS"], !path.isEmpty { return path }
        throw FlagError("--settings", "is required (or set STACKBENCH_SETTINGS)")
    }

    /// Loads the app WSGI_APPLICATION names, from the project `settings` belongs to.
    static func loadApp(for settings: ProjectSettings) throws -> Application {
        guard let name = settings.wsgiApplication else {
            throw ConfigError(file: settings.file, line: nil, key: "WSGI_APPLICATION",
                              problem: "not set; runserver needs the app to serve (e.g. teacher.wsgi.application)")
        }
        let entry: AppRegistry.Entry
        do {
            entry = try registry.entry(named: name)
        } catch let error as UnknownAppError {
            throw ConfigError(file: settings.file, line: settings.lines["WSGI_APPLICATION"], key: "WSGI_APPLICATION",
                              problem: error.description)
        }
        return try entry.load(AppContext(projectDirectory: settings.baseDirectory, settingsPath: settings.file))
    }
}
