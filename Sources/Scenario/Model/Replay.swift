import BenchSupport
import Foundation
import Results

/// `stackbench run --replay RESULT`: the same measurement again, from what a run recorded (ScenarioResult
/// .Reproduction): its scenario text, resolved against the folder it came from, with the user's uwsgi.ini and
/// nginx.conf as they were then (written into `folder`), and its --quick and --repeat. The project folders must
/// still be where they were; the run says which is missing.
public struct Replay {
    public var scenario: Scenario
    public var quick: Bool
    public var rounds: Int
    /// What the recorded scenario would run as the user besides stackbench itself: its `setup:` commands, and an
    /// `agent-command` run on the load agents. A result.json may come from anywhere (a CI artifact), so these run
    /// only when the user says so (`--allow-setup`), after reading them.
    public private(set) var commands: [String] = []

    /// `file` names the result in errors; `folder` receives the recorded stack files for the run's duration.
    public init(_ result: ScenarioResult, file: String, folder: String) throws {
        guard let record = result.reproduction else {
            throw FileError(path: file, problem: "holds no reproduction record (written by an older stackbench): run its scenario again instead")
        }
        var scenario = try Scenario.load(text: record.scenarioText, file: result.scenario.file, folder: record.scenarioFolder)
        for (key, text) in record.stackFiles {
            let path = folder + "/" + (key == "uwsgi" ? "uwsgi.ini" : "nginx.conf")
            if let problem = FileSystem.writeAtomically(Data(text.utf8), to: path) {
                throw FileError(path: path, problem: problem, exitStatus: .runFailed)
            }
            if key == "uwsgi" { scenario.stack.uwsgiIni = path } else { scenario.stack.nginxConf = path }
        }
        if record.quick { scenario.shrinkForSmokeRun() }
        self.scenario = scenario
        commands = scenario.setup.map(\.text) + (scenario.load.agentCommand == "stackbench" ? [] : ["agent-command: " + scenario.load.agentCommand])
        quick = record.quick
        rounds = record.rounds
    }
}
