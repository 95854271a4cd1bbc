@testable import Scenario
import Testing

/// How `init` names the user's files in the scenario it writes: relative where the scenario sits beside them (a
/// scenario in the repository's perf/ folder names ../mysite, so each checkout reads its own code), absolute where
/// they share nothing but the root's first level.
@Suite struct ScenarioTemplatePathTests {
    @Test(arguments: [
        ("/repo/app/mysite", "/repo/app", "mysite"),
        ("/repo/app", "/repo/app", "."),
        ("/repo/app/mysite", "/repo/app/perf", "../mysite"),
        ("/repo/app/deploy/uwsgi.ini", "/repo/app/perf/ci", "../../deploy/uwsgi.ini"),
        ("/srv/app/mysite", "/tmp", "/srv/app/mysite"),
        ("/tmp/a/mysite", "/tmp/b", "/tmp/a/mysite"),
        ("/repo/app/./mysite/", "/repo/app/perf/../perf", "../mysite"),
    ])
    func writtenPaths(_ path: String, _ folder: String, _ expected: String) {
        #expect(ScenarioTemplate.written(path, from: folder) == expected)
    }
}
