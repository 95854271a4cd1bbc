import Testing
import WSGI

@Suite struct EnvironTests {
    static let sample = Environ([
        ("REQUEST_METHOD", "POST"), ("PATH_INFO", "/api/teachers"), ("QUERY_STRING", "limit=5&name=J%C3%BCrgen+K&flag"),
        ("CONTENT_TYPE", "application/json"), ("CONTENT_LENGTH", "12"), ("HTTP_HOST", "localhost:8000"),
        ("HTTP_X_ID", "1"), ("HTTP_X_ID", "2"), ("SERVER_NAME", "example"),
    ])

    @Test func typedAccessorsReadTheCGIVariables() {
        let environ = Self.sample
        #expect(environ.method == "POST")
        #expect(environ.pathInfo == "/api/teachers")
        #expect(environ.contentLength == 12)
        #expect(environ.contentType == "application/json")
        #expect(environ.host == "localhost:8000")
        #expect(environ.header("Content-Type") == "application/json")
        #expect(environ.header("x-id") == "1", "the first of nginx's duplicate variables wins")
        #expect(environ.entries.filter { $0.name == "HTTP_X_ID" }.count == 2, "duplicates survive")
    }

    @Test func queryParametersAreDecodedAsFormFields() {
        #expect(Self.sample.queryParameter("limit") == "5")
        #expect(Self.sample.queryParameter("name") == "Jürgen K")
        #expect(Self.sample.queryParameter("flag") == "")
        #expect(Self.sample.queryParameter("missing") == nil)
    }

    @Test func absentOrBadValuesHaveSafeDefaults() {
        let environ = Environ([("CONTENT_LENGTH", "-3"), ("SERVER_NAME", "srv")])
        #expect(environ.method == "GET")
        #expect(environ.pathInfo == "/")
        #expect(environ.contentLength == nil)
        #expect(environ.host == "srv")
        #expect(Environ([("CONTENT_LENGTH", "")]).contentLength == nil)
    }

    @Test(arguments: [
        ("/plain", "/plain"), ("/a%20b", "/a b"), ("/%E4%BD%A0", "/你"), ("/a+b", "/a+b"),
        ("/100%", "/100%"), ("/%zz", "/%zz"), ("/%2e%2e/x", "/../x"), ("/%ff", "/\u{ff}"),
    ])
    func pathDecodingIsLenientAndKeepsBytes(raw: String, decoded: String) {
        var environ = Environ()
        environ.append("PATH_INFO", bytes: PercentDecoding.decodePathBytes(raw))
        #expect(environ.pathInfo == decoded)
    }

    @Test func anAdoptedBlockIsReadInPlaceAndItsBytesHandedOutAsReceived() {
        // name, value, name, value, name, value as a uwsgi block holds them: a byte that is not UTF-8 in one value.
        let block: [UInt8] = Array("PATH_INFO/caf".utf8) + [0xE9] + Array("HTTP_X_IDoneHTTP_X_IDtwo".utf8)
        var environ = Environ(adopting: block, capacity: 3)
        environ.appendStored(name: 0..<9, value: 9..<14)
        environ.appendStored(name: 14..<23, value: 23..<26)
        environ.appendStored(name: 26..<35, value: 35..<38)
        environ.append("wsgi.url_scheme", "http")
        #expect(environ.count == 4)
        #expect(environ.pathInfo == "/caf\u{e9}", "not UTF-8: each byte a Latin-1 character")
        #expect(environ["HTTP_X_ID"] == "one", "the first of a repeated name wins")
        #expect(environ["wsgi.url_scheme"] == "http")
        #expect(environ["PATH"] == nil && environ["PATH_INFOX"] == nil)
        var seen: [[UInt8]] = []
        environ.forEachBytes { name, value in seen.append(Array(name) + [0] + Array(value)) }
        #expect(seen.first == Array("PATH_INFO".utf8) + [0] + Array("/caf".utf8) + [0xE9])
        #expect(seen.count == 4 && seen[2] == Array("HTTP_X_ID".utf8) + [0] + Array("two".utf8))
        #expect(environ.variables.map(\.name) == ["PATH_INFO", "HTTP_X_ID", "HTTP_X_ID", "wsgi.url_scheme"])
    }

    @Test(arguments: [("Content-Type", "CONTENT_TYPE"), ("content-length", "CONTENT_LENGTH"),
                      ("X-Forwarded-For", "HTTP_X_FORWARDED_FOR"), ("Host", "HTTP_HOST")])
    func headerNamesBecomeCGINames(header: String, variable: String) {
        #expect(Environ.variableName(forHeader: header) == variable)
    }
}

@Suite struct BodyInputTests {
    @Test func readAllStopsAtTheLimit() throws {
        let input = BytesInput(Array(repeating: 7, count: 100))
        #expect(throws: BodyInputError.tooLarge(limit: 99)) { try input.readAll(limit: 99) }
        #expect(try BytesInput(Array(repeating: 7, count: 100)).readAll(limit: 100).count == 100)
    }

    @Test func chunksArriveInOrderAndAreCounted() throws {
        let bytes = (0..<200_000).map { UInt8(truncatingIfNeeded: $0) }
        var seen: [UInt8] = []
        let count = try BytesInput(bytes).forEachChunk { seen.append(contentsOf: $0) }
        #expect(count == bytes.count)
        #expect(seen == bytes)
    }
}

@Suite struct AppRegistryTests {
    struct Echo: Application {
        func handle(_ request: Request) throws -> Response { Response(status: 200) }
    }

    static let registry = AppRegistry([
        .init(module: "teacher.wsgi") { _ in Echo() },
        .init(module: "other.app", callable: "app") { _ in Echo() },
    ])

    @Test(arguments: ["teacher.wsgi:application", "teacher.wsgi", "teacher.wsgi.application", " teacher.wsgi:application "])
    func uwsgiAndDjangoSpellingsFindTheApp(name: String) throws {
        #expect(try Self.registry.entry(named: name).module == "teacher.wsgi")
    }

    @Test func theCallableMustMatch() throws {
        #expect(try Self.registry.entry(named: "other.app:app").callable == "app")
        #expect(throws: UnknownAppError.self) { try Self.registry.entry(named: "other.app") }
    }

    @Test func anUnknownModuleListsTheKnownOnes() {
        #expect {
            _ = try Self.registry.entry(named: "mysite.wsgi:application")
        } throws: { error in
            "\(error)" == "unknown app module \"mysite.wsgi:application\"; known: teacher.wsgi:application, other.app:app"
        }
    }

    @Test func theResponseReasonDefaultsToTheStandardPhrase() {
        #expect(Response(status: 404).reason == "Not Found")
        #expect(Response(status: 201).reason == "Created")
        #expect(Response(status: 299).reason == "Unknown")
        #expect(Response(status: 200, headers: [("Content-Type", "x")]).header("content-type") == "x")
    }
}
