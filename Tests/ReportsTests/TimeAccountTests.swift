import LoadEngine
@testable import Reports
import Results
import StackbenchTesting
import Testing

/// Where the time went: the tier that held the requests, from the pool's busy time and the stack's CPU, and the
/// median request split into time in a worker and time outside one.
@Suite struct TimeAccountTests {
    /// A target of `windows` 2 s windows at `rps` with median latency `median` µs; the pool (when `poolBusy` is
    /// given: busy µs per window, with `slots` slots) and the serving processes' CPU seconds per window.
    static func target(kind: TargetKind = .proxiedDynamic, rps: Double, median: Double, poolBusy: Int?, slots: Int = 1,
                       cpuSeconds: Double?, windows: Int = 3) -> ScenarioResult.Target {
        var target = ScenarioResult.Target(name: "t", kind: kind, url: "http://127.0.0.1:1", repetitions: [], median: nil)
        for _ in 0..<windows {
            var load = SyntheticRuns.loadResult(rps: rps, p99: median * 3, errors: 0)
            load.summary.elapsedSeconds = 2
            load.summary.responses = Int(rps * 2)
            let pool = poolBusy.map { busy in
                ScenarioResult.PoolWindow(workers: [.init(id: 1, pid: 9, requests: Int(rps * 2), respawns: 0, harakiris: 0,
                                                          averageResponseMicros: 0, busyMicros: busy, threads: slots)], listenQueueErrors: 0)
            }
            let processes = cpuSeconds.map { [ScenarioResult.ProcessUsage(role: kind == .devServer ? .runserver : .pool, cpuSeconds: $0, cpuMicrosecondsPerRequest: 1, rssKiB: 1, processes: 2)] } ?? []
            target.repetitions.append(.init(load: load, processes: processes, pool: pool, flags: []))
        }
        return target
    }

    @Test func aPoolOfOneSlotServingASleepingViewIsTheBottleneckAndTheWaitIsOutsideTheWorker() throws {
        // 190 req/s x 2 s x 5.2 ms = 1.976 s busy of 2 s; p50 42 ms (8 connections / 190 req/s, Little's law).
        let account = try #require(TimeAccount(target: Self.target(rps: 190, median: 42_000, poolBusy: 1_976_000, cpuSeconds: 0.1),
                                               cores: 1, connections: 8))
        #expect(account.bottleneck == .pool)
        #expect(abs(try #require(account.workerMicros) - 5_200) < 1)
        #expect(account.sentence.hasPrefix("the pool: its 1 slot(s) (workers × threads) were busy 99% of the window"), "\(account.sentence)")
        #expect(account.sentence.contains("5.20ms in a worker and 36.80ms outside one"), "\(account.sentence)")
        #expect(account.sentence.contains("more workers or threads would serve more at once (the stack's 1 core(s) were 5% busy)"), "\(account.sentence)")
    }

    /// With the front's timing log the time outside a worker splits into waiting for one, the front and the
    /// client's side: the pool's head came 41 ms after the front connected, 5.2 ms of it the worker's.
    @Test func theFrontsTimesSplitTheWaitOutsideTheWorker() throws {
        var target = Self.target(rps: 190, median: 42_000, poolBusy: 1_976_000, cpuSeconds: 0.1)
        for index in target.repetitions.indices {
            target.repetitions[index].front = .init(requests: 380, requestMillis: 41.6, requestP99Millis: 48, upstreamRequests: 380,
                                                    connectMillis: 0, headerMillis: 41.2, responseMillis: 41.3)
        }
        let account = try #require(TimeAccount(target: target, cores: 1, connections: 8))
        // The front's log counts whole milliseconds: a part below one is said to be under it.
        #expect(account.sentence.contains("the median request took 42.00ms: 5.20ms in a worker, 36.00ms waiting for one, under 1ms in the front "
                                          + "and under 1ms between the client and the front"), "\(account.sentence)")
        #expect(!account.sentence.contains("accept queue"), "no samples, no words: \(account.sentence)")
    }

    /// The front's connects to the pool of a second or more, counted over the windows, close the clause with
    /// their cause and the setting that changes it; none, no words.
    @Test func slowConnectsToThePoolAreCountedAndExplained() throws {
        var target = Self.target(rps: 190, median: 15_000, poolBusy: 1_976_000, cpuSeconds: 0.1)
        for index in target.repetitions.indices {
            target.repetitions[index].front = .init(requests: 380, requestMillis: 15, requestP99Millis: 16, upstreamRequests: 380,
                                                    connectMillis: 0, headerMillis: 15, responseMillis: 15, slowConnects: index == 0 ? nil : 3)
        }
        let account = try #require(TimeAccount(target: target, cores: 1, connections: 8))
        #expect(account.slowConnects == 6)
        #expect(account.sentence.hasSuffix("; 6 of the front's connects to the pool took a second or more — the kernel sends a SYN again a second "
                                           + "after the pool's socket dropped it, its accept queue full: a larger `listen` lets connections wait in the queue instead"),
                "\(account.sentence)")
        target.repetitions[1].front?.slowConnects = nil
        target.repetitions[2].front?.slowConnects = nil
        #expect(try #require(TimeAccount(target: target, cores: 1, connections: 8)).sentence.contains("connects") == false)
    }

    /// The pool's accept queue, sampled in each window, joins the pool's clause: the median of the windows' means
    /// and the most any sample saw.
    @Test func theSampledAcceptQueueIsSaidWithThePool() throws {
        var target = Self.target(rps: 190, median: 42_000, poolBusy: 1_976_000, cpuSeconds: 0.1)
        for (index, (mean, most)) in [(6.8, 7), (7.0, 7), (5.9, 8)].enumerated() {
            target.repetitions[index].pool?.listenQueue = .init(samples: 10, mean: mean, max: most, backlog: 100)
        }
        let account = try #require(TimeAccount(target: target, cores: 1, connections: 8))
        #expect(account.sentence.hasPrefix("the pool: its 1 slot(s) (workers × threads) were busy 99% of the window, with 6.8 connection(s) "
                                           + "on average (at most 8) waiting in its accept queue"), "\(account.sentence)")
    }

    @Test func busyCoresAreTheBottleneckWhenThePoolHasRoomAndAnIdleStackSaysNoTierSaturated() throws {
        let cpuBound = try #require(TimeAccount(target: Self.target(rps: 2000, median: 4_000, poolBusy: 2_400_000, slots: 2, cpuSeconds: 1.95),
                                                cores: 1, connections: 8))
        #expect(cpuBound.bottleneck == .cores)
        #expect(cpuBound.sentence.hasPrefix("the cores: the stack's 1 core(s) were 98% busy, so more workers or threads cannot help"), "\(cpuBound.sentence)")
        var crowded = Self.target(rps: 2000, median: 4_000, poolBusy: 2_400_000, slots: 2, cpuSeconds: 1.95)
        for index in crowded.repetitions.indices { crowded.repetitions[index].processes[0].runnableSeconds = 2.8 }
        #expect(TimeAccount(target: crowded, cores: 1, connections: 8)?.sentence
                    .hasPrefix("the cores: the stack's 1 core(s) were 98% busy, with 1.4 thread(s) on average waiting for one, so") == true)
        // A dev server at the cores: no pool, so the advice does not speak of its workers.
        let devServer = try #require(TimeAccount(target: Self.target(kind: .devServer, rps: 1000, median: 8_000, poolBusy: nil, cpuSeconds: 1.98),
                                                 cores: 1, connections: 8))
        #expect(devServer.sentence.hasPrefix("the cores: the stack's 1 core(s) were 99% busy, so more server processes or threads cannot help"),
                "\(devServer.sentence)")
        let stalled = try #require(TimeAccount(target: Self.target(kind: .devServer, rps: 180, median: 44_000, poolBusy: nil, cpuSeconds: 0.1),
                                               cores: 1, connections: 8))
        #expect(stalled.bottleneck == TimeAccount.Bottleneck.none)
        #expect(stalled.sentence.hasPrefix("no tier saturated (the stack's 1 core(s) were 5% busy): 8 connection(s) waiting 44.00ms each set the rate"),
                "\(stalled.sentence)")
        var flagged = Self.target(kind: .devServer, rps: 180, median: 44_000, poolBusy: nil, cpuSeconds: 0.1)
        flagged.repetitions[0].flags = [.init(kind: .latencyBound, detail: "floor")]
        flagged.repetitions[1].flags = [.init(kind: .latencyBound, detail: "floor")]
        #expect(TimeAccount(target: flagged, cores: 1, connections: 8)?.sentence.hasSuffix("set the rate, a fixed wait with the server idle (latency-bound)") == true)
    }

    /// The cores busy and two thirds or more of their time the front's: the front is the bottleneck, and the time
    /// before its log starts (its first byte read) is the wait for it, not the client's side. With the pool
    /// holding most of the CPU, it stays the cores.
    @Test func aFrontHoldingTheCoresIsTheBottleneckAndTheWaitBeforeItsLogIsItsQueue() throws {
        var target = Self.target(kind: .proxiedStatic, rps: 78_000, median: 387, poolBusy: nil, cpuSeconds: 1.98)
        for index in target.repetitions.indices {
            target.repetitions[index].processes = [.init(role: .front, cpuSeconds: 1.98, cpuMicrosecondsPerRequest: 12, rssKiB: 1, processes: 1)]
            target.repetitions[index].front = .init(requests: 156_000, requestMillis: 0, requestP99Millis: 0, upstreamRequests: 0,
                                                    connectMillis: nil, headerMillis: nil, responseMillis: nil)
        }
        let account = try #require(TimeAccount(target: target, cores: 1, connections: 32))
        #expect(account.bottleneck == .front)
        #expect(account.tiers.map(\.tier) == [.front, .waitingForFront] && account.tiers[1].micros == 387)
        #expect(account.sentence.hasPrefix("the front: the stack's 1 core(s) were 99% busy, 100% of it the front's own, so requests queued in its "
                                           + "socket until it read them; more front workers (worker_processes) need more cores"), "\(account.sentence)")
        #expect(account.sentence.hasSuffix("under 1ms in the front and under 1ms waiting for the front to read it (queued in its socket) and on the network"),
                "\(account.sentence)")
        var dynamic = Self.target(rps: 2000, median: 4_000, poolBusy: 2_400_000, slots: 2, cpuSeconds: 1.3)
        for index in dynamic.repetitions.indices {
            dynamic.repetitions[index].processes.append(.init(role: .front, cpuSeconds: 0.65, cpuMicrosecondsPerRequest: 160, rssKiB: 1, processes: 1))
        }
        let pool = try #require(TimeAccount(target: dynamic, cores: 1, connections: 8))
        #expect(pool.bottleneck == .cores && abs((pool.frontShareOfCPU ?? 0) - 1.0 / 3) < 0.01, "\(pool.sentence)")
    }

    /// A dev server gives no figures of its own: the client's first byte splits its median, and a latency-bound
    /// window whose wait came after the first byte says so (Django's runserver: 1.6 ms to the head, 44 ms in all).
    @Test func aDevServersMedianSplitsAtTheFirstByteAndAStallAfterItIsSaid() throws {
        var target = Self.target(kind: .devServer, rps: 180, median: 44_000, poolBusy: nil, cpuSeconds: 0.1)
        for index in target.repetitions.indices {
            target.repetitions[index].load.firstByteLatency = target.repetitions[index].load.latency
            target.repetitions[index].load.firstByteLatency?.percentiles["50"] = 1_600
            target.repetitions[index].flags = [.init(kind: .latencyBound, detail: "floor")]
        }
        let account = try #require(TimeAccount(target: target, cores: 1, connections: 8))
        #expect(account.tiers.map(\.tier) == [.toFirstByte, .afterFirstByte] && account.tiers[1].micros == 42_400)
        #expect(account.sentence.hasSuffix("the median request took 44.00ms: 1.60ms to the answer's first byte (the server's work and any wait for it) "
                                           + "and 42.40ms from its first byte to its last — the wait came after the answer's first byte: as when a server "
                                           + "writes the head and the body apart and the second write waits for the client's delayed ACK (Nagle's algorithm)"),
                "\(account.sentence)")
        for index in target.repetitions.indices { target.repetitions[index].load.firstByteLatency?.percentiles["50"] = 43_000 }
        #expect(try #require(TimeAccount(target: target, cores: 1, connections: 8)).sentence.contains("Nagle") == false)
        // The answer's last byte in its first read: nothing after it to speak of, not "0.00us".
        for index in target.repetitions.indices { target.repetitions[index].load.firstByteLatency?.percentiles["50"] = 44_000 }
        let whole = try #require(TimeAccount(target: target, cores: 1, connections: 8)).sentence
        #expect(whole.hasSuffix("(the server's work and any wait for it) and nothing measurable from its first byte to its last"), "\(whole)")
    }

    @Test func withoutFiguresItSaysItCannotTellAndClientBoundWindowsAreLeftOut() throws {
        let external = try #require(TimeAccount(target: Self.target(kind: .external, rps: 100, median: 1_000, poolBusy: nil, cpuSeconds: nil),
                                                cores: 1, connections: 8))
        #expect(external.bottleneck == nil && external.sentence.hasPrefix("cannot tell"))
        var bound = Self.target(rps: 190, median: 42_000, poolBusy: 1_976_000, cpuSeconds: 0.1)
        for index in bound.repetitions.indices { bound.repetitions[index].flags = [.init(kind: .clientBound, detail: "97%")] }
        #expect(TimeAccount(target: bound, cores: 1, connections: 8) == nil)
    }

    /// The chart: a bar per path and configuration, split into the tiers the sentence names, a path without server
    /// figures drawn whole as not split; in compare, the bars of each run under each other.
    @Test func theChartSplitsEachConfigurationsMedianByTierAndCompareDrawsOneBarPerRun() throws {
        let folder = try TemporaryFolder()
        defer { withExtendedLifetime(folder) {} }
        typealias Values = SyntheticRuns.TargetValues
        var result = try RunFolder.read(try SyntheticRuns.write(in: folder, name: "run", cells: [
            ("workers=1", [("proxied-dynamic", Values(rps: [190, 190, 190])), ("dev-server", Values(rps: [180, 180, 180]))]),
            ("workers=2", [("proxied-dynamic", Values(rps: [380, 380, 380]))]),
        ])).result
        #expect(TimeChart.report(RunAnalysis(result)) == nil, "no server figures: nothing to split")
        for (cell, busy) in [(0, 1_976_000), (1, 1_900_000)] {
            var target = Self.target(rps: 190, median: 42_000, poolBusy: busy, cpuSeconds: 0.1)
            for index in target.repetitions.indices {
                target.repetitions[index].front = .init(requests: 380, requestMillis: 41.6, requestP99Millis: 48, upstreamRequests: 380,
                                                        connectMillis: 0, headerMillis: 41.2, responseMillis: 41.3)
            }
            result[cell: cell, target: 0].repetitions = target.repetitions
        }
        let chart = try #require(TimeChart.report(RunAnalysis(result)))
        for tier in ["in a worker", "waiting for a worker", "in the front", "client ↔ front", "not split (no figures from the servers)"] {
            #expect(chart.contains(">\(tier)</span>"), "legend has \(tier)")
        }
        #expect(chart.contains("<title>proxied-dynamic · workers=1 · in a worker: 5.20ms</title>"), "\(chart)")
        #expect(chart.contains("<title>proxied-dynamic · workers=1 · waiting for a worker: 36.00ms</title>"))
        #expect(chart.contains("<title>dev-server · workers=1 · not split (no figures from the servers): "))
        let compared = try #require(TimeChart.comparison([("A", result), ("B", result)]))
        #expect(compared.contains("<title>A · proxied-dynamic · workers=2 · in a worker: ") && compared.contains("<title>B · proxied-dynamic · workers=2 · in a worker: "))
        #expect(compared.components(separatedBy: "<rect").count - 1 == 2 * (4 + 4 + 1), "4 tiers per proxied configuration, the dev server whole")
    }
}
