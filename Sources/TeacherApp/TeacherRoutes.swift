import BenchSupport
import Foundation
import WSGI

/// The URLconf: path → allowed methods → view. GET views also answer HEAD, as Django's do.
struct TeacherRoutes {
    struct Route: Sendable {
        let allowedMethods: [String]
        let handler: @Sendable (TeacherApplication, Request) throws -> Response

        func accepts(_ method: String) -> Bool {
            allowedMethods.contains(method) || method == "HEAD" && allowedMethods.contains("GET")
        }
    }

    static func route(for path: String) -> Route? { table[path] }

    private static let table: [String: Route] = [
        "/hello": Route(allowedMethods: ["GET"]) { _, _ in Responses.text(200, "hello\n") },
        "/": Route(allowedMethods: ["GET"]) { app, _ in try index(app) },
        "/api/teachers": Route(allowedMethods: ["GET", "POST"]) { app, request in
            request.environ.method == "POST" ? try createTeacher(app, request) : try listTeachers(app, request)
        },
        "/upload": Route(allowedMethods: ["POST"]) { _, request in try upload(request) },
        "/work": Route(allowedMethods: ["GET"]) { _, request in try work(request) },
        "/sleep": Route(allowedMethods: ["GET"]) { _, request in try sleep(request) },
        "/error": Route(allowedMethods: ["GET"]) { _, _ in throw DeliberateFailure() },
    ]

    /// How many teachers the index page lists.
    static let indexPageSize = 50

    private static func index(_ app: TeacherApplication) throws -> Response {
        let teachers = try app.store.list(limit: indexPageSize)
        let page = app.indexTemplate.render([
            "teachers": teachers.map(\.templateValues),
            "count": try app.store.count(),
            "shown": teachers.count,
            "static_url": app.settings.staticURL,
        ] as [String: Any])
        return Responses.make(200, Responses.html, Array(page.utf8))
    }

    private static func listTeachers(_ app: TeacherApplication, _ request: Request) throws -> Response {
        let limit = try integerParameter("limit", in: request, default: 20, range: 1...1000)
        let teachers = try app.store.list(limit: limit)
        var json = JSONText(capacity: 64 + teachers.count * 120)
        json.object(["count", "teachers"]) { json, key in
            if key == "count" { json.number(Int64(teachers.count)); return }
            json.raw("[")
            for (index, teacher) in teachers.enumerated() {
                if index > 0 { json.raw(", ") }
                teacher.write(to: &json)
            }
            json.raw("]")
        }
        return Responses.json(200, json)
    }

    private static func createTeacher(_ app: TeacherApplication, _ request: Request) throws -> Response {
        let body = try request.input.readAll(limit: 64 * 1024)
        let teacher = try app.store.insert(NewTeacher.parse(body).get())
        var json = JSONText()
        teacher.write(to: &json)
        return Responses.json(201, json)
    }

    private static func upload(_ request: Request) throws -> Response {
        var hash = SHA256()
        let count = try request.input.forEachChunk { hash.update($0) }
        let digest = hash.finalizeHex()
        var json = JSONText()
        json.object(["bytes", "sha256"]) { json, key in
            if key == "bytes" { json.number(Int64(count)) } else { json.string(digest) }
        }
        return Responses.json(200, json)
    }

    /// Burns `ms` milliseconds of this thread's CPU time (not wall time, so a busy machine does not shorten it).
    private static func work(_ request: Request) throws -> Response {
        let milliseconds = try integerParameter("ms", in: request, default: 10, range: 0...60_000)
        let budget = Int64(milliseconds) * 1_000_000
        let start = threadCPUNanoseconds()
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        while threadCPUNanoseconds() - start < budget {
            for _ in 0..<2_000 {
                state ^= state << 13
                state ^= state >> 7
                state ^= state << 17
            }
        }
        withExtendedLifetime(state) {}
        return Responses.text(200, "worked \(milliseconds) ms\n")
    }

    private static func sleep(_ request: Request) throws -> Response {
        let milliseconds = try integerParameter("ms", in: request, default: 10, range: 0...3_600_000)
        sleepUntil(monotonicNanoseconds: monotonicNanoseconds() + UInt64(milliseconds) * 1_000_000)
        return Responses.text(200, "slept \(milliseconds) ms\n")
    }

    private static func integerParameter(_ name: String, in request: Request, default value: Int,
                                         range: ClosedRange<Int>) throws -> Int {
        guard let text = request.environ.queryParameter(name) else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw InvalidInput("\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), got \"\(text)\"")
        }
        return number
    }

    private static func threadCPUNanoseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }
}

/// The failure `GET /error` raises on purpose: the probe for "an app error is a 500 and the server keeps serving".
struct DeliberateFailure: Error, CustomStringConvertible {
    var description: String { "deliberate failure requested by GET /error" }
}
