import Foundation
import StackbenchTesting
import Testing

/// A Django user's own project, end to end, as docs/django.md walks through it: `startproject` with the admin, an
/// app with a model-backed view (its migration made, its table not), STATIC_ROOT added, a seed-style uwsgi.ini and
/// server block naming the project's own paths, and a scenario naming only `django:`, the ini and the server
/// block. The run copies the project with its database, collects static files, migrates the copy, and every
/// target answers 2xx: the admin login page, the model view and an admin static file.
@Suite(.serialized, .enabled(if: ReferenceStack.installed, "Debian's nginx, uwsgi, uwsgi-plugin-python3 and python3-django could not be installed"))
struct DjangoProjectTests {
    static func makeProject(in folder: TemporaryFolder) throws -> String {
        func python(_ arguments: [String], in directory: String) throws {
            let result = try runCommand("/usr/bin/python3", arguments, directory: directory, timeout: 60)
            try #require(result.status == 0, "\(arguments): \(result.stderr)")
        }
        try python(["-m", "django", "startproject", "mysite"], in: folder.path)
        let project = folder.file("mysite")
        try python(["manage.py", "startapp", "notes"], in: project)
        let settings = project + "/mysite/settings.py"
        try (String(contentsOfFile: settings, encoding: .utf8) + "\nSTATIC_ROOT = BASE_DIR / 'static_all'\nALLOWED_HOSTS = ['*']\nINSTALLED_APPS += ['notes']\n")
            .write(toFile: settings, atomically: true, encoding: .utf8)
        try "from django.db import models\n\nclass Note(models.Model):\n    text = models.CharField(max_length=200)\n"
            .write(toFile: project + "/notes/models.py", atomically: true, encoding: .utf8)
        try "from django.http import HttpResponse\nfrom .models import Note\n\ndef index(request):\n    return HttpResponse(f'notes: {Note.objects.count()}')\n"
            .write(toFile: project + "/notes/views.py", atomically: true, encoding: .utf8)
        let urls = project + "/mysite/urls.py"
        try String(contentsOfFile: urls, encoding: .utf8)
            .replacingOccurrences(of: "from django.urls import path", with: "from django.urls import path\nfrom notes.views import index")
            .replacingOccurrences(of: "    path('admin/', admin.site.urls),", with: "    path('admin/', admin.site.urls),\n    path('notes/', index),")
            .write(toFile: urls, atomically: true, encoding: .utf8)
        try python(["manage.py", "makemigrations", "notes"], in: project)
        try """
            [uwsgi]
            chdir=\(project)/
            module=mysite.wsgi:application
            socket=\(folder.file("uwsgi.sock"))
            master=true
            workers=2
            pidfile=\(folder.file("uwsgi.pid"))
            vacuum=true
            thunder-lock=true
            enable-threads=true
            harakiri=30
            post-buffering=1024
            daemonize=\(folder.file("uwsgi.log"))
            """.write(toFile: folder.file("uwsgi.ini"), atomically: true, encoding: .utf8)
        try """
            server {
                listen  80;
                server_name  localhost;
                location /static/ {
                    alias \(project)/static_all/;
                }
                location / {
                    include uwsgi_params;
                    uwsgi_pass unix:\(folder.file("uwsgi.sock"));
                }
            }
            """.write(toFile: folder.file("nginx.conf"), atomically: true, encoding: .utf8)
        return project
    }

    @Test func aStartprojectWithTheAdminAndAModelViewRunsOnBothStacksSideBySide() throws {
        let folder = try TemporaryFolder()
        let project = try Self.makeProject(in: folder)
        // stackbench init writes the scenario from the three paths, asking Django for its URLs and static files.
        let initialised = try runCommand(BuiltProducts.stackbench, ["init", "--django", "mysite", "--uwsgi", "uwsgi.ini", "--nginx", "nginx.conf"],
                                         directory: folder.path, timeout: 60)
        #expect(initialised.status == 0 && initialised.stdout.contains("mysite.yml: 12 cell(s) × 4 target(s)"), "\(initialised.stdout)\n\(initialised.stderr)")
        let scenario = try String(contentsOfFile: folder.file("mysite.yml"), encoding: .utf8)
        #expect(scenario.contains("      - /admin/login/\n      - /notes/") && scenario.contains("      - /static/admin/css/base.css"), "\(scenario)")
        #expect(scenario.contains("  workers: [1, 2, 3]") && scenario.contains("  threads: [1, 2]"), "the ini's workers=2, one step either side: \(scenario)")
        #expect(scenario.contains("    kind: dev-server\n    requests:\n      - /static/admin/css/base.css"), "\(scenario)")
        if ProcessInfo.processInfo.activeProcessorCount <= 4 {
            #expect(scenario.contains("  client-cpus: \"0\""), "few cores: client and stack pinned apart: \(scenario)")
        }
        // A server block whose static alias is not STATIC_ROOT: one line naming the alias's line and both folders.
        try String(contentsOfFile: folder.file("nginx.conf"), encoding: .utf8).replacingOccurrences(of: "static_all/;", with: "static/;")
            .write(toFile: folder.file("elsewhere.conf"), atomically: true, encoding: .utf8)
        let elsewhere = try runCommand(BuiltProducts.stackbench, ["init", "--django", "mysite", "--uwsgi", "uwsgi.ini", "--nginx", "elsewhere.conf", "-o", "x.yml"],
                                       directory: folder.path, timeout: 60)
        #expect(elsewhere.status == 2 && elsewhere.stderr.contains("elsewhere.conf:5: error: alias: \(project)/static/ is not STATIC_ROOT \(project)/static_all"),
                "\(elsewhere.stderr)")
        // An ini with an option only uWSGI knows: init measures Debian's stack alone and says which line stopped ours.
        try (String(contentsOfFile: folder.file("uwsgi.ini"), encoding: .utf8) + "\nlazy = false\n")
            .write(toFile: folder.file("uwsgi-only.ini"), atomically: true, encoding: .utf8)
        let uwsgiOnly = try runCommand(BuiltProducts.stackbench, ["init", "--django", "mysite", "--uwsgi", "uwsgi-only.ini", "--nginx", "nginx.conf", "-o", "only.yml"],
                                       directory: folder.path, timeout: 60)
        let onlyText = (try? String(contentsOfFile: folder.file("only.yml"), encoding: .utf8)) ?? ""
        #expect(uwsgiOnly.status == 0 && onlyText.contains("  kind: reference") && onlyText.contains("# not swept: stackbench's pool refuses your ini (")
                && onlyText.contains("uwsgi-only.ini:") && onlyText.contains("lazy"), "\(uwsgiOnly.stderr)\n\(onlyText)")
        #expect(try runCommand(BuiltProducts.stackbench, ["run", folder.file("only.yml"), "--check"]).status == 0)
        // A workers value at Int.max: the sweep's step up saturates instead of trapping; the value is refused in one line.
        try String(contentsOfFile: folder.file("uwsgi.ini"), encoding: .utf8).replacingOccurrences(of: "workers=2", with: "workers=9223372036854775807")
            .write(toFile: folder.file("huge.ini"), atomically: true, encoding: .utf8)
        let huge = try runCommand(BuiltProducts.stackbench, ["init", "--django", "mysite", "--uwsgi", "huge.ini", "--nginx", "nginx.conf", "-o", "huge.yml"],
                                  directory: folder.path, timeout: 60)
        #expect(huge.status == 2 && huge.stderr.contains("must be at most 2147483647") && huge.stderr.split(separator: "\n").count == 1,
                "\(huge.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.file("huge.yml")))
        // --ci: a gate, not a sweep — one cell, 2 connections, checked as run would read it.
        let gate = try runCommand(BuiltProducts.stackbench, ["init", "--ci", "--django", "mysite", "--uwsgi", "uwsgi.ini", "--nginx", "nginx.conf"],
                                  directory: folder.path, timeout: 60)
        #expect(gate.status == 0 && gate.stdout.contains("mysite-ci.yml: 1 cell(s) × 2 target(s)"), "\(gate.stdout)\n\(gate.stderr)")
        let gateText = (try? String(contentsOfFile: folder.file("mysite-ci.yml"), encoding: .utf8)) ?? ""
        #expect(gateText.contains("  connections: 2 ") && gateText.contains("--fail-on") && !gateText.contains("matrix:"), "\(gateText)")
        // Each view alone in its window: a slower one is not hidden behind another competing for the same core.
        #expect(gateText.contains("  view-admin-login:\n    kind: proxied-dynamic\n    requests: [/admin/login/]\n")
                && gateText.contains("  view-notes:\n    kind: proxied-dynamic\n    requests: [/notes/]\n"), "\(gateText)")
        let gateCheck = try runCommand(BuiltProducts.stackbench, ["run", folder.file("mysite-ci.yml"), "--check"])
        #expect(gateCheck.status == 0, "\(gateCheck.stderr)")
        // A project without STATIC_ROOT behind a server block with a static alias: one line, nothing written.
        _ = try runCommand("/bin/cp", ["-r", project, folder.file("nostatic")])
        let noStaticSettings = folder.file("nostatic/mysite/settings.py")
        try String(contentsOfFile: noStaticSettings, encoding: .utf8).replacingOccurrences(of: "STATIC_ROOT = BASE_DIR / 'static_all'", with: "")
            .write(toFile: noStaticSettings, atomically: true, encoding: .utf8)
        let noStatic = try runCommand(BuiltProducts.stackbench, ["init", "--django", "nostatic", "--uwsgi", "uwsgi.ini", "--nginx", "nginx.conf", "-o", "x.yml"],
                                      directory: folder.path, timeout: 60)
        #expect(noStatic.status == 2 && noStatic.stderr.contains("nginx.conf:5: error: alias: ") && noStatic.stderr.contains("sets no STATIC_ROOT"),
                "\(noStatic.stderr)")
        // The same check in --check, for a scenario written before STATIC_ROOT went missing.
        try gateText.replacingOccurrences(of: "django: mysite\n", with: "django: nostatic\n")
            .write(toFile: folder.file("nostatic-ci.yml"), atomically: true, encoding: .utf8)
        let noStaticCheck = try runCommand(BuiltProducts.stackbench, ["run", folder.file("nostatic-ci.yml"), "--check"], timeout: 60)
        #expect(noStaticCheck.status == 2 && noStaticCheck.stderr.contains("nginx.conf:5: error: alias: ") && noStaticCheck.stderr.contains("sets no STATIC_ROOT"),
                "\(noStaticCheck.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.file("nostatic/mysite/__pycache__")), "asking Django wrote no bytecode into the project")
        try "server {\n    listen 80;\n    location /static/ {\n".write(toFile: folder.file("broken.conf"), atomically: true, encoding: .utf8)
        let broken = try runCommand(BuiltProducts.stackbench, ["init", "--django", "mysite", "--uwsgi", "uwsgi.ini", "--nginx", "broken.conf", "-o", "x.yml"],
                                    directory: folder.path, timeout: 60)
        #expect(broken.status == 2 && broken.stderr.contains("broken.conf") && broken.stderr.split(separator: "\n").count == 1, "\(broken.stderr)")
        let again = try runCommand(BuiltProducts.stackbench, ["init", "--django", "mysite", "--uwsgi", "uwsgi.ini", "--nginx", "nginx.conf"], directory: folder.path)
        #expect(again.status == 2 && again.stderr.contains("mysite.yml exists"), "never overwrites")
        let notDjango = try runCommand(BuiltProducts.stackbench, ["init", "--django", ".", "--uwsgi", "uwsgi.ini", "--nginx", "nginx.conf", "-o", "x.yml"],
                                       directory: folder.path)
        #expect(notDjango.status == 2 && notDjango.stderr.contains(".: not a Django project folder (no manage.py in it)"), "\(notDjango.stderr)")
        let noIni = try runCommand(BuiltProducts.stackbench, ["init", "--django", "mysite", "--uwsgi", "missing.ini", "--nginx", "nginx.conf", "-o", "x.yml"],
                                   directory: folder.path)
        #expect(noIni.status == 2 && noIni.stderr.contains("--uwsgi missing.ini: no such file"), "\(noIni.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.file("x.yml")), "nothing written on a bad input")
        // A setup: command, as a user would add one.
        try scenario.replacingOccurrences(of: "# setup:                        # run once in the project copy before the first cell\n#   - manage.py loaddata fixture.json",
                                          with: "setup:\n  - manage.py check")
            .write(toFile: folder.file("mysite.yml"), atomically: true, encoding: .utf8)
        let database = project + "/db.sqlite3"  // makemigrations made it, empty
        let before = FileManager.default.contents(atPath: database)
        let check = try runCommand(BuiltProducts.stackbench, ["run", folder.file("mysite.yml"), "--check"])
        #expect(check.status == 0, "a Django project alone passes --check: \(check.stderr)")
        let run = try runCommand(BuiltProducts.stackbench, ["run", folder.file("mysite.yml"), "--quick", "--label", "notes-v2", "--results", folder.file("results")],
                                 timeout: 180)
        #expect(run.status == 0, "every target 2xx, non2xx == 0 held: \(run.stdout)\n\(run.stderr)")
        let (runFolder, json) = try ScenarioRunTests.onlyRun(in: folder.file("results"))
        #expect(json["label"] as? String == "notes-v2")
        #expect(((try? String(contentsOfFile: runFolder + "/report.md", encoding: .utf8)) ?? "").contains("Label: notes-v2. Run "))
        let preparation = json["preparation"] as? [String] ?? []
        #expect(preparation.contains { $0.hasPrefix("django-migrate: manage.py migrate --noinput: ok") }, "\(preparation)")
        #expect(preparation.contains { $0.hasPrefix("setup-1: manage.py check: ok") })
        // --quick runs the first and last cells: stackbench's stack and Debian's, each serving the project.
        let stacks = (json["cells"] as? [[String: Any]] ?? []).map { cell in
            ((cell["settings"] as? [[String: Any]]) ?? []).first { $0["name"] as? String == "stack" }?["value"] as? String ?? "-"
        }
        #expect(stacks == ["swift", "reference"], "\(stacks)")
        #expect(FileManager.default.fileExists(atPath: runFolder + "/prepare/django-migrate.log"))
        #expect(FileManager.default.fileExists(atPath: runFolder + "/report.html"))
        #expect(FileManager.default.contents(atPath: database) == before, "the user's database is left as it was: the copy was migrated")
    }

    @Test func aDevServerOnlyScenarioAndAFailingSetupCommand() throws {
        let folder = try TemporaryFolder()
        _ = try Self.makeProject(in: folder)
        let base = """
            name: devonly
            stack: {kind: reference, django: mysite, uwsgi: uwsgi.ini, nginx: nginx.conf}
            targets:
              dev-server: {requests: [/notes/], checks: {contains: "notes: 0"}}
            load: {connections: 2, duration: 500ms, warmup: 100ms}
            """
        try base.write(toFile: folder.file("dev.yml"), atomically: true, encoding: .utf8)
        let dev = try runCommand(BuiltProducts.stackbench, ["run", folder.file("dev.yml"), "--quick", "--results", folder.file("results")], timeout: 120)
        #expect(dev.status == 0, "a single dev-server target runs, its model view migrated: \(dev.stdout)\n\(dev.stderr)")
        try (base + "\nsetup:\n  - manage.py loaddata nosuch.json\n").write(toFile: folder.file("bad.yml"), atomically: true, encoding: .utf8)
        let bad = try runCommand(BuiltProducts.stackbench, ["run", folder.file("bad.yml"), "--quick", "--results", folder.file("results")], timeout: 120)
        #expect(bad.status == 3 && bad.stderr.contains("bad.yml:7: setup-1 (manage.py loaddata nosuch.json) exited with status 1")
                && bad.stderr.contains("No fixture named 'nosuch' found"), "\(bad.stderr)")
    }

    /// The stops a Django user met: a project's settings.py given as `project:` passed --check and failed in the
    /// run; a wrong `module=` showed only uWSGI's first line, not the cause in its log.
    @Test func checkReadsTheProjectFileAndAWrongModuleShowsTheCauseFromThePoolsLog() throws {
        let folder = try TemporaryFolder()
        _ = try Self.makeProject(in: folder)
        try """
            name: wrong
            stack: {project: mysite/mysite/settings.py, uwsgi: uwsgi.ini, nginx: nginx.conf}
            targets:
              proxied-static: {requests: [/static/x.css]}
            """.write(toFile: folder.file("project.yml"), atomically: true, encoding: .utf8)
        let check = try runCommand(BuiltProducts.stackbench, ["run", folder.file("project.yml"), "--check"])
        #expect(check.status == 2 && check.stderr.contains("settings.py"), "--check reads the project file as the run would: \(check.stderr)")
        let ini = try String(contentsOfFile: folder.file("uwsgi.ini"), encoding: .utf8)
        try ini.replacingOccurrences(of: "module=mysite.wsgi:application", with: "module=nosuch.wsgi:application")
            .write(toFile: folder.file("uwsgi.ini"), atomically: true, encoding: .utf8)
        try """
            name: module
            stack: {kind: reference, django: mysite, uwsgi: uwsgi.ini, nginx: nginx.conf}
            targets:
              proxied-dynamic: {requests: [/notes/]}
            load: {connections: 2, duration: 300ms, warmup: 100ms}
            """.write(toFile: folder.file("module.yml"), atomically: true, encoding: .utf8)
        let run = try runCommand(BuiltProducts.stackbench, ["run", folder.file("module.yml"), "--quick", "--results", folder.file("results")], timeout: 120)
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stderr.contains("-- uwsgi.log") && run.stderr.contains("No module named 'nosuch'")
                && run.stderr.contains("unable to load app 0"), "the cause, from the pool's logto file: \(run.stderr)")
    }
}
