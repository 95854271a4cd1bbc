import Foundation
@testable import Scenario
import StackbenchTesting
import Testing

@Suite struct LogTailTests {
    @Test func aSmallLogIsCopiedWholeAndABigOneKeepsItsLastWholeLines() throws {
        let folder = try TemporaryFolder()
        let small = "one\ntwo\n"
        try small.write(toFile: folder.file("small.log"), atomically: true, encoding: .utf8)
        LogTail.copy(folder.file("small.log"), to: folder.file("small-copy.log"), keeping: 100)
        #expect(try String(contentsOfFile: folder.file("small-copy.log"), encoding: .utf8) == small)

        let lines = (1...100).map { "line \($0) of the access log" }
        try (lines.joined(separator: "\n") + "\n").write(toFile: folder.file("big.log"), atomically: true, encoding: .utf8)
        LogTail.copy(folder.file("big.log"), to: folder.file("big-copy.log"), keeping: 100)
        let copy = try String(contentsOfFile: folder.file("big-copy.log"), encoding: .utf8).split(separator: "\n").map(String.init)
        let size = try #require(FileManager.default.attributesOfItem(atPath: folder.file("big.log"))[.size] as? Int)
        let kept = copy.dropFirst().map { $0 + "\n" }.joined().utf8.count
        #expect(copy.first == "[stackbench: the first \(size - kept) bytes of this log were left out; stackbench run --keep-logs keeps them]")
        #expect(Array(copy.dropFirst()) == Array(lines.suffix(copy.count - 1)), "whole lines, the last ones: \(copy)")
        #expect(kept <= 100 && kept > 50)
    }
}
