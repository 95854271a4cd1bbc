import Foundation
import StackConfig

/// The seed's config files as the repository keeps them (scenarios/seed/), and the http-level line its nginx server
/// block needs around it.
public enum SeedFiles {
    /// scenarios/seed/nginx-server.conf: the seed's `server {}` block, as written.
    public static var nginxServerBlock: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scenarios/seed/nginx-server.conf").path
    }

    /// The `log_format main` the seed's `access_log ... main` names.
    public static var mainLogFormat: String { NginxConfigText.mainLogFormat }
}
