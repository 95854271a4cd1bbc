/// A uWSGI ini turned into the pool's settings: the options stackbench implements, with uWSGI 2.0's defaults
/// (shared/spec/uwsgi-ini.md §4). Paths are kept as written; the pool resolves them (the pidfile against the start
/// directory, sockets against `chdir`) as uWSGI does.
public struct UwsgiConfig: Sendable, Equatable, Codable {
    /// The ini file as named, and the section read.
    public var file: String
    public var section: String
    public var chdir: String?
    public var uid: String?
    public var gid: String?
    /// `module` as written (`teacher.wsgi:application`), and `callable`.
    public var module: String?
    public var callable = "application"
    /// `wsgi-file`: a Python file loaded as the app's module, in place of `module`.
    public var wsgiFile: String?
    /// `home`/`virtualenv`/`venv`: the Python home or PEP 405 venv.
    public var pythonHome: String?
    /// `pythonpath` entries, first on `sys.path` in order.
    public var pythonPath: [String] = []
    /// `env` entries (`KEY=VALUE`), set in the environment before the app is loaded.
    public var environment: [String] = []
    /// `plugins` named (`python3`): accepted so one ini serves both servers.
    public var plugins: [String] = []
    /// `lazy-apps`: each worker loads the app after it starts, instead of the master loading it once.
    public var lazyApps = false
    /// `single-interpreter`: stackbench always runs one interpreter per process; kept for the start-up log line.
    public var singleInterpreter = false
    /// uwsgi-protocol listeners, in order.
    public var sockets: [String] = []
    /// HTTP listeners, in order.
    public var httpSockets: [String] = []
    /// The mode unix sockets get after bind, or nil to leave the umask's.
    public var chmodSocket: UInt16?
    public var master = false
    public var workers = 1
    public var threads = 1
    public var enableThreads = false
    public var thunderLock = false
    /// Seconds a request may run before the master kills its worker; 0 = off.
    public var harakiri = 0
    public var harakiriVerbose = false
    /// Bodies of at least this many bytes are read into a temporary file before the app runs; 0 = off.
    public var postBuffering = 0
    public var postBufferingBufsize = 8192
    /// The largest uwsgi vars block / HTTP head accepted.
    public var bufferSize = 4096
    /// listen() backlog.
    public var listen = 100
    /// Recycle a worker after this many requests; 0 = off.
    public var maxRequests = 0
    public var workerReloadMercy = 60
    /// Seconds to wait for a request head or body read.
    public var socketTimeout = 4
    public var pidfile: String?
    public var vacuum = false
    public var daemonize: String?
    public var logto: String?
    public var stats: String?
    public var disableLogging = false
    public var dieOnTerm = false
    public var needApp = false
    /// `print` lines, logged at start-up.
    public var prints: [String] = []
    /// The line each option was last set on (for errors found later, e.g. a socket that cannot be bound).
    public var lines: [String: Int] = [:]

    /// Defaults for `file`.
    public init(file: String, section: String = "uwsgi") {
        self.file = file
        self.section = section
    }
}
