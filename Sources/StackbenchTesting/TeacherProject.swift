import Foundation

/// A throw-away copy of the teacher project (scenarios/teacher) in a temporary folder, with its own settings file,
/// so a test can change DEBUG or ALLOWED_HOSTS, and create a database, without touching the repository.
public final class TeacherProject {
    /// The folder holding the copy; removed when the value is released.
    public let folder: TemporaryFolder
    /// The settings file of the copy.
    public let settingsPath: String

    /// The repository's `scenarios/teacher`.
    public static var repositoryProject: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scenarios/teacher").path
    }

    /// Copies templates, static files and seed data, and writes settings with `debug`, `allowedHosts` and any
    /// `extraSettings` lines (YAML) appended.
    public init(debug: Bool = true, allowedHosts: [String] = ["localhost", "127.0.0.1"],
                extraSettings: String = "") throws {
        folder = try TemporaryFolder()
        for part in ["templates", "static", "seed"] {
            try FileManager.default.copyItem(atPath: Self.repositoryProject + "/" + part, toPath: folder.file(part))
        }
        settingsPath = folder.file("settings.yml")
        let hosts = allowedHosts.map { "\"\($0)\"" }.joined(separator: ", ")
        let settings = """
            DEBUG: \(debug)
            ALLOWED_HOSTS: [\(hosts)]
            WSGI_APPLICATION: teacher.wsgi.application
            STATIC_URL: /static/
            STATICFILES_DIRS: [static]
            STATIC_ROOT: static_all
            DATABASE: db.sqlite3
            TEMPLATE_DIRS: [templates]
            INITIAL_DATA: seed/teachers.json

            """ + extraSettings
        try Data(settings.utf8).write(to: URL(fileURLWithPath: settingsPath))
    }

    /// A path inside the project.
    public func file(_ name: String) -> String { folder.file(name) }
}
