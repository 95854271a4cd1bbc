import Foundation

extension ProjectSettings {
    /// The keys a settings file may set.
    public static let keys = [
        "DEBUG", "ALLOWED_HOSTS", "STATIC_URL", "STATICFILES_DIRS", "STATIC_ROOT", "DATABASE", "TEMPLATE_DIRS",
        "INITIAL_DATA", "WSGI_APPLICATION",
    ]

    /// Reads and checks the settings file at `path`.
    public static func load(path: String) throws -> ProjectSettings {
        try parse(YAMLValue.load(file: path), file: path)
    }

    /// Reads settings from YAML `text`, as if read from `file`.
    public static func parse(_ text: String, file: String) throws -> ProjectSettings {
        try parse(YAMLValue.parse(text, file: file), file: file)
    }

    private static func parse(_ root: YAMLValue, file: String) throws -> ProjectSettings {
        var settings = ProjectSettings(file: file)
        for (key, value) in try root.mapping(allowedKeys: keys) {
            settings.lines[key] = value.line
            switch key {
            case "DEBUG": settings.debug = try value.bool()
            case "ALLOWED_HOSTS": settings.allowedHosts = try value.sequence().map { try $0.string() }
            case "STATIC_URL": settings.staticURL = try staticURL(value)
            case "STATICFILES_DIRS": settings.staticFilesDirectories = try staticFilesDirectories(value, settings)
            case "STATIC_ROOT": settings.staticRoot = try settings.resolve(nonEmptyString(value))
            case "DATABASE": settings.database = try settings.resolve(nonEmptyString(value))
            case "TEMPLATE_DIRS": settings.templateDirectories = try value.sequence().map {
                    try settings.resolve(nonEmptyString($0))
                }
            case "INITIAL_DATA": settings.initialData = try settings.resolve(nonEmptyString(value))
            case "WSGI_APPLICATION": settings.wsgiApplication = try nonEmptyString(value)
            default: preconditionFailure("key \(key) is listed but not read")
            }
        }
        if let root = settings.staticRoot,
           let index = settings.staticFilesDirectories.firstIndex(where: { $0.path == root }) {
            throw ConfigError(file: file, line: settings.lines["STATICFILES_DIRS"], key: "STATICFILES_DIRS[\(index)]",
                              problem: "must not contain STATIC_ROOT (\(root)) (staticfiles.E002)")
        }
        return settings
    }

    private static func nonEmptyString(_ value: YAMLValue) throws -> String {
        let text = try value.string()
        guard !text.isEmpty else { throw value.error("must not be empty") }
        return text
    }

    private static func staticURL(_ value: YAMLValue) throws -> String {
        var url = try nonEmptyString(value)
        guard url.hasSuffix("/") else { throw value.error("must end with \"/\", got \"\(url)\"") }
        if !url.hasPrefix("/") && !url.contains("://") { url = "/" + url }
        return url
    }

    private static func staticFilesDirectories(_ value: YAMLValue, _ settings: ProjectSettings) throws
        -> [StaticFilesDirectory] {
        guard case .sequence = value.node else {
            throw value.error("must be a list (staticfiles.E001), got \(value.describe())")
        }
        return try value.sequence().map { item in
            if case .sequence = item.node {
                let pair = try item.sequence()
                guard pair.count == 2 else { throw item.error("a prefixed entry is [prefix, path], got \(pair.count) items") }
                let prefix = try pair[0].string()
                guard !prefix.hasSuffix("/") else {
                    throw pair[0].error("the prefix \"\(prefix)\" must not end with a slash (staticfiles.E003)")
                }
                return StaticFilesDirectory(prefix: prefix.isEmpty ? nil : prefix,
                                            path: settings.resolve(try nonEmptyString(pair[1])))
            }
            return StaticFilesDirectory(prefix: nil, path: settings.resolve(try nonEmptyString(item)))
        }
    }
}
