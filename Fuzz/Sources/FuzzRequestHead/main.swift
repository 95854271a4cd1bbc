// A client's request head as the front parses it, with nginx's default limits.
import FuzzSupport
@testable import Front

var head = RequestHead()
fuzz { bytes in
    bytes.withUnsafeBytes { buffer in
        switch head.parse(buffer, limits: .init(line: 1024, head: 4096)) {
        case .complete:
            _ = head.wantsKeepAlive(buffer)
            _ = head.first("host", in: buffer)
        case .incomplete, .refused: break
        }
    }
}
