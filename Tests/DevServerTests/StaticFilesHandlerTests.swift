@testable import DevServer
import Foundation
import ServerCore
import StackConfig
import StackbenchTesting
import Testing
import WSGI

@Suite struct StaticFilesHandlerTests {
    struct Inner: Application {
        func handle(_ request: Request) throws -> Response { Response(status: 299, body: .bytes(Array("app".utf8))) }
    }

    final class NullLog: ErrorLog { func write(_ line: String) {} }

    let folder: TemporaryFolder
    let handler: StaticFilesHandler

    init() throws {
        folder = try TemporaryFolder()
        for (path, contents) in ["static/css/app.css": "body{}", "static/data.json.gz": "gz", "vendor/lib.js": "lib"] {
            let full = folder.file(path)
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try Data(contents.utf8).write(to: URL(fileURLWithPath: full))
        }
        try Data("secret".utf8).write(to: URL(fileURLWithPath: folder.file("secret.txt")))
        let settings = try ProjectSettings.parse("STATICFILES_DIRS: [static, [v, vendor]]\n", file: folder.file("settings.yml"))
        handler = StaticFilesHandler(app: Inner(), settings: settings)
    }

    func get(_ path: String, headers: [(String, String)] = []) throws -> (Response, String) {
        var environ = Environ([("REQUEST_METHOD", "GET"), ("PATH_INFO", path)])
        for (name, value) in headers { environ.append(Environ.variableName(forHeader: name), value) }
        let response = try handler.handle(Request(environ: environ, input: BytesInput(), errors: NullLog()))
        var body: [UInt8] = []
        switch response.body {
        case .bytes(let bytes): body = bytes
        case .chunks(let source):
            while let chunk = try source.nextChunk() { body += chunk }
            source.close()
        case .file: Issue.record("runserver never sends files with sendfile")
        }
        return (response, String(decoding: body, as: UTF8.self))
    }

    @Test func aStaticFileIsServedWithDjangosHeaders() throws {
        let (response, body) = try get("/static/css/app.css")
        #expect(response.status == 200)
        #expect(body == "body{}")
        #expect(response.header("Content-Type") == "text/css")
        #expect(response.header("Content-Length") == "6")
        #expect(response.header("Content-Disposition") == "inline; filename=\"app.css\"")
        #expect(response.header("Last-Modified") != nil)
        #expect(response.header("ETag") == nil && response.header("X-Frame-Options") == nil)
        let (prefixed, lib) = try get("/static/v/lib.js")
        #expect(prefixed.status == 200 && lib == "lib")
        let (encoded, _) = try get("/static/data.json.gz")
        #expect(encoded.header("Content-Encoding") == "gzip")
    }

    @Test func ifModifiedSinceGives304() throws {
        let (first, _) = try get("/static/css/app.css")
        let (again, body) = try get("/static/css/app.css", headers: [("If-Modified-Since", first.header("Last-Modified")!)])
        #expect(again.status == 304 && body.isEmpty)
        let (older, _) = try get("/static/css/app.css", headers: [("If-Modified-Since", "Thu, 01 Jan 1970 00:00:00 GMT")])
        #expect(older.status == 200)
    }

    @Test(arguments: [
        ("/static/nope.css", 404, "could not be found"),
        ("/static/css/", 404, "Directory indexes are not allowed here."),
        ("/static/css", 404, "Directory indexes are not allowed here."),
        ("/static/", 404, "Directory indexes are not allowed here."),
        ("/static/../secret.txt", 400, "outside of the base path"),
        ("/static/css/../../secret.txt", 400, "outside of the base path"),
        ("/static//etc/passwd", 404, "could not be found"),
    ])
    func missingAndEscapingPathsAreRefused(path: String, status: Int, message: String) throws {
        let (response, body) = try get(path)
        #expect(response.status == status)
        #expect(body.contains(message), "\(body)")
        #expect(!body.contains("secret"))
    }

    @Test func otherPathsGoToTheApp() throws {
        let (response, body) = try get("/staticky/x")
        #expect(response.status == 299 && body == "app")
    }

    @Test(arguments: [("a/./b/../c", "a/c"), ("/x//y/", "x/y"), ("../a", "../a"), ("/../a", "a"), ("", "")])
    func normalizationIsPosixpathNormpath(path: String, normalized: String) {
        #expect(StaticFinders.normalize(path) == normalized)
    }
}
