import Foundation
@testable import Scenario
import Results
import StackbenchTesting
import Testing

/// The planner: each target measured once per configuration of the settings it reads, in a different cell of the
/// group each round, with the keys it ignores named.
@Suite struct ExperimentPlanTests {
    static let scenario = ScenarioLoadingTests.good.replacingOccurrences(of: """
        targets:
          proxied-static:
            requests: [/static/css/app.css]
        """, with: """
        matrix:
          stack: [swift, nginx+swift]
          workers: [1, 2]
          worker_processes: [1, 2]
        targets:
          dev-server:
            requests: [/api/teachers]
          proxied-static:
            requests: [/static/css/app.css]
          proxied-dynamic:
            requests: [/api/teachers]
          pool-direct:
            requests: [/api/teachers]
          elsewhere:
            kind: external
            url: http://127.0.0.1:9
            requests: [/]
        """)

    @Test func eachTargetIsMeasuredOncePerConfigurationItReads() throws {
        let scenario = try ScenarioLoadingTests.load(Self.scenario)
        #expect(scenario.matrix.cells.count == 8)
        let plan = ExperimentPlan(targets: scenario.targets, cells: scenario.matrix.cells)
        #expect(plan.groups.map(\.count) == [2, 4, 8, 4, 1], "dev-server by stack; static by stack and nginx; dynamic by all; pool by stack and uwsgi; external once")
        #expect(plan.groups[0] == [[1, 2, 3, 4], [5, 6, 7, 8]])
        #expect(plan.groups[1] == [[1, 3], [2, 4], [5, 7], [6, 8]], "worker_processes is the fastest key: 1 and 3 differ only in workers")
        #expect(plan.ignoredKeys == [["workers", "worker_processes"], ["workers"], [], ["worker_processes"], ["stack", "workers", "worker_processes"]])
        #expect(plan.windowsPerRound(repetitions: 2) == 38)
        #expect(scenario.planSummary[0] == "dev-server: 2 configurations (not affected by workers, worker_processes)")
    }

    @Test func eachRoundMeasuresAGroupInItsNextCellAndEveryConfigurationOnce() throws {
        let scenario = try ScenarioLoadingTests.load(Self.scenario)
        let plan = ExperimentPlan(targets: scenario.targets, cells: scenario.matrix.cells)
        #expect(plan.targets(measuredIn: 1, round: 1) == [0, 1, 2, 3, 4])
        #expect(plan.targets(measuredIn: 2, round: 1) == [1, 2], "the pool's own socket is the same in cells 1 and 2: cell 1 has it")
        #expect(plan.targets(measuredIn: 2, round: 2) == [0, 2, 3, 4], "round 2: each group's second cell")
        #expect(plan.targets(measuredIn: 1, round: 2) == [2], "only the dynamic path, which no other cell shares")
        for round in 1...6 {
            for (target, groups) in plan.groups.enumerated() {
                for members in groups {
                    let measuring = members.filter { plan.targets(measuredIn: $0, round: round).contains(target) }
                    #expect(measuring.count == 1, "target \(target), round \(round): one cell of each group measures it")
                }
            }
        }
    }

    @Test func aTargetWithEventsIsMeasuredInEveryCell() throws {
        let scenario = try ScenarioLoadingTests.load(ScenarioLoadingTests.good.replacingOccurrences(of: "targets:", with: """
            matrix:
              workers: [1, 2]
            targets:
              dev-server:
                requests: [/api/teachers]
              reloaded:
                kind: proxied-static
                requests: [/static/css/app.css]
                events:
                  - {at: 1s, do: reload-front}
            """))
        let plan = ExperimentPlan(targets: scenario.targets, cells: scenario.matrix.cells)
        #expect(plan.groups.map(\.count) == [1, 2, 1], "static files read no pool option, but a reload under load acts on the whole stack")
        #expect(plan.ignoredKeys == [["workers"], [], ["workers"]])
    }
}
