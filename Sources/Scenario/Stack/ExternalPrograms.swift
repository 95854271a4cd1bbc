import Foundation
import Results

/// Where the Debian packages of the reference stack put their programs.
enum ExternalPrograms {
    static let nginx = "/usr/sbin/nginx"
    static let uwsgi = "/usr/bin/uwsgi"
    static let uwsgiPythonPlugin = "/usr/lib/uwsgi/plugins/python3_plugin.so"
    /// Debian's own Python, which python3-django and the uWSGI plugin belong to (not a pyenv or venv python3
    /// that may come first on PATH).
    static let python = "/usr/bin/python3"
    static let installHint = "install the reference stack with scripts/install-reference.sh "
        + "(apt-get install -y nginx uwsgi uwsgi-plugin-python3 python3-django)"

    /// Django, importable by `python` (not a path: `isInstalled` imports it).
    static let django = "python3-django"

    /// What keeps each variant from running (the programs missing, and the command that installs them); a variant
    /// that can run is absent. `isInstalled` answers per program path, once each.
    static func unavailable(_ variants: Set<StackVariant>, isInstalled: (String) -> Bool = isInstalled) -> [StackVariant: String] {
        var known: [String: Bool] = [:]
        var reasons: [StackVariant: String] = [:]
        for variant in variants {
            let missing = variant.externalPrograms.filter { program in
                if let answer = known[program.path] { return !answer }
                let answer = isInstalled(program.path)
                known[program.path] = answer
                return !answer
            }
            guard !missing.isEmpty else { continue }
            reasons[variant] = missing.map { "stack=\(variant.name) needs \($0.what) (\($0.path)), which is not installed" }
                .joined(separator: "; ") + ": " + installHint
        }
        return reasons
    }

    static func isInstalled(_ path: String) -> Bool {
        path == django ? run([python, "-c", "import django"])?.status == 0 : FileManager.default.fileExists(atPath: path)
    }

    /// The versions of the programs `variants` run, as they print them.
    static func versions(for variants: Set<StackVariant>) -> [String: String] {
        var versions: [String: String] = [:]
        if variants.contains(where: { $0.front == .nginx }) { versions["nginx"] = run([nginx, "-v"])?.output }
        if variants.contains(where: { $0.pool == .uwsgi }) {
            versions["uwsgi"] = run([uwsgi, "--version"])?.output
            versions["django"] = run([python, "-c", "import sys, django; print('Python', sys.version.split()[0], 'Django', django.get_version())"])?.output
        }
        return versions.compactMapValues { $0 }
    }

    /// The commit of the git checkout `folder` is in (`3f2a9c1d7e4b`, `+dirty` after it when files differ from
    /// it), what a run records as its label by default; nil when the folder is not in a checkout or git is missing.
    static func commit(of folder: String) -> String? {
        guard let head = run(["/usr/bin/git", "-C", folder, "rev-parse", "--short=12", "HEAD"]), head.status == 0,
              !head.output.isEmpty, !head.output.contains(" ") else { return nil }
        let status = run(["/usr/bin/git", "-C", folder, "status", "--porcelain", "--untracked-files=no", "--", "."])
        return head.output + (status.map { $0.status == 0 && !$0.output.isEmpty } == true ? "+dirty" : "")
    }

    /// When the commit checked out in `folder` was made (RFC 3339, `2026-12-04T15:44:49+01:00`): where
    /// `stackbench history` places the run; nil when the folder is not in a checkout or git is missing.
    static func commitTime(of folder: String) -> String? {
        guard let time = run(["/usr/bin/git", "-C", folder, "log", "-1", "--format=%cI", "HEAD"]), time.status == 0,
              !time.output.isEmpty, !time.output.contains(" ") else { return nil }
        return time.output
    }

    /// Runs `command` to its end: its exit status and what it printed (stdout and stderr), trimmed; nil when it
    /// cannot start.
    private static func run(_ command: [String]) -> (status: Int32, output: String)? {
        let pipe = Pipe()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
