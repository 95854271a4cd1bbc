// `stackbench merge` on results whose numbers are anything a file can hold (issue 29: a histogram's lowest of 2^63,
// a bucket of UInt64.max, counts at Int.max trapped): two real results, the second's counts, histogram settings and
// buckets, per-second samples and times taken from the input. The merge succeeds or refuses naming a file.
import Foundation
import FuzzSupport
import BenchSupport
@testable import LoadEngine

let base: RunResult = {
    let recorder = ThreadRecorder(expectedSeconds: 2, templates: 1)
    recorder.connections = 2
    for index in 0..<200 {
        recorder.record(correctedMicros: UInt64(100 + index * 37), uncorrectedMicros: UInt64(100 + index * 37), status: index % 50 == 0 ? 404 : 200,
                        curlCode: index % 70 == 0 ? 7 : 0, bytes: 100, second: index / 100, completedAt: 0, template: 0)
    }
    return RunResult(plan: LoadPlan(requests: [RequestSpec(url: "http://127.0.0.1:1/")]), recorders: [recorder], elapsedSeconds: 2,
                     cpu: CPUUsage(userMicroseconds: 1000, systemMicroseconds: 1000), cpuSeconds: 2,
                     startedAt: Date(timeIntervalSince1970: 1_800_000_000))
}()

fuzz { bytes in
    var input = bytes[...]
    func next() -> UInt64 {
        var value: UInt64 = 0
        for _ in 0..<8 { value = value << 8 | UInt64(input.popFirst() ?? 0) }
        return value
    }
    func int() -> Int { Int(truncatingIfNeeded: next()) }
    var other = base
    other.tag = "other"
    other.summary.requests = int()
    other.summary.responses = int()
    other.summary.errors = int()
    other.summary.bytes = int()
    other.summary.elapsedSeconds = Double(bitPattern: next())
    other.config.connections = int()
    other.clientCPU.cores = int()
    other.statusCodes["200"] = int()
    other.histogram.lowest = next()
    other.histogram.highest = next()
    other.histogram.significantDigits = int()
    other.histogram.counts = (0..<Int(next() % 8)).map { _ in [next(), next()] }
    if !other.perSecond.isEmpty {
        other.perSecond[0].second = int()
        other.perSecond[0].responses = int()
    }
    guard other.summary.elapsedSeconds.isFinite else { return }  // JSON holds no NaN or infinity
    _ = try? RunResult.merge([("a.json", base), ("b.json", other)])
    _ = other.histogram.values(atPercentiles: [50, 99])
    _ = other.histogram.merged(with: base.histogram)
}
