/// WSGI: the application interface every stackbench server hosts, mirroring PEP 3333.
///
/// Owns: the request (`Environ` of CGI/WSGI variables exactly as the server received them, a `BodyInput` bounded
/// by CONTENT_LENGTH, an error log), the `Response` (status, headers, and a body of bytes, chunks or a file
/// region), the `Application` protocol, and the `AppRegistry` that maps a uWSGI `module=` value to an app
/// compiled into the binary.
/// Must not: know about sockets, HTTP framing or the uwsgi packet format; those belong to the servers.
/// Mirrors: PEP 3333 as uWSGI and Django's runserver implement it; see shared/spec/django-dev.md §5.

/// An application: called once per request, synchronously, on the server's worker thread, as a WSGI callable
/// runs in a uWSGI thread. Several threads may call it at once (`wsgi.multithread`), so it must be thread-safe.
public protocol Application: Sendable {
    /// Handles one request. A thrown error is the server's to report: runserver answers 500, the uWSGI pool logs
    /// it and closes the connection, as the real servers do with an uncaught exception.
    func handle(_ request: Request) throws -> Response
}

/// One request as the app sees it.
@PublicInit
public struct Request {
    /// The CGI/WSGI variables, in the order the server delivered them.
    public var environ: Environ
    /// The body, which ends at CONTENT_LENGTH (`wsgi.input`).
    public let input: BodyInput
    /// Where the app writes error lines (`wsgi.errors`): the server's log.
    public let errors: ErrorLog
}

/// A sink for the app's error lines (`wsgi.errors`); servers route it into their own log.
public protocol ErrorLog: Sendable {
    /// Writes one line (without its newline).
    func write(_ line: String)
}

/// An `ErrorLog` that writes each line to standard error, as uWSGI and runserver do by default.
public struct StandardErrorLog: ErrorLog {
    /// Creates the log.
    public init() {}

    public func write(_ line: String) {
        var text = line
        text.append("\n")
        var bytes = Array(text.utf8)[...]  // one write(2) per line, as stderr is unbuffered
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return }
            bytes = bytes.dropFirst(written)
        }
    }
}

#if canImport(Glibc)
import BenchSupport
import Glibc
#else
import Darwin
#endif
