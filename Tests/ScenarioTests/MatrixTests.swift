import Foundation
@testable import Scenario
import Results
import StackConfig
import StackbenchTesting
import Testing

/// The matrix of a scenario: a cross product in key order, or an explicit list of cells; each setting knows whose
/// file it changes, and the `stack` key picks a cell's variant.
@Suite struct MatrixTests {
    @Test func theMatrixIsACrossProductOrAList() throws {
        let cross = try ScenarioLoadingTests.load(ScenarioLoadingTests.good + "\nmatrix:\n  workers: [1, 2]\n  threads: 4\n  worker_processes: [1, 2]\n").matrix
        #expect(cross.cells.map(\.label) == ["workers=1 threads=4 worker_processes=1", "workers=1 threads=4 worker_processes=2",
                                              "workers=2 threads=4 worker_processes=1", "workers=2 threads=4 worker_processes=2"])
        #expect(cross.cells[0].settings(for: .nginx).map(\.name) == ["worker_processes"])
        let list = try ScenarioLoadingTests.load(ScenarioLoadingTests.good + "\nmatrix:\n  cells:\n    - {workers: 1}\n    - {workers: 2, thunder-lock: true}\n").matrix
        #expect(list.cells.map(\.label) == ["workers=1", "workers=2 thunder-lock=true"])
        #expect(try ScenarioLoadingTests.load(ScenarioLoadingTests.good).matrix.cells.map(\.label) == ["defaults"])
        #expect(throws: ConfigError.self) { try ScenarioLoadingTests.load(ScenarioLoadingTests.good + "\nmatrix:\n  socket: [/tmp/x.sock]\n") }
    }

    @Test func theStackKeyPicksEachCellsVariant() throws {
        let matrix = try ScenarioLoadingTests.load(ScenarioLoadingTests.good + "\nmatrix:\n  stack: [swift, nginx+swift]\n  workers: 2\n").matrix
        #expect(matrix.cells.map { $0.variant(default: .swift).name } == ["swift", "nginx+swift"])
        #expect(matrix.cells[1].settings(for: .stack).map(\.value) == ["nginx+swift"])
        #expect(matrix.cells[1].settings(for: .uwsgi).map(\.name) == ["workers"])
    }
}
