import Foundation

/// The seed's config files as the repository keeps them (scenarios/seed/), and the http-level line its nginx server
/// block needs around it.
public enum SeedFiles {
    /// scenarios/seed/nginx-server.conf: the seed's `server {}` block, as written.
    public static var nginxServerBlock: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scenarios/seed/nginx-server.conf").path
    }

    /// The `log_format main` the seed's `access_log ... main` names, as nginx.org's packaged nginx.conf defines it
    /// (Debian's defines none).
    public static let mainLogFormat = """
        log_format main '$remote_addr - $remote_user [$time_local] "$request" '
                        '$status $body_bytes_sent "$http_referer" '
                        '"$http_user_agent" "$http_x_forwarded_for"';
        """
}
