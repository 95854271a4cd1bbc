import BenchSupport
import CPython
import Glibc
import WSGI

/// Where the app comes from, in uWSGI's terms.
public struct PythonAppSource: Sendable, Equatable {
    /// The module to import (`teacher.wsgi`), or nil with `wsgiFile`.
    public var module: String?
    /// The attribute that is the app (`application`).
    public var callable: String
    /// A file loaded as a module (`wsgi-file`), in place of `module`.
    public var wsgiFile: String?

    /// Reads uWSGI's forms: `pkg.mod:callable` (the part after `:` overrides `callable`), `pkg.mod`, or a path
    /// ending in `.py`, which uWSGI loads as a `wsgi-file`.
    public init(module: String?, callable: String = "application", wsgiFile: String? = nil) {
        self.callable = callable
        self.wsgiFile = wsgiFile
        self.module = nil
        guard wsgiFile == nil, let module else { return }
        let parts = module.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        if parts.count == 2, !parts[1].isEmpty { self.callable = parts[1] }
        if parts[0].hasSuffix(".py") { self.wsgiFile = parts[0] } else { self.module = parts[0] }
    }

    /// How uWSGI names the app in its log.
    public var description: String { wsgiFile ?? "\(module ?? ""):\(callable)" }
}

/// A Python WSGI callable as an `Application`: each request runs on the calling server thread's own thread state,
/// holding the GIL only while Python runs.
public final class PythonApplication: Application, @unchecked Sendable {  // its Python objects are touched only with the GIL held
    private let callable: PyPointer
    private let node: PyPointer
    private let version: PyPointer
    private let wsgiVersion: PyPointer
    /// `wsgi.errors`: `sys.stderr` as it was when the app was loaded (the pool's log), as uWSGI caches it per app.
    private let errors: PyPointer

    private init(callable: PyPointer) {
        self.callable = callable
        errors = PySys_GetObject("stderr") ?? sb_py_none()
        Py_IncRef(errors)
        var name = [CChar](repeating: 0, count: 256)
        gethostname(&name, name.count - 1)
        let host = name.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }.split(separator: ".").first.map(String.init) ?? ""
        node = Array(host.utf8).withUnsafeBytes { Py.bytes($0)! }
        version = Array("2.0.21-stackbench".utf8).withUnsafeBytes { Py.bytes($0)! }
        wsgiVersion = Py.tuple([PyLong_FromLong(1), PyLong_FromLong(0)])!
    }

    /// Imports the app with the interpreter already started, as uWSGI's python plugin does: a failed import (its
    /// traceback printed to the log), or no callable of that name, gives nil; the caller logs uWSGI's lines and
    /// goes on in "full dynamic mode" (every request a 500).
    public static func load(_ source: PythonAppSource) -> PythonApplication? {
        PythonRuntime.withMainThread {
            let module: PyPointer?
            if let file = source.wsgiFile {
                let path = Py.string(file)!
                module = try? StackbenchModule.call("_load_file", [path])
                Py_DecRef(path)
            } else {
                // From C, as uWSGI imports it: the traceback starts at the app's own module.
                module = PyImport_ImportModule(source.module ?? "")
            }
            guard let module else {
                Py.printException()
                return nil
            }
            defer { Py_DecRef(module) }
            guard let callable = PyObject_GetAttrString(module, source.callable) else {
                PyErr_Clear()
                return nil
            }
            guard PyCallable_Check(callable) != 0 else {
                Py_DecRef(callable)
                return nil
            }
            return PythonApplication(callable: callable)
        }
    }

    /// What Django's runserver serves for the settings module in DJANGO_SETTINGS_MODULE (already in the
    /// environment): `django.setup()`, WSGI_APPLICATION, and staticfiles' handler when static files are served.
    /// Throws a one-line error; the traceback is logged.
    public static func djangoRunserver(serveStatic: Bool, insecure: Bool) throws -> PythonApplication {
        try PythonRuntime.withMainThread {
            let flags = [sb_py_bool(serveStatic ? 1 : 0)!, sb_py_bool(insecure ? 1 : 0)!]
            guard let app = try? StackbenchModule.call("_django_runserver", flags) else {
                var message = "the Django project could not be loaded (traceback above)"
                var type: UnsafeMutablePointer<PyObject>?, value: UnsafeMutablePointer<PyObject>?, traceback: UnsafeMutablePointer<PyObject>?
                PyErr_Fetch(&type, &value, &traceback)
                if let value, let text = PyObject_Str(value) {
                    if let line = Py.swiftString(text), line.hasPrefix("CommandError: ") { message = line }
                    Py_DecRef(text)
                }
                PyErr_Restore(type, value, traceback)
                if message.hasPrefix("CommandError: ") { PyErr_Clear() } else { Py.printException() }
                throw PythonError(message)
            }
            return PythonApplication(callable: app)
        }
    }

    public func handle(_ request: Request) throws -> Response {
        let thread = PythonThread.current
        let exchange = PythonExchange(input: request.input, length: request.environ.contentLength)
        return try thread.withGIL {
            thread.exchange = exchange
            guard let environ = environ(of: request, thread: thread) else {
                thread.exchange = nil
                Py.printException()
                throw PythonAppFailed.raised
            }
            // A vectorcall: no argument tuple per request.
            let result = withUnsafeTemporaryAllocation(of: PyPointer?.self, capacity: 2) { arguments in
                arguments[0] = environ
                arguments[1] = thread.startResponse
                return PyObject_Vectorcall(callable, arguments.baseAddress, 2, nil)
            }
            Py_DecRef(environ)
            guard let result else {
                Py.printException()
                thread.exchange = nil
                // uWSGI sends what start_response had set (a bad header after a good status: the status alone).
                if let response = exchange.response(body: .bytes([])) { return response }
                throw PythonAppFailed.raised
            }
            return try PythonBody.respond(result, exchange: exchange, thread: thread)
        }
    }

    /// The environ: the server's variables (the first of a repeated name wins, as in uWSGI's dict), as native
    /// strings decoded from the received bytes as Latin-1 (PEP 3333; uWSGI's python plugin does the same), then
    /// `wsgi.*` and `uwsgi.*`. The dict is made with room for them all; the strings come from the thread's
    /// `EnvironStrings`.
    private func environ(of request: Request, thread: PythonThread) -> PyPointer? {
        guard let dictionary = sb_py_dict_presized(request.environ.count + 10) else { return nil }
        var multithread = false
        var multiprocess = false
        var failed = false
        var position = 0
        let strings = thread.environStrings
        request.environ.forEachBytes { name, value in
            defer { position += 1 }
            guard !failed else { return }
            // Only the server's own wsgi.* flags are looked at by name; the length spares the compares.
            if name.count >= 16, name.first == UInt8(ascii: "w") {
                if Self.equals(name, "wsgi.multithread") { return multithread = Self.equals(value, "True") }
                if Self.equals(name, "wsgi.multiprocess") { return multiprocess = Self.equals(value, "True") }
            }
            guard let key = strings.key(name, at: position), let text = strings.value(value, at: position) else {
                return failed = true
            }
            PyDict_SetDefault(dictionary, key, text)
            Py_DecRef(key)
            Py_DecRef(text)
        }
        if failed {
            Py_DecRef(dictionary)
            return nil
        }
        let keys = EnvironKeys.shared
        if PyDict_GetItem(dictionary, keys.urlScheme) == nil {
            PyDict_SetItem(dictionary, keys.urlScheme, keys.http)
        }
        PyDict_SetItem(dictionary, keys.version, wsgiVersion)
        PyDict_SetItem(dictionary, keys.input, thread.input)
        PyDict_SetItem(dictionary, keys.errors, errors)
        PyDict_SetItem(dictionary, keys.multithread, sb_py_bool(multithread ? 1 : 0))
        PyDict_SetItem(dictionary, keys.multiprocess, sb_py_bool(multiprocess ? 1 : 0))
        PyDict_SetItem(dictionary, keys.runOnce, sb_py_false())
        PyDict_SetItem(dictionary, keys.fileWrapper, StackbenchModule.fileWrapperType)
        PyDict_SetItem(dictionary, keys.uwsgiVersion, version)
        PyDict_SetItem(dictionary, keys.uwsgiNode, node)
        return dictionary
    }

    private static func equals(_ bytes: UnsafeRawBufferPointer, _ literal: StaticString) -> Bool {
        bytes.count == literal.utf8CodeUnitCount && memcmp(bytes.baseAddress!, literal.utf8Start, bytes.count) == 0
    }
}

/// The environ's own keys, interned once (a key made from a C string per request costs an allocation and a hash).
private struct EnvironKeys: @unchecked Sendable {  // interned Python strs, never changed, used only with the GIL held
    let urlScheme = PyUnicode_InternFromString("wsgi.url_scheme")!
    let http = PyUnicode_InternFromString("http")!
    let version = PyUnicode_InternFromString("wsgi.version")!
    let input = PyUnicode_InternFromString("wsgi.input")!
    let errors = PyUnicode_InternFromString("wsgi.errors")!
    let multithread = PyUnicode_InternFromString("wsgi.multithread")!
    let multiprocess = PyUnicode_InternFromString("wsgi.multiprocess")!
    let runOnce = PyUnicode_InternFromString("wsgi.run_once")!
    let fileWrapper = PyUnicode_InternFromString("wsgi.file_wrapper")!
    let uwsgiVersion = PyUnicode_InternFromString("uwsgi.version")!
    let uwsgiNode = PyUnicode_InternFromString("uwsgi.node")!

    /// Made on first use, holding the GIL (every use is inside a request).
    static let shared = EnvironKeys()
}

/// The app raised, or answered nothing a server can send; its traceback is in the log.
public enum PythonAppFailed: Error, CustomStringConvertible {
    case raised
    case noStartResponse
    case statusRefused

    public var description: String {
        switch self {
        case .raised: return "the app raised an exception (traceback above)"
        case .noStartResponse: return "the app returned without calling start_response()"
        case .statusRefused: return "the app's status is not a three-digit code"
        }
    }
}

/// uWSGI after an import failure ("full dynamic mode"): every request is a 500, with uWSGI's log line.
@PublicInit
public struct MissingPythonApp: Application {
    /// The server's log.
    let log: @Sendable (String) -> Void

    public func handle(_ request: Request) throws -> Response {
        log("--- no python application found, check your startup logs for errors ---")
        return Response(status: 500, headers: [("Connection", "close"), ("Content-Type", "text/plain")],
                        body: .bytes(Array("Internal Server Error".utf8)))
    }
}
