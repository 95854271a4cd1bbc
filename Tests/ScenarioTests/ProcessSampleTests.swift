import Foundation
import Results
@testable import Scenario
import StackbenchTesting
import Testing

/// Memory as the reports show it: PSS and USS from smaps_rollup, which add up across processes where RSS does not;
/// a result from before PSS was measured has none and is not compared on it.
@Suite struct ProcessSampleTests {
    @Test func thisProcessHasAPssAndAUssNoLargerThanItsRss() throws {
        let memory = try #require(ProcessSample.memory(of: [getpid()]))
        let rss = ProcessSample.usage(of: getpid()).rssKiB
        #expect(memory.pssKiB > 0 && memory.ussKiB > 0)
        #expect(memory.ussKiB <= memory.pssKiB && memory.pssKiB <= rss + 1024, "uss \(memory.ussKiB) pss \(memory.pssKiB) rss \(rss)")
        #expect(ProcessSample.memory(of: [getpid(), 999_999_999]) == nil, "a process that is gone: no figure rather than a short one")
    }

    @Test func resultsWithoutPssAreNotComparedOnIt() throws {
        let folder = try TemporaryFolder()
        let run = try SyntheticRuns.write(in: folder, name: "old", cells: [("workers=2", [("proxied-dynamic", .init(rps: [1000, 1001]))])])
        let target = try RunFolder.read(run).result[cell: 0, target: 0]
        #expect(target.values(.pss).isEmpty && target.median?.pss == nil && target.values(.rss) == [1000, 1000])
    }
}
