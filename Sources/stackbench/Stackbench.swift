/// stackbench: the command-line front door. Parses, validates, and makes one call into a library per
/// subcommand; maps every error to one line on stderr and an `ExitStatus` (ArgumentParser's usage status 64
/// becomes 2).
import ArgumentParser
import BenchSupport
import Foundation

@main
struct Stackbench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stackbench",
        abstract: "Stand up nginx + uWSGI style stacks, drive them with libcurl clients, and report.",
        version: StackbenchVersion.text,
        subcommands: [Run.self, Init.self, Report.self, CompareCommand.self, HistoryCommand.self, Load.self, Merge.self, Kubernetes.self, Runserver.self, Collectstatic.self, Uwsgi.self, FrontCommand.self]
    )

    static func main() {
        do {
            var command = try parseAsRoot(AttachedShortOptions.split(Array(CommandLine.arguments.dropFirst())))
            try command.run()
        } catch let error as UserFacingError {
            // "file:line: error: key: problem" already says it is an error; said once.
            let text = "\(error)"
            FileHandle.standardError.write(Data("stackbench: \(text.contains(": error: ") ? "" : "error: ")\(text)\n".utf8))
            Foundation.exit(error.exitStatus.rawValue)
        } catch let error as ExitCode {
            Foundation.exit(error.rawValue)
        } catch {
            let status = exitCode(for: error).rawValue
            // ArgumentParser's own messages start "Error: "; stackbench says "error:" once.
            var message = fullMessage(for: error)
            if message.hasPrefix("Error: ") { message.removeFirst(7) }
            if status == 0 {
                print(message)
                Foundation.exit(0)
            }
            FileHandle.standardError.write(Data("stackbench: error: \(message)\n".utf8))
            Foundation.exit(status == ExitCode.validationFailure.rawValue ? ExitStatus.usage.rawValue : status)
        }
    }
}
