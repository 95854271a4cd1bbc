import Foundation
@testable import Scenario
import StackbenchTesting
import Testing

/// A run's default label: the commit of the project under test, `+dirty` when tracked files differ from it; and
/// that commit's time.
@Suite struct ProjectCommitTests {
    @Test func aCheckoutGivesItsCommitAndSaysWhenItIsDirty() throws {
        let folder = try TemporaryFolder()
        #expect(ExternalPrograms.commit(of: folder.path) == nil && ExternalPrograms.commitTime(of: folder.path) == nil, "not a checkout")
        let git = ["-c", "user.name=t", "-c", "user.email=t@example.org", "-C", folder.path]
        _ = try runCommand("/usr/bin/git", ["init", "-q", folder.path])
        try "a\n".write(toFile: folder.file("views.py"), atomically: true, encoding: .utf8)
        _ = try runCommand("/usr/bin/git", git + ["add", "views.py"])
        _ = try runCommand("/usr/bin/env", ["GIT_COMMITTER_DATE=2026-11-30T12:34:56+01:00", "/usr/bin/git"] + git + ["commit", "-q", "-m", "base"])
        let head = try runCommand("/usr/bin/git", git + ["rev-parse", "--short=12", "HEAD"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(head.count == 12 && ExternalPrograms.commit(of: folder.path) == head)
        #expect(ExternalPrograms.commitTime(of: folder.path) == "2026-11-30T12:34:56+01:00", "the commit's time, which orders a history")
        try "b\n".write(toFile: folder.file("views.py"), atomically: true, encoding: .utf8)
        #expect(ExternalPrograms.commit(of: folder.path) == head + "+dirty")
    }
}
