import CPython
import Glibc

/// `_stackbench`, the module this process's WSGI plumbing lives in: `Input` (`wsgi.input`) and `FileWrapper`
/// (`wsgi.file_wrapper`) written in Python, and the functions that reach the server, written in Swift:
/// `start_response` and `write` (bound to a server thread), `_read` and `_readline` (the request body, read with the
/// GIL released), and `_load_file` (a `wsgi-file`), `_django_runserver` (what Django's runserver serves).
enum StackbenchModule {
    static let name = "_stackbench"

    static let source = #"""
import importlib, importlib.util, os, re, sys

class Input:
    """wsgi.input: the request body up to CONTENT_LENGTH, read from the post-buffer or the socket."""
    __slots__ = ('_thread',)

    def __init__(self, thread):
        self._thread = thread

    def read(self, size=-1):
        return _read(self._thread, -1 if size is None else size)

    def readline(self, size=-1):
        return _readline(self._thread, -1 if size is None else size)

    def readlines(self, hint=-1):
        lines, total = [], 0
        while True:
            line = _readline(self._thread, -1)
            if not line:
                return lines
            lines.append(line)
            total += len(line)
            if hint is not None and 0 < hint <= total:
                return lines

    def __iter__(self):
        return self

    def __next__(self):
        line = _readline(self._thread, -1)
        if not line:
            raise StopIteration
        return line

    def close(self):
        pass


class FileWrapper:
    """wsgi.file_wrapper: a file the server sends with sendfile when it has a fileno(), else reads in blocks."""

    def __init__(self, filelike, blksize=8192):
        self.filelike = filelike
        self.blksize = blksize
        if hasattr(filelike, 'close'):
            self.close = filelike.close

    def __iter__(self):
        return self

    def __next__(self):
        data = self.filelike.read(self.blksize)
        if data:
            return data
        raise StopIteration


def _load_file(wsgi_file):
    """A wsgi-file as uWSGI loads it: a module named uwsgi_file_<path>."""
    name = 'uwsgi_file_' + re.sub(r'[^A-Za-z0-9]', '_', os.path.splitext(wsgi_file)[0])
    spec = importlib.util.spec_from_file_location(name, wsgi_file)
    if spec is None:
        raise ImportError('cannot load %s' % wsgi_file)
    loaded = importlib.util.module_from_spec(spec)
    sys.modules[name] = loaded
    spec.loader.exec_module(loaded)
    return loaded


def _django_runserver(use_static_handler, insecure):
    """The app Django's runserver serves: settings.WSGI_APPLICATION, behind staticfiles' StaticFilesHandler when
    static files are served (DEBUG or --insecure, and not --nostatic), after runserver's own refusal."""
    import django
    django.setup()
    from django.conf import settings
    from django.core.servers.basehttp import get_internal_wsgi_application
    if not settings.DEBUG and not settings.ALLOWED_HOSTS:
        raise RuntimeError('CommandError: You must set settings.ALLOWED_HOSTS if DEBUG is False.')
    app = get_internal_wsgi_application()
    if (use_static_handler and (settings.DEBUG or insecure)
            and 'django.contrib.staticfiles' in settings.INSTALLED_APPS):
        from django.contrib.staticfiles.handlers import StaticFilesHandler
        app = StaticFilesHandler(app)
    return app


def _put_first_on_path(entries):
    for entry in reversed(entries):
        if entry in sys.path:
            sys.path.remove(entry)
        sys.path.insert(0, entry)
"""#

    nonisolated(unsafe) private(set) static var module: PyPointer!
    nonisolated(unsafe) private(set) static var inputType: PyPointer!
    nonisolated(unsafe) private(set) static var fileWrapperType: PyPointer!
    nonisolated(unsafe) private(set) static var startResponseMethod: UnsafeMutablePointer<PyMethodDef>!
    nonisolated(unsafe) private(set) static var writeMethod: UnsafeMutablePointer<PyMethodDef>!

    /// Creates the module in `sys.modules` and puts `pythonPath` first on `sys.path`; holding the GIL.
    static func install(pythonPath: [String]) throws {
        guard let created = PyImport_AddModule(name), let globals = PyModule_GetDict(created) else {
            throw failure("cannot create the \(name) module")
        }
        module = created
        Py_IncRef(created)
        PyDict_SetItemString(globals, "__builtins__", PyEval_GetBuiltins())
        let functions: [(String, PyCFunction)] = [("_read", readFunction), ("_readline", readlineFunction)]
        for (function, implementation) in functions {
            let definition = sb_py_method(strdup(function), implementation, METH_VARARGS)
            guard let object = PyCFunction_NewEx(definition, nil, nil) else { throw failure("cannot create \(function)") }
            PyDict_SetItemString(globals, function, object)
            Py_DecRef(object)
        }
        startResponseMethod = sb_py_method(strdup("start_response"), PythonThread.startResponseFunction, METH_VARARGS)
        writeMethod = sb_py_method(strdup("write"), PythonThread.writeFunction, METH_VARARGS)
        guard let result = PyRun_StringFlags(source, Py_file_input, globals, globals, nil) else {
            throw failure("cannot run the \(name) module")
        }
        Py_DecRef(result)
        inputType = PyDict_GetItemString(globals, "Input")
        fileWrapperType = PyDict_GetItemString(globals, "FileWrapper")
        let paths = pythonPath.compactMap { Py.string($0) }
        guard let list = PyList_New(0) else { throw failure("cannot list sys.path entries") }
        defer { Py_DecRef(list) }
        for path in paths {
            PyList_Append(list, path)
            Py_DecRef(path)
        }
        try call("_put_first_on_path", [list])
    }

    /// Calls the module's function `function` with `arguments` (borrowed); returns its result (a new reference).
    @discardableResult
    static func call(_ function: String, _ arguments: [PyPointer]) throws -> PyPointer {
        guard let callable = PyObject_GetAttrString(module, function) else { throw failure("no \(function)") }
        defer { Py_DecRef(callable) }
        arguments.forEach { Py_IncRef($0) }
        guard let tuple = Py.tuple(arguments) else { throw failure("cannot call \(function)") }
        defer { Py_DecRef(tuple) }
        guard let result = PyObject_Call(callable, tuple, nil) else { throw PythonCallFailed() }
        return result
    }

    private static func failure(_ message: String) -> PythonError {
        Py.printException()
        return PythonError(message)
    }

    /// `_read(thread, size)`: up to `size` bytes of the body (all that is left when negative).
    private static let readFunction: PyCFunction = { _, arguments in
        guard let (thread, size) = PythonThread.threadAndSize(arguments) else { return nil }
        return thread.readBody(size: size)
    }

    /// `_readline(thread, size)`: up to and including the next newline, at most `size` bytes when not negative.
    private static let readlineFunction: PyCFunction = { _, arguments in
        guard let (thread, size) = PythonThread.threadAndSize(arguments) else { return nil }
        return thread.readBodyLine(size: size)
    }
}

/// A Python call raised; the exception is still set for the caller to print or pass on.
struct PythonCallFailed: Error {}
