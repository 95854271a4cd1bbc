/// PythonHost: CPython embedded in a stackbench server, as uWSGI's python plugin embeds it, so the pool and the dev
/// server run the user's own WSGI app (a Django project) where they would otherwise run an app compiled in.
///
/// Owns: starting the interpreter once per process (home or venv, `sys.path` with `chdir` and `pythonpath` first,
/// no Python signal handlers), importing the app (`module`, `callable`, `wsgi-file`), a thread state per server
/// thread with the GIL released whenever the thread is not running Python, the fork protocol (`PyOS_BeforeFork`
/// and after) for workers forked from a master that imported the app, and WSGI itself (PEP 3333 as uWSGI gives it):
/// the environ, `wsgi.input`, `start_response` with `exc_info`, `write()`, iteration, `close()`, `wsgi.file_wrapper`.
/// Must not: know sockets, the uwsgi packet or HTTP; it is an `Application` like the apps compiled in.
/// Mirrors: uWSGI 2.0.21's plugins/python (python_plugin.c, wsgi_handlers.c, wsgi_subhandler.c, pyloader.c).
import BenchSupport
import CPython
import Glibc

/// The interpreter of this process: started once, its main thread state kept while the GIL is released.
public enum PythonRuntime {
    /// Where Python finds its home and the app's modules.
    @PublicInit
    public struct Settings: Sendable, Equatable {
        /// uWSGI's `home`/`virtualenv`/`venv`: a PEP 405 venv (a folder with `pyvenv.cfg`) or a Python home.
        public var home: String?
        /// uWSGI's `pythonpath` entries, first on `sys.path` in this order, before the working directory.
        public var pythonPath: [String]
    }

    /// The main thread's state while the GIL is released (nil before start and while the main thread holds it).
    nonisolated(unsafe) private static var mainState: UnsafeMutablePointer<PyThreadState>?
    nonisolated(unsafe) private static var startedSettings: Settings?

    /// Whether the interpreter runs in this process.
    public static var isStarted: Bool { startedSettings != nil }

    /// Starts the interpreter (once; a second call with other settings fails) and leaves the GIL released.
    /// Logs uWSGI's lines through `log`.
    public static func start(_ settings: Settings, log: (String) -> Void) throws {
        if let startedSettings {
            guard startedSettings == settings else { throw PythonError("Python already runs here with another home or pythonpath") }
            return
        }
        var executable: String?
        var home: String?
        if let folder = settings.home {
            var status = stat()
            guard stat(folder, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else {
                throw PythonError("home \(folder) is not a folder")
            }
            if access(folder + "/pyvenv.cfg", F_OK) == 0 {
                // A venv: Python reads pyvenv.cfg beside its executable's folder and takes the venv's site-packages.
                executable = ["python3", "python"].map { folder + "/bin/" + $0 }
                    .first { access($0, X_OK) == 0 } ?? folder + "/bin/python3"
            } else {
                home = folder
            }
            log("Set PythonHome to \(folder)")
        }
        if let failure = sb_python_start(executable, home) {
            defer { free(failure) }
            throw PythonError("Python failed to start: \(String(cString: failure))")
        }
        startedSettings = settings
        let version = String(cString: Py_GetVersion()).split(separator: "\n").joined(separator: " ")
        log("Python version: \(version)")
        var directory = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let workingDirectory = getcwd(&directory, directory.count) != nil
            ? directory.withUnsafeBufferPointer { String(cString: $0.baseAddress!) } : "."
        try StackbenchModule.install(pythonPath: settings.pythonPath + [workingDirectory])
        log("Python main interpreter initialized at \(String(describing: PyInterpreterState_Main()!))")
        mainState = PyEval_SaveThread()
    }

    /// Runs `body` on the main thread's state, holding the GIL (start-up, the app's import, forks).
    static func withMainThread<T>(_ body: () throws -> T) rethrows -> T {
        guard let state = mainState else { return try body() }
        PyEval_RestoreThread(state)
        mainState = nil
        defer { mainState = PyEval_SaveThread() }
        return try body()
    }

    /// Call before fork(2) in a process that runs Python: takes the GIL and Python's fork locks.
    public static func prepareFork() {
        guard isStarted, let state = mainState else { return }
        mainState = nil
        PyEval_RestoreThread(state)
        freezeCollector()
        PyOS_BeforeFork()
    }

    /// `gc.freeze()`: the objects the app made before the fork move to the collector's permanent generation, so a
    /// worker's collections never write to them and their pages stay shared with the master (Python's own advice
    /// for processes forked without exec). Objects made after the fork are collected as ever.
    private static func freezeCollector() {
        guard let gc = PyImport_ImportModule("gc") else { return PyErr_Clear() }
        defer { Py_DecRef(gc) }
        guard let freeze = PyObject_GetAttrString(gc, "freeze") else { return PyErr_Clear() }
        defer { Py_DecRef(freeze) }
        guard let frozen = PyObject_CallNoArgs(freeze) else { return PyErr_Clear() }
        Py_DecRef(frozen)
    }

    /// Call after fork(2) in the parent (`child: false`) or the new process: Python's state is made whole for
    /// the process that continues (in the child, only the forking thread exists), and the GIL released.
    public static func finishFork(child: Bool) {
        guard isStarted, mainState == nil else { return }
        if child { PyOS_AfterFork_Child() } else { PyOS_AfterFork_Parent() }
        mainState = PyEval_SaveThread()
    }

    /// The interpreter every thread state belongs to.
    static var interpreter: OpaquePointer { PyInterpreterState_Main() }
}

/// Python could not start or load the app; the message is one line, the traceback (if any) already logged.
public struct PythonError: Error, CustomStringConvertible {
    public let description: String

    init(_ description: String) { self.description = description }
}
