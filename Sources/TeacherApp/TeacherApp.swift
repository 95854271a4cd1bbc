/// TeacherApp: the demo application every stackbench stack serves, the Swift twin of a small Django project.
///
/// Owns: the routes (`TeacherRoutes.swift`), the SQLite table through GRDB (`TeacherStore.swift`), the HTML
/// template (Mustache, from TEMPLATE_DIRS), and the Django-shaped answers (`Responses.swift`): ALLOWED_HOSTS is
/// checked per request as Django's `get_host()` does (400), 404 and 405 as Django's handlers give them, and any
/// error inside a view becomes 500 with `Internal Server Error: /path` and the error in the log, the app serving on.
/// Must not: know which server hosts it (runserver, the pool, a test) or read anything but its own project.
/// Mirrors: a Django 3.2 project with `django.contrib.staticfiles` and the default middleware.
import BenchSupport
import Foundation
import Mustache
import StackConfig
import WSGI

/// The teacher app, loaded once per worker process.
public final class TeacherApplication: Application {
    /// The registry entry: `module = teacher.wsgi:application`.
    public static let registryEntry = AppRegistry.Entry(module: "teacher.wsgi") { context in
        try TeacherApplication(context: context)
    }

    /// The project settings the app was loaded with.
    public let settings: ProjectSettings
    let store: TeacherStore
    let indexTemplate: MustacheTemplate

    /// Loads the project's settings, opens (and if new, seeds) the database and reads the templates.
    public init(context: AppContext) throws {
        settings = try ProjectSettings.load(path: context.resolvedSettingsPath)
        let settings = settings
        guard let database = settings.database else {
            throw ConfigError(file: settings.file, line: nil, key: "DATABASE", problem: "the teacher app needs a database")
        }
        do {
            store = try TeacherStore(path: database) { try Self.readSeed(settings) }
        } catch let error as UserFacingError {
            throw error
        } catch {
            throw ConfigError(file: settings.file, line: settings.lines["DATABASE"], key: "DATABASE",
                              problem: "cannot open \(database): \(error)")
        }
        indexTemplate = try Self.template(named: "index.html", settings: settings)
    }

    public func handle(_ request: Request) throws -> Response {
        let path = request.environ.pathInfo
        guard settings.allows(host: request.environ.host) else {
            request.errors.write("Invalid HTTP_HOST header: '\(request.environ.host)'. "
                + "You may need to add '\(request.environ.host)' to ALLOWED_HOSTS.")
            request.errors.write("Bad Request: \(path)")
            return Responses.badRequest
        }
        guard let route = TeacherRoutes.route(for: path) else {
            request.errors.write("Not Found: \(path)")
            return Responses.notFound
        }
        let method = request.environ.method
        guard route.accepts(method) else {
            request.errors.write("Method Not Allowed (\(method)): \(path)")
            return Responses.methodNotAllowed(allowed: route.allowedMethods)
        }
        do {
            return try route.handler(self, request)
        } catch let invalid as InvalidInput {
            request.errors.write("Bad Request: \(path)")
            return Responses.invalid(invalid)
        } catch let body as BodyInputError {
            request.errors.write("Bad Request: \(path) (\(body))")
            return Responses.invalid(InvalidInput(body.description))
        } catch {
            request.errors.write("Internal Server Error: \(path)\n\(type(of: error)): \(error)")
            return Responses.serverError
        }
    }

    private static func readSeed(_ settings: ProjectSettings) throws -> [NewTeacher] {
        guard let path = settings.initialData else { return [] }
        let line = settings.lines["INITIAL_DATA"]
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: settings.file, line: line, key: "INITIAL_DATA", problem: "cannot read \(path)")
        }
        do {
            let teachers = try JSONDecoder().decode([NewTeacher].self, from: data)
            if let index = teachers.firstIndex(where: { $0.problem != nil }) {
                throw ConfigError(file: settings.file, line: line, key: "INITIAL_DATA",
                                  problem: "\(path): item \(index): \(teachers[index].problem!)")
            }
            return teachers
        } catch let error as ConfigError {
            throw error
        } catch {
            throw ConfigError(file: settings.file, line: line, key: "INITIAL_DATA",
                              problem: "\(path) is not a JSON list of teachers")
        }
    }

    private static func template(named name: String, settings: ProjectSettings) throws -> MustacheTemplate {
        for directory in settings.templateDirectories {
            let path = (directory as NSString).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            do {
                return try MustacheTemplate(string: String(decoding: data, as: UTF8.self))
            } catch {
                throw ConfigError(file: settings.file, line: settings.lines["TEMPLATE_DIRS"], key: "TEMPLATE_DIRS",
                                  problem: "\(path): \(error)")
            }
        }
        throw ConfigError(file: settings.file, line: settings.lines["TEMPLATE_DIRS"], key: "TEMPLATE_DIRS",
                          problem: "no \(name) in \(settings.templateDirectories)")
    }
}
