import ArgumentParser
import BenchSupport
import Compare
import Foundation

/// What `compare` and `history` do alike with what they found: the document to a file (atomically) or standard
/// output, and a gate's verdict as JUnit XML, GitHub annotations, `gate: ...` lines on standard error and the exit
/// status (0 passed, 1 failed, 2 could not judge).
enum GateOutput {
    static func write(_ document: Data, to output: String?) throws {
        if let output {
            if let problem = FileSystem.writeAtomically(document, to: output) { throw FileError(path: output, problem: problem) }
        } else {
            FileHandle.standardOutput.write(document)
        }
    }

    /// Reports `verdict`; `passed` is the closing line when it passed. Throws the exit status when it did not.
    static func report(_ verdict: GateVerdict, junit: String?, junitName: String, github: Bool, passed: String) throws {
        if let junit, let problem = FileSystem.writeAtomically(Data(verdict.junit(named: junitName).utf8), to: junit) {
            throw FileError(path: junit, problem: problem)
        }
        if github { FileHandle.standardOutput.write(Data(verdict.githubAnnotations.utf8)) }
        let lines = verdict.ignored.map { "ignored: \($0)" } + verdict.failures.map { "FAIL: \($0)" } + verdict.problems.map { "cannot judge: \($0)" }
            + verdict.unresolved.map { "unresolved: \($0)" } + verdict.sensitivity.map { "sensitivity: \($0)" }
            + (verdict.exitStatus == 0 ? ["passed: " + passed] : [])
        FileHandle.standardError.write(Data(lines.map { "gate: \($0)\n" }.joined().utf8))
        if verdict.exitStatus != 0 { throw ExitCode(verdict.exitStatus) }
    }
}
