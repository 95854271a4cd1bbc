import BenchSupport
import Foundation
@testable import LoadEngine
import Testing

/// `RunResult.merge`: one stream of requests split over two agents merges into exactly the whole.
struct MergeTests {
    /// A recorded stream: latencies (µs, spread over four decades), statuses and failures, deterministic.
    static func stream(count: Int) -> [(latency: UInt64, status: Int, curlCode: Int, second: Int)] {
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        return (0..<count).map { index in
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            let latency = 50 + (state % 1000) * (1 + (state >> 20) % 500)
            let status = index % 97 == 0 ? 404 : 200
            let curlCode = index % 211 == 0 ? 7 : 0
            return (latency, status, curlCode, index * 3 / count)
        }
    }

    static func result(_ requests: ArraySlice<(latency: UInt64, status: Int, curlCode: Int, second: Int)>,
                       startedAt: Date, connections: Int, tag: String? = nil) -> RunResult {
        let recorder = ThreadRecorder(expectedSeconds: 3, templates: 1)
        recorder.connections = connections
        for request in requests {
            recorder.record(correctedMicros: request.latency, uncorrectedMicros: request.latency, status: request.status,
                            curlCode: request.curlCode, bytes: 100, second: request.second, completedAt: 0, template: 0)
        }
        var plan = LoadPlan(requests: [RequestSpec(url: "http://127.0.0.1:1/")])
        plan.connections = connections
        plan.tag = tag
        return RunResult(plan: plan, recorders: [recorder], elapsedSeconds: 3,
                         cpu: CPUUsage(userMicroseconds: 300_000, systemMicroseconds: 300_000), cpuSeconds: 3, startedAt: startedAt)
    }

    @Test func twoAgentsMergeIntoExactlyTheWhole() throws {
        let requests = Self.stream(count: 20_000)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let whole = Self.result(requests[...], startedAt: start, connections: 8)
        // Every other request to each agent, as two machines sharing one load would.
        let evens = requests.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
        let odds = requests.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
        let a = Self.result(evens[...], startedAt: start, connections: 4, tag: "a")
        let b = Self.result(odds[...], startedAt: start, connections: 4, tag: "b")
        let merged = try RunResult.merge([("a.json", a), ("b.json", b)])

        #expect(merged.summary.requests == whole.summary.requests)
        #expect(merged.summary.responses == whole.summary.responses)
        #expect(merged.summary.errors == whole.summary.errors)
        #expect(merged.summary.non2xx3xx == whole.summary.non2xx3xx)
        #expect(merged.summary.bytes == whole.summary.bytes)
        #expect(merged.summary.responsesPerSecond == whole.summary.responsesPerSecond)
        #expect(merged.statusCodes == whole.statusCodes)
        #expect(merged.errors.byCurlCode == whole.errors.byCurlCode)
        #expect(merged.histogram == whole.histogram, "bucket by bucket")
        for percentile in Percentile.allCases {
            #expect(merged.latency[percentile] == whole.latency[percentile], "p\(percentile.rawValue)")
        }
        #expect(merged.latency.min == whole.latency.min && merged.latency.max == whole.latency.max)
        #expect(merged.perSecond.map(\.responses) == whole.perSecond.map(\.responses))
        #expect(merged.config.connections == 8)
        #expect(merged.agents?.map(\.name) == ["a (a.json)", "b (b.json)"])
        #expect(merged.agents?.map(\.responses) == [a.summary.responses, b.summary.responses])
    }

    @Test func secondsAlignOnTheWallClock() throws {
        let requests = Self.stream(count: 3_000)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let a = Self.result(requests[...], startedAt: start, connections: 1)
        let b = Self.result(requests[...], startedAt: start.addingTimeInterval(1), connections: 1)
        let merged = try RunResult.merge([("a.json", a), ("b.json", b)])
        let perAgent = a.perSecond.map(\.responses)
        #expect(merged.perSecond.map(\.second) == [0, 1, 2, 3])
        #expect(merged.perSecond.map(\.responses) == [perAgent[0], perAgent[1] + perAgent[0], perAgent[2] + perAgent[1], perAgent[2]])
        #expect(merged.summary.elapsedSeconds == 4)
    }

    @Test func loadsThatDidNotRunTogetherAreRefusedNamingTheFile() {
        let requests = Self.stream(count: 100)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let a = Self.result(requests[...], startedAt: start, connections: 1)
        let late = Self.result(requests[...], startedAt: start.addingTimeInterval(60), connections: 1)
        #expect { try RunResult.merge([("a.json", a), ("late.json", late)]) } throws: { error in
            "\(error)".contains("late.json") && "\(error)".contains("does not overlap")
        }
        #expect { try RunResult.merge([("a.json", a), ("copy.json", a)]) } throws: { error in
            "\(error)".contains("copy.json: is the same load as a.json")
        }
        var old = late
        old.schema = "stackbench.load/1"
        #expect { try RunResult.merge([("a.json", a), ("old.json", old)]) } throws: { error in
            "\(error)".contains("old.json") && "\(error)".contains("stackbench.load/1")
        }
        var coarse = Self.result(requests[...], startedAt: start, connections: 1)
        coarse.histogram.significantDigits = 2
        #expect { try RunResult.merge([("a.json", a), ("coarse.json", coarse)]) } throws: { error in
            "\(error)".contains("coarse.json") && "\(error)".contains("cannot be added")
        }
    }

    /// Issue 29: a result file is input; what it says is added checked. Each of these trapped before.
    @Test func countsAndHistogramsPastWhatAddsAreRefusedNamingTheFile() {
        let requests = Self.stream(count: 100)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let a = Self.result(requests[..<50], startedAt: start, connections: 1)
        let b = Self.result(requests[50...], startedAt: start, connections: 1)
        var maxed = b
        maxed.summary.requests = .max
        maxed.summary.responses = .max
        var lowest = b
        lowest.histogram.lowest = 1 << 63
        var bucket = b
        bucket.histogram.counts[0][1] = .max
        var intMax = b
        intMax.histogram.counts[0][1] = UInt64(Int.max)
        var negative = b
        negative.summary.errors = -5
        var second = b
        second.perSecond[0].second = .max
        var codes = b
        codes.statusCodes["200"] = .max
        var cores = b
        cores.clientCPU.cores = .max
        var weighty = b  // within Int.max in count, but count × value past a UInt64 (FuzzResultReport found it)
        weighty.histogram.counts = [[1 << 31, 1 << 33]]
        for (name, bad) in [("maxed", maxed), ("lowest", lowest), ("bucket", bucket), ("int-max", intMax), ("negative", negative),
                            ("second", second), ("codes", codes), ("cores", cores), ("weighty", weighty)] {
            #expect { try RunResult.merge([("a.json", a), ("\(name).json", bad), ("b.json", b)]) } throws: { error in
                error is FileError && "\(error)".contains("\(name).json")
            }
        }
        #expect(lowest.histogram.decoded() == nil && bucket.histogram.decoded() == nil && weighty.histogram.decoded() == nil)
        #expect(lowest.histogram.values(atPercentiles: [50]).isEmpty, "an invalid histogram has no percentiles")
        #expect(bucket.histogram.merged(with: a.histogram) == nil)
    }
}
