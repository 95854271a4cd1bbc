import BenchSupport
import Foundation
import ServerCore
import StackConfig
import WSGI

/// The development server: one process, one listening socket, a new thread per accepted connection (Django's
/// `ThreadingMixIn`; `threading: false` serves one connection at a time), HTTP/1.1 keep-alive, the app behind
/// `StaticFilesHandler` when static serving is on, and runserver's request log on stderr.
public final class Runserver: Sendable {
    /// What `Runserver` needs.
    @PublicInit
    public struct Options: Sendable {
        /// Where to listen.
        public var address: ListenAddress
        /// A thread per connection (true, the default) or one connection at a time (`--nothreading`).
        public var threading = true
        /// Serve STATIC_URL from STATICFILES_DIRS (DEBUG or `--insecure`, and not `--nostatic`).
        public var serveStatic: Bool
    }

    /// The `Server` header and SERVER_SOFTWARE.
    public static let serverSoftware = "WSGIServer/0.2 stackbench/0.1"

    /// The listening socket.
    public let listener: ListeningSocket
    private let app: Application
    private let options: Options
    private let connectionOptions: HTTPConnectionOptions

    /// What the banner names as the settings in use (a settings file, or a Django settings module).
    private let settingsName: String

    /// Binds the address for the project `settings` describes; fails with runserver's own messages
    /// (`Error: That port is already in use.`).
    public convenience init(settings: ProjectSettings, app: Application, options: Options) throws {
        if !settings.debug && settings.allowedHosts.isEmpty {
            throw ConfigError(file: settings.file, line: settings.lines["ALLOWED_HOSTS"] ?? settings.lines["DEBUG"],
                              key: "ALLOWED_HOSTS", problem: "must be set when DEBUG is false (runserver refuses to start)")
        }
        let served = options.serveStatic && StaticFilesHandler.applies(to: settings)
            ? StaticFilesHandler(app: app, settings: settings) : app
        try self.init(app: served, settingsName: settings.file, options: options)
    }

    /// Binds the address for `app` as it is (a Django project's WSGI application, static files already handled by
    /// Django's own StaticFilesHandler when they are served).
    public init(app: Application, settingsName: String, options: Options) throws {
        do {
            listener = try ListeningSocket(address: options.address, backlog: 10)
        } catch let error as SocketError {
            throw RunserverError(error)
        }
        self.app = app
        self.settingsName = settingsName
        self.options = options
        var serverName = "localhost"
        if case .tcp(let host, _) = options.address, !["127.0.0.1", "localhost", "::1"].contains(host) {
            serverName = host
        }
        let log = RequestLog()
        connectionOptions = HTTPConnectionOptions(
            style: .runserver,
            identity: .init(name: serverName, port: String(listener.boundPort ?? 0), software: "WSGIServer/0.2"),
            serverHeader: Self.serverSoftware, keepAlive: options.threading, multithread: options.threading,
            multiprocess: false,
            answerToAppError: { _ in
                let body = Array("A server error occurred.  Please contact the administrator.".utf8)
                return Response(status: 500, headers: [("Content-Type", "text/plain"),
                                                       ("Content-Length", String(body.count))], body: .bytes(body))
            },
            log: { log.write($0) }, errors: StandardErrorLog())
    }

    /// `http://127.0.0.1:8000/`, as the banner prints it.
    public var url: String {
        switch options.address {
        case .tcp(let host, _):
            let port = listener.boundPort ?? 0
            return host.contains(":") ? "http://[\(host)]:\(port)/" : "http://\(host):\(port)/"
        case .unix(let path): return "unix:\(path)"
        }
    }

    /// The startup banner (stdout), shaped as Django's.
    public func banner(now: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "MMMM dd, yyyy - HH:mm:ss"
        return """
            Performing system checks...

            System check identified no issues (0 silenced).
            \(formatter.string(from: now))
            stackbench runserver, using settings '\(settingsName)'
            Starting development server at \(url)
            Quit the server with CONTROL-C.

            WARNING: This is a development server. Do not use it in a production setting. \
            Use a production WSGI server (stackbench uwsgi) behind a front (stackbench front) instead.

            """
    }

    /// Accepts and serves connections until the process ends.
    public func serveForever() -> Never {
        ConnectedSocket.ignoreBrokenPipes()
        while true {
            let connection: ConnectedSocket
            do {
                connection = try listener.accept()
            } catch {
                // Out of descriptors or memory: say so, let connections finish, and try again.
                StandardErrorLog().write("runserver: \(error)")
                usleep(10_000)
                continue
            }
            if options.threading {
                let app = app, connectionOptions = connectionOptions
                Thread.detachNewThread { HTTPConnection.serve(connection, app: app, options: connectionOptions) }
            } else {
                HTTPConnection.serve(connection, app: app, options: connectionOptions)
            }
        }
    }
}

/// A listening socket runserver could not open, in Django's words; the run fails (exit 3).
public struct RunserverError: UserFacingError {
    let underlying: SocketError

    init(_ underlying: SocketError) {
        self.underlying = underlying
    }

    public var exitStatus: ExitStatus { .runFailed }
    public var description: String {
        switch underlying.code {
        case EADDRINUSE: return "That port is already in use."
        case EACCES: return "You don't have permission to access that port."
        case EADDRNOTAVAIL: return "That IP address can't be assigned to."
        default: return "\(underlying)"
        }
    }
}

/// runserver's request log: `[25/Nov/2026 01:10:55] "GET /hello HTTP/1.1" 200 6`, one write per line.
struct RequestLog: Sendable {
    func write(_ record: ExchangeRecord) {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        strftime(&buffer, buffer.count, "%d/%b/%Y %H:%M:%S", &parts)
        let line = "[\(String(cString: buffer))] \"\(record.requestLine)\" \(record.status) \(record.bodyBytes)\n"
        line.utf8CString.withUnsafeBufferPointer { _ = Glibc.write(2, $0.baseAddress, $0.count - 1) }
    }
}
