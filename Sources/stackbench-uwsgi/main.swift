/// stackbench-uwsgi: the pool for Python apps alone, which `stackbench uwsgi --ini` execs (see PoolProcess).
/// Takes the same `--ini FILE[:SECTION]`, `--stop PIDFILE` and `--reload PIDFILE`, and says its errors as
/// `stackbench` does.
import BenchSupport
import Foundation
import Pool
import PoolLauncher
import WSGI

func usage(_ problem: String) -> Never {
    FileHandle.standardError.write(Data("stackbench: error: \(problem)\nUsage: stackbench-uwsgi --ini FILE[:SECTION] | --stop PIDFILE | --reload PIDFILE\n".utf8))
    exit(ExitStatus.usage.rawValue)
}

let arguments = Array(CommandLine.arguments.dropFirst())
var flags: [String: String] = [:]
var index = 0
while index < arguments.count {
    let argument = arguments[index]
    let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
    guard ["--ini", "--stop", "--reload"].contains(parts[0]) else { usage("unknown option '\(argument)'") }
    if parts.count == 2 {
        flags[parts[0]] = parts[1]
    } else {
        guard index + 1 < arguments.count else { usage("missing value for '\(argument)'") }
        index += 1
        flags[parts[0]] = arguments[index]
    }
    index += 1
}
do {
    if let stop = flags["--stop"] {
        try PidFile.signal(SIGINT, pidfile: stop)
    } else if let reload = flags["--reload"] {
        try PidFile.signal(SIGHUP, pidfile: reload)
    } else if let ini = flags["--ini"] {
        exit(try PoolProcess.run(ini: ini, registry: AppRegistry([]), handOverPython: false))
    } else {
        usage("--ini is required (or --stop/--reload PIDFILE)")
    }
} catch let error as UserFacingError {
    let text = "\(error)"
    FileHandle.standardError.write(Data("stackbench: \(text.contains(": error: ") ? "" : "error: ")\(text)\n".utf8))
    exit(error.exitStatus.rawValue)
} catch {
    FileHandle.standardError.write(Data("stackbench: error: \(error)\n".utf8))
    exit(1)  // as `stackbench uwsgi` ends on an error that is not a user's (ArgumentParser's failure status)
}
