import BenchSupport
import Foundation
import StackbenchTesting
import TeacherApp
import Testing
import WSGI

/// Collects what the app writes to wsgi.errors.
final class CollectedLog: ErrorLog, Sendable {
    private let lines = Locked<[String]>([])
    func write(_ line: String) { lines.withLock { $0.append(line) } }
    var text: String { lines.withLock { $0.joined(separator: "\n") } }
}

/// Calls the app the way a server would: an environ as uwsgi_params delivers it, a body, a log.
struct Caller {
    let app: Application
    let log = CollectedLog()

    func call(_ method: String, _ target: String, body: [UInt8] = [], host: String = "localhost") throws
        -> (status: Int, headers: [(name: String, value: String)], body: String) {
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let environ = Environ([
            ("QUERY_STRING", parts.count > 1 ? String(parts[1]) : ""), ("REQUEST_METHOD", method),
            ("CONTENT_TYPE", body.isEmpty ? "" : "application/json"), ("CONTENT_LENGTH", body.isEmpty ? "" : "\(body.count)"),
            ("REQUEST_URI", target), ("PATH_INFO", String(parts[0])), ("DOCUMENT_ROOT", "/usr/share/nginx/html"),
            ("SERVER_PROTOCOL", "HTTP/1.1"), ("REQUEST_SCHEME", "http"), ("REMOTE_ADDR", "127.0.0.1"),
            ("REMOTE_PORT", "50000"), ("SERVER_PORT", "80"), ("SERVER_NAME", "localhost"), ("HTTP_HOST", host),
        ])
        let response = try app.handle(Request(environ: environ, input: BytesInput(body), errors: log))
        guard case .bytes(let bytes) = response.body else { throw Unexpected(what: "a non-bytes body") }
        return (response.status, response.headers, String(decoding: bytes, as: UTF8.self))
    }

    struct Unexpected: Error { let what: String }
}

@Suite(.serialized) struct TeacherApplicationTests {
    let project: TeacherProject
    let caller: Caller

    init() throws {
        project = try TeacherProject()
        caller = Caller(app: try TeacherApplication(context: AppContext(projectDirectory: project.folder.path)))
    }

    func teacherCount() throws -> Int {
        let listed = try caller.call("GET", "/api/teachers?limit=1000").body
        return try (JSONSerialization.jsonObject(with: Data(listed.utf8)) as! [String: Any])["count"] as! Int
    }

    @Test func helloIsTinyTextWithDjangosHeaders() throws {
        let (status, headers, body) = try caller.call("GET", "/hello")
        #expect(status == 200)
        #expect(body == "hello\n")
        let names = headers.map(\.name)
        #expect(names == ["Content-Type", "X-Frame-Options", "Content-Length", "X-Content-Type-Options", "Referrer-Policy"])
        #expect(headers.first { $0.name == "Content-Length" }?.value == "6")
        #expect(headers.first { $0.name == "Content-Type" }?.value == "text/plain; charset=utf-8")
    }

    @Test func theDatabaseIsCreatedAndSeededOnFirstStartOnly() throws {
        #expect(try teacherCount() == 200)
        #expect(FileManager.default.fileExists(atPath: project.file("db.sqlite3")))
        let second = Caller(app: try TeacherApplication(context: AppContext(projectDirectory: project.folder.path)))
        _ = try second.call("POST", "/api/teachers", body: Array(#"{"name":"N","subject":"S","email":"n@s.io"}"#.utf8))
        let third = Caller(app: try TeacherApplication(context: AppContext(projectDirectory: project.folder.path)))
        let count = try (JSONSerialization.jsonObject(with: Data(third.call("GET", "/api/teachers?limit=1000").body.utf8))
            as! [String: Any])["count"] as! Int
        #expect(count == 201, "reopening an existing database does not seed it again")
    }

    @Test func processesStartingTogetherSeedOnce() throws {
        let fresh = try TeacherProject()
        defer { withExtendedLifetime(fresh) {} }
        let failures = Locked<[String]>([])
        let path = fresh.folder.path
        let threads = (0..<4).map { _ in
            Thread {
                do { _ = try TeacherApplication(context: AppContext(projectDirectory: path)) } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
        }
        threads.forEach { $0.start() }
        while threads.contains(where: { !$0.isFinished }) { usleep(5_000) }
        #expect(failures.withLock { $0 }.isEmpty)
        let app = Caller(app: try TeacherApplication(context: AppContext(projectDirectory: fresh.folder.path)))
        #expect(try app.call("GET", "/api/teachers?limit=1000").body.hasPrefix("{\"count\": 200,"))
    }

    @Test func theIndexPageListsTeachersFromTheDatabase() throws {
        let (status, headers, body) = try caller.call("GET", "/")
        #expect(status == 200)
        #expect(headers.first { $0.name == "Content-Type" }?.value == "text/html; charset=utf-8")
        #expect(body.contains("200 teachers on staff; the first 50 by id"))
        #expect(body.components(separatedBy: "<tr><td>").count - 1 == 50)
        #expect(body.contains("<td>Ada Alvarez</td>"))
        #expect(body.contains("<td>Élodie Brandt</td>"))
        #expect(body.contains("href=\"/static/css/app.css\""))
    }

    @Test func theTemplateEscapesWhatTheDatabaseHolds() throws {
        _ = try caller.call("POST", "/api/teachers", body: Array(#"{"name":"<b>X</b>","subject":"S","email":"x@y.io"}"#.utf8))
        let listed = try caller.call("GET", "/api/teachers?limit=1000").body
        #expect(listed.contains(#""name": "<b>X</b>""#))
        // Only the first 50 rows are on the page; the escaping shows on a project with fewer rows.
        let small = try TeacherProject(extraSettings: "")
        try Data("[]".utf8).write(to: URL(fileURLWithPath: small.file("seed/teachers.json")))
        let app = Caller(app: try TeacherApplication(context: AppContext(projectDirectory: small.folder.path)))
        _ = try app.call("POST", "/api/teachers", body: Array(#"{"name":"<b>X</b>","subject":"S","email":"x@y.io"}"#.utf8))
        #expect(try app.call("GET", "/").body.contains("<td>&lt;b&gt;X&lt;/b&gt;</td>"))
    }

    @Test func theAPIListsAsJSONWithALimit() throws {
        let (status, headers, body) = try caller.call("GET", "/api/teachers?limit=3")
        #expect(status == 200)
        #expect(headers.first { $0.name == "Content-Type" }?.value == "application/json")
        let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as! [String: Any]
        let teachers = object["teachers"] as! [[String: Any]]
        #expect(object["count"] as? Int == 3)
        #expect(teachers.map { $0["id"] as! Int } == [1, 2, 3])
        #expect(Set(teachers[0].keys) == ["id", "name", "subject", "email", "years"])
        #expect(try caller.call("GET", "/api/teachers").body.hasPrefix("{\"count\": 20,"), "default limit 20")
        #expect(body.contains(#"{"email": "ada.alvarez0@school.example", "id": 1, "name": "Ada Alvarez""#),
                "json.dumps layout: sorted keys, ', ' and ': '")
    }

    @Test(arguments: ["limit=0", "limit=1001", "limit=abc", "limit=", "limit=-5"])
    func aBadLimitIs400(query: String) throws {
        let (status, _, body) = try caller.call("GET", "/api/teachers?\(query)")
        #expect(status == 400)
        #expect(body.contains("limit must be a whole number from 1 to 1000"))
    }

    @Test func postingATeacherInsertsIt() throws {
        let (status, _, body) = try caller.call(
            "POST", "/api/teachers", body: Array(#"{"name": "Grace Hopper", "subject": "Computer Science", "email": "grace@navy.mil", "years": 40}"#.utf8))
        #expect(status == 201)
        #expect(body == #"{"email": "grace@navy.mil", "id": 201, "name": "Grace Hopper", "subject": "Computer Science", "years": 40}"#)
        #expect(try teacherCount() == 201)
        #expect(try caller.call("GET", "/api/teachers?limit=1000").body.contains("Grace Hopper"))
    }

    @Test(arguments: [
        ("not json", "body is not valid JSON"),
        ("[1, 2]", "body must be a JSON object"),
        (#"{"subject": "S", "email": "a@b.c"}"#, #"missing field "name""#),
        (#"{"name": 5, "subject": "S", "email": "a@b.c"}"#, #"field "name" has the wrong type"#),
        (#"{"name": "", "subject": "S", "email": "a@b.c"}"#, #"field "name" must be 1 to 100 characters"#),
        (#"{"name": "N", "subject": "S", "email": "nope"}"#, #"field "email" must be an email address"#),
        (#"{"name": "N", "subject": "S", "email": "a@b.c", "years": 300}"#, #"field "years" must be between 0 and 80"#),
        (#"{"name": "N", "subject": "S", "email": "a@b.c", "years": true}"#, #"field "years" has the wrong type"#),
        ("", "body is not valid JSON"),
    ])
    func invalidTeachersAre400AndNotInserted(body: String, problem: String) throws {
        let (status, _, answer) = try caller.call("POST", "/api/teachers", body: Array(body.utf8))
        #expect(status == 400)
        #expect(answer == "{\"error\": \"\(problem.replacingOccurrences(of: "\"", with: "\\\""))\"}")
        #expect(try teacherCount() == 200)
    }

    @Test func anOversizedTeacherBodyIs400() throws {
        let body = Array(("{\"name\": \"" + String(repeating: "x", count: 70_000) + "\"}").utf8)
        let (status, _, answer) = try caller.call("POST", "/api/teachers", body: body)
        #expect(status == 400)
        #expect(answer == "{\"error\": \"request body larger than 65536 bytes\"}")
    }

    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        (String(repeating: "a", count: 1_000_000), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
    ])
    func uploadAnswersTheByteCountAndSHA256(body: String, digest: String) throws {
        let (status, _, answer) = try caller.call("POST", "/upload", body: Array(body.utf8))
        #expect(status == 200)
        #expect(answer == "{\"bytes\": \(body.utf8.count), \"sha256\": \"\(digest)\"}")
    }

    @Test func workBurnsCPUAndSleepBlocks() throws {
        let cpuBefore = CPUUsage.currentProcess()
        #expect(try caller.call("GET", "/work?ms=40").body == "worked 40 ms\n")
        let cpu = CPUUsage.currentProcess().since(cpuBefore).totalMicroseconds
        #expect(cpu >= 35_000, "CPU used: \(cpu) µs")
        let start = monotonicNanoseconds()
        #expect(try caller.call("GET", "/sleep?ms=60").body == "slept 60 ms\n")
        #expect(monotonicNanoseconds() - start >= 60_000_000)
        #expect(try caller.call("GET", "/sleep?ms=-1").status == 400)
        #expect(try caller.call("GET", "/work?ms=99999999").status == 400)
    }

    @Test func unknownPathsAre404AndWrongMethods405() throws {
        let (status, _, body) = try caller.call("GET", "/nope")
        #expect(status == 404)
        #expect(body.contains("Not Found"))
        let (wrong, headers, _) = try caller.call("DELETE", "/api/teachers")
        #expect(wrong == 405)
        #expect(headers.first { $0.name == "Allow" }?.value == "GET, POST")
        #expect(try caller.call("GET", "/upload").status == 405)
        #expect(try caller.call("HEAD", "/hello").status == 200, "GET views answer HEAD")
        #expect(caller.log.text.contains("Not Found: /nope"))
        #expect(caller.log.text.contains("Method Not Allowed (DELETE): /api/teachers"))
    }

    @Test func anAppErrorIs500LoggedAndTheAppServesOn() throws {
        let (status, _, body) = try caller.call("GET", "/error")
        #expect(status == 500)
        #expect(body == "<h1>Server Error (500)</h1>")
        #expect(caller.log.text.contains("Internal Server Error: /error"))
        #expect(caller.log.text.contains("deliberate failure"))
        #expect(try caller.call("GET", "/hello").status == 200)
    }

    @Test func aDisallowedHostIs400() throws {
        let (status, _, _) = try caller.call("GET", "/hello", host: "evil.com")
        #expect(status == 400)
        #expect(caller.log.text.contains("Invalid HTTP_HOST header: 'evil.com'. You may need to add 'evil.com' to ALLOWED_HOSTS."))
        #expect(try caller.call("GET", "/hello", host: "localhost:8000").status == 200)
    }

    @Test func badProjectsFailToLoadNamingTheSetting() throws {
        let noDatabase = try TeacherProject()
        try Data("DEBUG: true\nTEMPLATE_DIRS: [templates]\n".utf8).write(to: URL(fileURLWithPath: noDatabase.settingsPath))
        #expect {
            _ = try TeacherApplication(context: AppContext(projectDirectory: noDatabase.folder.path))
        } throws: { "\($0)".contains("DATABASE: the teacher app needs a database") }

        let badSeed = try TeacherProject()
        try Data("[{\"name\": 1}]".utf8).write(to: URL(fileURLWithPath: badSeed.file("seed/teachers.json")))
        #expect {
            _ = try TeacherApplication(context: AppContext(projectDirectory: badSeed.folder.path))
        } throws: { "\($0)".contains("settings.yml:9: error: INITIAL_DATA:") }

        let noTemplate = try TeacherProject()
        try FileManager.default.removeItem(atPath: noTemplate.file("templates/index.html"))
        #expect {
            _ = try TeacherApplication(context: AppContext(projectDirectory: noTemplate.folder.path))
        } throws: { "\($0)".contains("TEMPLATE_DIRS: no index.html in") }
    }
}
