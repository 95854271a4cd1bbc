import BenchSupport
import Foundation

/// The settings module a Django project's manage.py names (`os.environ.setdefault("DJANGO_SETTINGS_MODULE",
/// "mysite.settings")`), for `stackbench runserver --settings` run in the project, as `manage.py runserver` is.
enum DjangoSettingsModule {
    static func named(inProject folder: String) throws -> String {
        let managePy = folder + "/manage.py"
        guard let text = try? String(contentsOfFile: managePy, encoding: .utf8) else {
            throw FileError(path: managePy, problem: "cannot read it: stackbench runserver needs the project's settings module", exitStatus: .runFailed)
        }
        guard let match = text.firstMatch(of: #/DJANGO_SETTINGS_MODULE['"]\s*,\s*['"]([A-Za-z0-9_.]+)['"]/#) else {
            throw FileError(path: managePy, problem: "names no DJANGO_SETTINGS_MODULE default (os.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"mysite.settings\"))",
                            exitStatus: .runFailed)
        }
        return String(match.output.1)
    }
}
