import Foundation
@testable import Scenario
import StackbenchTesting
import Testing

@Suite struct LogTailTests {
    @Test func aSmallLogIsCopiedWholeAndABigOneKeepsItsFirstAndLastWholeLines() throws {
        let folder = try TemporaryFolder()
        let small = "one\ntwo\n"
        try small.write(toFile: folder.file("small.log"), atomically: true, encoding: .utf8)
        LogTail.copy(folder.file("small.log"), to: folder.file("small-copy.log"), keeping: 100)
        #expect(try String(contentsOfFile: folder.file("small-copy.log"), encoding: .utf8) == small)

        let lines = (1...100).map { "line \($0) of the access log" }
        try (lines.joined(separator: "\n") + "\n").write(toFile: folder.file("big.log"), atomically: true, encoding: .utf8)
        LogTail.copy(folder.file("big.log"), to: folder.file("big-copy.log"), keeping: 400)
        let copy = try String(contentsOfFile: folder.file("big-copy.log"), encoding: .utf8).split(separator: "\n").map(String.init)
        let size = try #require(FileManager.default.attributesOfItem(atPath: folder.file("big.log"))[.size] as? Int)
        let marker = try #require(copy.firstIndex { $0.hasPrefix("[stackbench: ") }, "\(copy)")
        let (head, tail) = (Array(copy[..<marker]), Array(copy[(marker + 1)...]))
        let kept = (head + tail).map { $0 + "\n" }.joined().utf8.count
        #expect(copy[marker] == "[stackbench: \(size - kept) bytes of this log were left out here; stackbench run --keep-logs keeps them]")
        #expect(head == Array(lines.prefix(head.count)) && tail == Array(lines.suffix(tail.count)), "whole lines, the first and the last: \(copy)")
        #expect(!head.isEmpty && tail.count > head.count && kept <= 400 && kept > 250, "\(head.count) + \(tail.count) lines, \(kept) bytes")
    }
}
