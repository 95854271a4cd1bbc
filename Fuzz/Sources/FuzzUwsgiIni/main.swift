// uwsgi.ini as the pool reads it: sections, includes, $() @() %() expansion, then every option checked.
import Foundation
import FuzzSupport
import StackConfig

fuzz { bytes in
    let file = scratchFolder + "/uwsgi.ini"
    guard FileManager.default.createFile(atPath: file, contents: Data(bytes)) else { return }
    _ = try? UwsgiConfig.load(file, environment: ["HOME": "/root", "PORT": "8000"]) { _ in }
}
