import Foundation
@testable import StackConfig
import StackbenchTesting
import Testing

@Suite struct UwsgiConfigTests {
    static let seed = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scenarios/seed/uwsgi.ini").path

    let folder: TemporaryFolder

    init() throws {
        folder = try TemporaryFolder()
    }

    func write(_ text: String, name: String = "app.ini") throws -> String {
        let path = folder.file(name)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func load(_ text: String, section: String? = nil, environment: [String: String] = [:]) throws
        -> (UwsgiConfig, [String]) {
        let path = try write(text)
        var warnings: [String] = []
        let config = try UwsgiConfig.load(section.map { "\(path):\($0)" } ?? path, environment: environment) {
            warnings.append($0)
        }
        return (config, warnings)
    }

    @Test func theSeedFileLoadsAsWritten() throws {
        var warnings: [String] = []
        let config = try UwsgiConfig.load(Self.seed, environment: [:]) { warnings.append($0) }
        #expect(config.chdir == "/opt/project/teacher/")
        #expect(config.uid == "root" && config.gid == "root")
        #expect(config.module == "teacher.wsgi:application")
        #expect(config.sockets == ["/opt/project/script/uwsgi.sock"])
        #expect(config.master && config.vacuum && config.thunderLock && config.enableThreads)
        #expect(config.workers == 3)
        #expect(config.pidfile == "/opt/project/script/uwsgi.pid")
        #expect(config.harakiri == 30)
        #expect(config.postBuffering == 1024)
        #expect(config.daemonize == "/opt/project/script/uwsgi.log")
        #expect(config.lines["workers"] == 14)
        #expect(warnings.isEmpty, "\(warnings)")
    }

    @Test func syntaxIsUwsgisOwn() throws {
        let (config, _) = try load("""
            ; a comment
            workers = 1
            [other]
            workers = 9
            [uwsgi]
            master
            print = a # not a comment ; nor this
            \tworkers=2\r
            socket = /tmp/a.sock
            socket = 127.0.0.1:3031
            vacuum = off
            thunder-lock = 0
            enable-threads = No
            harakiri-verbose =
            callable = "app"
            [uwsgi]
            threads = 4
            """)
        #expect(config.workers == 2, "lines before a section and other sections are ignored; the last value wins")
        #expect(config.master && config.harakiriVerbose, "a bare key or an empty value is on")
        #expect(!config.vacuum && !config.thunderLock, "off and 0 are off")
        #expect(config.enableThreads, "enable-threads = No is off, but threads > 1 turns threads on")
        #expect(config.prints == ["a # not a comment ; nor this"])
        #expect(config.sockets == ["/tmp/a.sock", "127.0.0.1:3031"], "socket accumulates")
        #expect(config.callable == "\"app\"", "quotes are literal")
        #expect(config.threads == 4, "every [uwsgi] block is read")
    }

    @Test func aNamedSectionIsReadAndAMissingOneWarned() throws {
        let (config, _) = try load("[uwsgi]\nworkers = 1\n[staging]\nworkers = 5\n", section: "staging")
        #expect(config.workers == 5)
        let (_, warnings) = try load("workers = 1\n", section: "nope")
        #expect(warnings.contains { $0.hasPrefix("*** WARNING: Can't find section \"nope\" in INI configuration file ") })
    }

    @Test func magicVariablesAreReplacedInTheRawText() throws {
        let path = try write("[uwsgi]\nchdir = %d\nprint = %p|%s|%n|%e|%c|[%Z]|100%%\n", name: "conf.d/test.app.ini")
        let config = try UwsgiConfig.load(path, environment: [:]) { _ in }
        #expect(config.chdir == folder.file("conf.d/"))
        #expect(config.prints == ["\(path)|test.app.ini|test.app|ini|conf.d|[]|100%"])
    }

    @Test func environmentFilesAndPlaceholdersExpand() throws {
        let secret = try write("s3cret\n", name: "secret.txt")
        let (config, _) = try load("""
            [uwsgi]
            set-placeholder = base=/srv/app
            workers = 2
            chdir = %(base)/teacher
            pidfile = $(RUN_DIR)/uwsgi.pid
            logto = $(UNSET_VAR)/x.log
            print = @(\(secret))
            threads = %(workers + 1)
            workers = 5
            print = %(missing) %(pid%(nest))
            set-ph = nest=file
            """, environment: ["RUN_DIR": "/run/teacher"])
        #expect(config.chdir == "/srv/app/teacher")
        #expect(config.pidfile == "/run/teacher/uwsgi.pid")
        #expect(config.logto == "$(UNSET_VAR)/x.log", "an unset variable stays as written")
        #expect(config.prints == ["s3cret", "%(missing) /run/teacher/uwsgi.pid"])
        #expect(config.threads == 3, "placeholders see the first definition of workers")
        #expect(config.workers == 5, "the option takes the last")
    }

    @Test func includedFilesAreReadInPlace() throws {
        _ = try write("[uwsgi]\nworkers = 4\nthreads = 2\n", name: "base.ini")
        let (config, _) = try load("[uwsgi]\nworkers = 1\nini = base.ini\nthreads = 8\n")
        #expect(config.workers == 4 && config.threads == 8)
    }

    @Test(arguments: [
        ("wokers = 3", 2, "wokers", "unknown uWSGI option (did you mean \"workers\"?)"),
        ("workers = -1", 2, "workers", "must be >= 1"),
        ("workers = 0", 2, "workers", "must be >= 1"),
        ("workers = many", 2, "workers", "must be a whole number"),
        ("buffer-size = 8k", 2, "buffer-size", "uWSGI would read it as 8"),
        ("chmod-socket = 66", 2, "chmod-socket", "invalid chmod value \"66\""),
        ("chmod-socket = 999", 2, "chmod-socket", "invalid chmod value"),
        ("chmod-socket =", 2, "chmod-socket", "invalid chmod value \"\""),
        ("socket =", 2, "socket", "needs a value"),
        ("= 5", 2, nil, "a line with a value but no key"),
        ("ini = missing.ini", 2, "ini", "cannot read: No such file or directory"),
        ("ini = app.ini", 2, "ini", "includes itself"),
    ] as [(String, Int, String?, String)])
    func badOptionsNameFileLineAndKey(line: String, number: Int, key: String?, problem: String) throws {
        do {
            _ = try load("[uwsgi]\n\(line)\n")
            Issue.record("accepted \(line)")
        } catch let error as ConfigError {
            #expect(error.line == number, "\(error)")
            #expect(error.key == key, "\(error)")
            #expect(error.description.contains(problem), "\(error)")
            #expect(error.description.hasPrefix(folder.file("app.ini")))
        }
    }

    @Test func unimplementedOptionsWarnOneLineEach() throws {
        let (config, warnings) = try load("[uwsgi]\nplugin = python3,router_cache\nmemory-report = true\nharakiri = 5\nbuffer-size = 99999\n")
        #expect(warnings.count == 3, "\(warnings)")
        #expect(warnings[0].contains(":3: warning: memory-report: accepted but not implemented"))
        #expect(warnings[1] == "\(folder.file("app.ini")):2: warning: plugins: router_cache: ignored: stackbench has the python plugin built in and no other")
        #expect(warnings[2].contains("harakiri without post buffering"))
        #expect(config.plugins == ["python3", "router_cache"])
        #expect(config.bufferSize == 65535, "clamped as uWSGI clamps it")
    }

    @Test func pythonOptionsAreRead() throws {
        let (config, warnings) = try load("[uwsgi]\nplugins = python3\nhome = /srv/venv\npythonpath = lib\npp = vendor\n"
            + "env = DJANGO_SETTINGS_MODULE=site.settings\nwsgi-file = app.py\nlazy-apps = true\nsingle-interpreter = true\n")
        #expect(warnings.isEmpty, "\(warnings)")
        #expect(config.pythonHome == "/srv/venv" && config.pythonPath == ["lib", "vendor"] && config.wsgiFile == "app.py")
        #expect(config.environment == ["DJANGO_SETTINGS_MODULE=site.settings"] && config.lazyApps && config.singleInterpreter)
        #expect(throws: ConfigError.self) { _ = try load("[uwsgi]\nenv = NOEQUALS\n") }
    }

    @Test func aMissingFileIsOneLine() {
        #expect {
            _ = try UwsgiConfig.load("/nonexistent/uwsgi.ini", environment: [:]) { _ in }
        } throws: { "\($0)" == "/nonexistent/uwsgi.ini: cannot read: No such file or directory" }
    }

    @Test(arguments: [("a.ini", "a.ini", "uwsgi"), ("a.ini:prod", "a.ini", "prod"), ("/x/y.ini:", "/x/y.ini", "uwsgi"),
                      ("/x:y/z.ini", "/x:y/z.ini", "uwsgi")])
    func fileAndSection(reference: String, file: String, section: String) {
        let (parsedFile, parsedSection) = UwsgiIniReader.split(reference)
        #expect(parsedFile == file && parsedSection == section)
    }
}
