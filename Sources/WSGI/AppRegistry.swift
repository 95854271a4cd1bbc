import BenchSupport

/// What an app is given when a server loads it: the project it runs in, as uWSGI's `chdir` names it.
@PublicInit
public struct AppContext: Sendable {
    /// The project directory (uWSGI's `chdir`, Django's BASE_DIR).
    public let projectDirectory: String
    /// An explicit settings file (STACKBENCH_SETTINGS, the analogue of DJANGO_SETTINGS_MODULE), or nil for the
    /// project's `settings.yml`.
    public var settingsPath: String?
    /// Where the app logs errors.
    public var errors: ErrorLog = StandardErrorLog()

    /// The settings file the app should read.
    public var resolvedSettingsPath: String {
        if let settingsPath { return settingsPath }
        return projectDirectory.hasSuffix("/") ? projectDirectory + "settings.yml" : projectDirectory + "/settings.yml"
    }
}

/// The apps compiled into the binary, found by the name a uWSGI ini (`module = teacher.wsgi:application`) or a
/// Django setting (`WSGI_APPLICATION = teacher.wsgi.application`) gives them.
@PublicInit(.unlabeled)
public struct AppRegistry: Sendable {
    /// One app.
    @PublicInit
    public struct Entry: Sendable {
        /// The module, e.g. `teacher.wsgi`.
        public let module: String
        /// The callable in it, `application` unless named.
        public var callable = "application"
        /// Loads the app (opens its database, reads its templates); may fail with a user-facing error.
        public let load: @Sendable (AppContext) throws -> Application

        /// The name in uWSGI's form, `module:callable`.
        public var name: String { "\(module):\(callable)" }
    }

    /// The apps, in the order they are listed to users.
    public let entries: [Entry]

    /// The entry `reference` names. Accepted forms, as uWSGI and Django accept them: `teacher.wsgi:application`,
    /// `teacher.wsgi` (the callable defaults to `application`, uWSGI's default), `teacher.wsgi.application`.
    public func entry(named reference: String) throws -> Entry {
        let trimmed = reference.trimmingSpaces
        for entry in entries {
            if trimmed == entry.name || trimmed == entry.module && entry.callable == "application"
                || trimmed == "\(entry.module).\(entry.callable)" {
                return entry
            }
        }
        throw UnknownAppError(reference: trimmed, known: entries.map(\.name))
    }
}

/// A module name that no compiled-in app answers to.
public struct UnknownAppError: UserFacingError {
    /// The name as given.
    public let reference: String
    /// The names that would have worked.
    public let known: [String]

    public var exitStatus: ExitStatus { .usage }
    public var description: String {
        "unknown app module \"\(reference)\"; known: \(known.joined(separator: ", "))"
    }
}

extension String {
    var trimmingSpaces: String {
        var text = Substring(self)
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return String(text)
    }
}
