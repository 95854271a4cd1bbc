import Foundation
import StackConfig
import Testing

@Suite struct ProjectSettingsTests {
    static let repositorySettings = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scenarios/teacher/settings.yml").path

    @Test func theTeacherSettingsMeanWhatTheSeedExcerptMeans() throws {
        let settings = try ProjectSettings.load(path: Self.repositorySettings)
        let base = (Self.repositorySettings as NSString).deletingLastPathComponent
        #expect(settings.baseDirectory == base)
        // The seed: STATICFILES_DIRS = (os.path.join(BASE_DIR, "static"),); STATIC_ROOT = os.path.join(BASE_DIR, "static_all")
        #expect(settings.staticFilesDirectories == [.init(prefix: nil, path: base + "/static")])
        #expect(settings.staticRoot == base + "/static_all")
        #expect(settings.database == base + "/db.sqlite3")
        #expect(settings.templateDirectories == [base + "/templates"])
        #expect(settings.wsgiApplication == "teacher.wsgi.application")
        #expect(settings.staticURL == "/static/")
        #expect(settings.debug)
    }

    @Test func pathsResolveAgainstTheSettingsFileNotTheWorkingDirectory() throws {
        let settings = try ProjectSettings.parse("""
            STATICFILES_DIRS: [assets, [vendor, ../shared/vendor], /abs/dir]
            STATIC_ROOT: ./out/../collected
            """, file: "/srv/project/settings.yml")
        #expect(settings.staticFilesDirectories == [
            .init(prefix: nil, path: "/srv/project/assets"),
            .init(prefix: "vendor", path: "/srv/shared/vendor"),
            .init(prefix: nil, path: "/abs/dir"),
        ])
        #expect(settings.staticRoot == "/srv/project/collected")
    }

    @Test func defaultsAreDjangos() throws {
        let settings = try ProjectSettings.parse("", file: "/p/settings.yml")
        #expect(!settings.debug)
        #expect(settings.allowedHosts.isEmpty)
        #expect(settings.staticURL == "/static/")
        #expect(settings.staticRoot == nil)
    }

    @Test(arguments: [
        ("DEBUG: maybe\n", 1, "DEBUG", "must be true or false"),
        ("DEBUG: true\nSTATIC_URLS: /s/\n", 2, "STATIC_URLS", "unknown key (did you mean \"STATIC_URL\"?)"),
        ("STATIC_URL: /static\n", 1, "STATIC_URL", "must end with \"/\""),
        ("STATICFILES_DIRS: static\n", 1, "STATICFILES_DIRS", "must be a list (staticfiles.E001)"),
        ("STATICFILES_DIRS:\n  - [css/, x]\n", 2, "STATICFILES_DIRS[0][0]", "must not end with a slash (staticfiles.E003)"),
        ("STATICFILES_DIRS: [static]\nSTATIC_ROOT: static\n", 1, "STATICFILES_DIRS[0]", "must not contain STATIC_ROOT"),
        ("ALLOWED_HOSTS: localhost\n", 1, "ALLOWED_HOSTS", "must be a list"),
        ("ALLOWED_HOSTS: [a, {b: c}]\n", 1, "ALLOWED_HOSTS[1]", "must be a string"),
        ("DATABASE:\n", 1, "DATABASE", "must be a string, got nothing"),
        ("DATABASE: \"\"\n", 1, "DATABASE", "must not be empty"),
        ("DEBUG: true\nDEBUG: false\n", 2, nil, "duplicate key \"DEBUG\""),
        ("DEBUG: [true\n", 2, nil, "invalid YAML"),
        ("- DEBUG\n", 1, nil, "must be a mapping"),
    ] as [(String, Int, String?, String)])
    func badSettingsNameFileLineAndKey(text: String, line: Int, key: String?, problem: String) {
        do {
            _ = try ProjectSettings.parse(text, file: "proj/settings.yml")
            Issue.record("accepted: \(text)")
        } catch let error as ConfigError {
            #expect(error.file == "proj/settings.yml")
            #expect(error.line == line, "\(error)")
            #expect(error.key == key, "\(error)")
            #expect(error.problem.contains(problem), "\(error)")
            #expect(error.description.hasPrefix("proj/settings.yml:\(line): error: "))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func aMissingFileIsAUsageErrorNamingIt() {
        #expect {
            _ = try ProjectSettings.load(path: "/nonexistent/settings.yml")
        } throws: { error in
            "\(error)" == "/nonexistent/settings.yml: cannot read: No such file or directory"
        }
    }

    @Test(arguments: [
        // (allowed, debug, host, passes) as Django's validate_host decides
        (["example.com"], false, "example.com", true),
        (["example.com"], false, "EXAMPLE.com:8000", true),
        (["example.com"], false, "evil.com", false),
        ([".example.com"], false, "api.example.com", true),
        ([".example.com"], false, "example.com", true),
        ([".example.com"], false, "badexample.com", false),
        (["*"], false, "anything.org", true),
        ([], true, "localhost:8000", true),
        ([], true, "127.0.0.1", true),
        ([], true, "[::1]:8000", true),
        ([], true, "example.com", false),
        ([], false, "localhost", false),
        (["localhost"], false, "localhost.", true),
        (["*"], false, "bad host", false),
        (["*"], false, "", false),
    ] as [([String], Bool, String, Bool)])
    func allowedHosts(allowed: [String], debug: Bool, host: String, passes: Bool) {
        var settings = ProjectSettings(file: "/p/settings.yml")
        settings.allowedHosts = allowed
        settings.debug = debug
        #expect(settings.allows(host: host) == passes)
    }
}
