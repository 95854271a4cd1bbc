// nginx.conf as the front reads it: parsed (includes resolved against a scratch folder), then every directive
// checked. A bad config must be an NginxConfigError, never a trap.
import FuzzSupport
import StackConfig

fuzz { bytes in
    guard let text = String(validating: bytes, as: UTF8.self) else { return }
    let file = scratchFolder + "/nginx.conf"
    guard let directives = try? NginxConfigParser.parse(text: text, file: file, directory: scratchFolder) else { return }
    _ = try? NginxConfig.load(directives: directives, file: file, prefix: scratchFolder)
}
