import BenchSupport
import Foundation

/// Debian's real nginx serving a folder on a free 127.0.0.1 port and a unix socket, one process
/// (`master_process off`, so that ending it by pid ends all of it), everything in a temporary folder.
public final class NginxFixture {
    public struct Missing: Error, CustomStringConvertible {
        public init() {}
        public var description: String { "nginx is not installed: run scripts/install-deps.sh (apt-get install nginx)" }
    }

    public let folder: TemporaryFolder
    public let port: Int
    /// With `tls`: the https port, and the self-signed certificate (for 127.0.0.1 and localhost) it presents.
    public let tlsPort: Int?
    public var certificate: String { folder.file("cert.pem") }
    public var unixSocket: String { folder.file("nginx.sock") }
    private let process: RunningProcess

    /// Starts nginx serving `files` (name → contents) from its root, with `locations` (nginx directives, e.g. a
    /// `location / { include uwsgi_params; uwsgi_pass unix:...; }`) added to the server block, and waits until it
    /// accepts connections. The http block defines `log_format main` as the seed's server block expects.
    /// `tls` adds an https listener with a certificate made here by `openssl req`.
    public init(files: [String: [UInt8]] = [:], locations: String = "", tls: Bool = false) throws {
        let binary = "/usr/sbin/nginx"
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw Missing() }
        folder = try TemporaryFolder()
        try FileManager.default.createDirectory(atPath: folder.file("www"), withIntermediateDirectories: true)
        for (name, contents) in files {
            _ = FileManager.default.createFile(atPath: folder.file("www/\(name)"), contents: Data(contents))
        }
        chmod(folder.path, 0o755)
        port = try freePort()
        var tlsListen = ""
        if tls {
            let made = try runCommand("/usr/bin/openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-keyout", folder.file("key.pem"), "-out", folder.file("cert.pem")], timeout: 60)
            guard made.status == 0 else { throw FixtureHTTPServer.ListenError(description: "openssl req: \(made.stderr)") }
            let https = try freePort()
            tlsPort = https
            tlsListen = """
                listen 127.0.0.1:\(https) ssl;
                        ssl_certificate \(folder.file("cert.pem"));
                        ssl_certificate_key \(folder.file("key.pem"));
                """
        } else {
            tlsPort = nil
        }
        let config = """
            daemon off;
            master_process off;
            pid \(folder.file("nginx.pid"));
            error_log \(folder.file("error.log"));
            events { worker_connections 1024; }
            http {
                include /etc/nginx/mime.types;
                log_format main '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent';
                access_log off;
                client_max_body_size 64m;
                client_body_temp_path \(folder.file("body"));
                uwsgi_temp_path \(folder.file("uwsgi_temp"));
                server {
                    listen 127.0.0.1:\(port);
                    listen unix:\(folder.file("nginx.sock"));
                    \(tlsListen)
                    root \(folder.file("www"));
                    \(locations)
                }
            }
            """
        try config.write(toFile: folder.file("nginx.conf"), atomically: true, encoding: .utf8)
        process = try RunningProcess(binary, ["-c", folder.file("nginx.conf"), "-p", folder.path])
        try waitForPort(port, timeout: 10)
        if let tlsPort { try waitForPort(tlsPort, timeout: 10) }
    }

    public func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// nginx's error log so far.
    public var errorLog: String { (try? String(contentsOfFile: folder.file("error.log"), encoding: .utf8)) ?? "" }

    /// Ends nginx by its pid and returns what it printed (for a failure message).
    @discardableResult
    public func stop() -> String {
        kill(process.pid, SIGTERM)
        let output = process.wait(timeout: 5)
        return output.stderr + errorLog
    }
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
public func freePort() throws -> Int {
    let (fd, port) = try FixtureHTTPServer.listen(unixSocket: nil)
    close(fd)
    return port!
}

/// A socket listening at `path` (a stale file replaced), for a test to play the upstream: accepted by the kernel's
/// backlog whether or not the test ever calls accept.
public func listeningUnixSocket(_ path: String) throws -> Int32 {
    try FixtureHTTPServer.listen(unixSocket: path).0
}

/// Waits until something accepts connections on 127.0.0.1:`port`.
public func waitForPort(_ port: Int, timeout: Double) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if let fd = connectToLoopback(port: port) {
            close(fd)
            return
        }
        usleep(20_000)
    }
    throw FixtureHTTPServer.ListenError(description: "nothing listened on port \(port) within \(timeout)s")
}

/// A TCP connection to 127.0.0.1:`port`, or nil when nothing accepts there.
public func connectToLoopback(port: Int) -> Int32? { Sockets.connect(.tcp(host: "127.0.0.1", port: port)) }

/// A connection to the unix socket at `path`, or nil when nothing accepts there.
public func connectToUnixSocket(_ path: String) -> Int32? { Sockets.connect(.unix(path: path)) }
