import Foundation
@testable import Pool
import Testing

@Suite struct ScoreboardTests {
    @Test func aSecondMappingSeesTheSameSlots() throws {
        let master = try Scoreboard.create(workers: 3)
        let worker = try Scoreboard.attach(descriptor: dup(master.descriptor))
        #expect(worker.workerCount == 3)
        master.slot(2).recordSpawn(pid: 4242, now: 1_700_000_000)
        #expect(worker.slot(2).pid == 4242 && worker.slot(2).respawnCount == 1 && worker.slot(2).status == .idle)
        worker.slot(2).beginRequest(nowMicros: 1_700_000_000_000_000, harakiriSeconds: 30, text: "GET /sleep?ms=10")
        #expect(master.slot(2).status == .busy)
        #expect(master.slot(2).harakiriDeadline == 1_700_000_030)
        #expect(master.slot(2).requestText == "GET /sleep?ms=10")
        worker.slot(2).endRequest(micros: 750, bytes: 70, failed: false)
        worker.slot(2).beginRequest(nowMicros: 1, harakiriSeconds: 0, text: "x")
        worker.slot(2).endRequest(micros: 1, bytes: 6, failed: true)
        #expect(master.slot(2).requests == 2 && master.slot(2).deltaRequests == 2)
        #expect(master.slot(2).averageResponseMicros == 375, "uWSGI's (avg + rt) / 2")
        #expect(master.slot(2).transmittedBytes == 76 && master.slot(2).exceptions == 1)
        #expect(master.slot(2).status == .idle && master.slot(2).harakiriDeadline == 0)
        #expect(master.slot(1).pid == 0 && master.slot(3).requests == 0, "slots are separate")
    }

    @Test func aSlotStaysBusyWhileAnyThreadIsInARequest() throws {
        let board = try Scoreboard.create(workers: 1)
        board.slot(1).beginRequest(nowMicros: 10, harakiriSeconds: 0, text: "a")
        board.slot(1).beginRequest(nowMicros: 20, harakiriSeconds: 0, text: "b")
        board.slot(1).endRequest(micros: 5, bytes: 0, failed: false)
        #expect(board.slot(1).status == .busy)
        board.slot(1).endRequest(micros: 5, bytes: 0, failed: false)
        #expect(board.slot(1).status == .idle && board.slot(1).requestStartMicros == 0)
    }

    @Test func theThunderLockIsRecoveredWhenItsHolderDies() throws {
        let board = try Scoreboard.create(workers: 1)
        let lock = board.thunderLock
        let holder = Thread { lock.lock() }  // exits holding it, as a SIGKILLed worker would
        holder.start()
        while !holder.isFinished { usleep(1_000) }
        usleep(10_000)
        #expect(lock.lock(), "the next locker is told it recovered the lock")
        lock.unlock()
        #expect(!lock.lock(), "after recovery it is an ordinary lock again")
        lock.unlock()
    }

    @Test func spawnedChildrenInheritExactlyTheDescriptorsGiven() throws {
        let board = try Scoreboard.create(workers: 1)
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("spawn-\(UUID().uuidString)").path
        let script = "readlink /proc/self/fd/3 > \(output); test -e /proc/self/fd/4 && echo leaked >> \(output); true"
        let pid = try Spawn.start("/bin/sh", arguments: ["/bin/sh", "-c", script], environment: [:],
                                  inheriting: [board.descriptor])
        var exit: Int32 = 0
        waitpid(pid, &exit, 0)
        let text = try String(contentsOfFile: output, encoding: .utf8)
        #expect(text.hasPrefix("/memfd:stackbench-scoreboard"), "\(text)")
        #expect(!text.contains("leaked"))
        try? FileManager.default.removeItem(atPath: output)
    }
}
