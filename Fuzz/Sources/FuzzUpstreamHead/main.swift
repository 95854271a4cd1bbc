// An upstream's response head as the front reads it (a hostile or broken uWSGI app).
import FuzzSupport
@testable import Front

fuzz { bytes in
    bytes.withUnsafeBytes { buffer in
        guard let head = UpstreamHead.parse(buffer) else { return }
        _ = head.allowsBody(isHead: false)
    }
}
