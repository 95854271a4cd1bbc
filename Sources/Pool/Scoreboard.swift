import Atomics
import CLinux
import Foundation

/// The memory every process of one pool shares (uWSGI's shared area): the thunder lock and one slot per worker,
/// in a memfd the master creates and each worker maps from the descriptor it inherits. The master reads it to run
/// harakiri and the stats server; each worker writes only its own slot. Fields are atomic words, so readers never
/// take a lock.
public final class Scoreboard: @unchecked Sendable {  // shared memory: each field has one writer (master or its worker), stored atomically
    /// Bytes before the first slot: a magic word, the worker count, the thunder lock.
    static let headerSize = 128
    static let lockOffset = 64
    /// Bytes per worker slot: 16 words, then the current request's text.
    static let slotSize = 256
    static let magic = 0x5342_5343_4f52_4531  // "SBSCORE1"

    /// The shared-memory descriptor (inherited by workers).
    public let descriptor: Int32
    /// How many worker slots there are.
    public let workerCount: Int
    let base: UnsafeMutableRawPointer
    private let size: Int

    /// Creates the memory for `workers` workers (the master does this once).
    public static func create(workers: Int) throws -> Scoreboard {
        let size = headerSize + workers * slotSize
        let fd = sb_shared_memory_create("stackbench-scoreboard", UInt(size))
        guard fd >= 0 else { throw PoolError.system("memfd_create", errno) }
        let board = try Scoreboard(descriptor: fd, workers: workers, size: size)
        board.word(0).store(magic, ordering: .relaxed)
        board.word(8).store(workers, ordering: .relaxed)
        let status = sb_robust_mutex_init(board.base + lockOffset)
        guard status == 0 else { throw PoolError.system("pthread_mutex_init", status) }
        return board
    }

    /// Maps the memory a master created, from an inherited descriptor (a worker does this).
    public static func attach(descriptor: Int32) throws -> Scoreboard {
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_size >= headerSize else {
            throw PoolError.system("scoreboard descriptor", errno)
        }
        let workers = (Int(status.st_size) - headerSize) / slotSize
        let board = try Scoreboard(descriptor: descriptor, workers: workers, size: Int(status.st_size))
        guard board.word(0).load(ordering: .relaxed) == magic else { throw PoolError.system("scoreboard magic", EINVAL) }
        return board
    }

    private init(descriptor: Int32, workers: Int, size: Int) throws {
        guard let mapped = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, descriptor, 0), mapped != MAP_FAILED else {
            throw PoolError.system("mmap", errno)
        }
        self.descriptor = descriptor
        self.workerCount = workers
        self.base = mapped
        self.size = size
    }

    deinit { munmap(base, size) }

    /// The lock that serialises accept() across every process of the pool (thunder-lock).
    public var thunderLock: AcceptLock { AcceptLock(memory: base + Self.lockOffset) }

    /// The slot of worker `id` (1-based, as uWSGI numbers workers).
    public func slot(_ id: Int) -> WorkerSlot {
        precondition(id >= 1 && id <= workerCount, "worker \(id) outside 1...\(workerCount)")
        return WorkerSlot(base: base + Self.headerSize + (id - 1) * Self.slotSize)
    }

    func word(_ offset: Int) -> UnsafeAtomic<Int> {
        UnsafeAtomic(at: (base + offset).assumingMemoryBound(to: Int.AtomicRepresentation.self))
    }
}

/// A process-shared robust mutex: when its holder dies (a harakiri SIGKILL), the next locker recovers it and
/// says so, as uWSGI's `[deadlock-detector]` does.
public struct AcceptLock: @unchecked Sendable {  // a process-shared robust pthread mutex: the mutex itself serializes
    let memory: UnsafeMutableRawPointer

    /// Takes the lock; returns true when it was recovered from a holder that died.
    @discardableResult
    public func lock() -> Bool {
        sb_robust_mutex_lock(memory) == 1
    }

    /// Takes the lock unless `stop()` turns true first (checked every 200 ms): nil when it gave up, else whether
    /// the lock was recovered from a dead holder. A worker told to stop must not wait for another process's
    /// thread, idle in poll(), to hand the lock over.
    public func lock(unless stop: () -> Bool) -> Bool? {
        while !stop() {
            let result = sb_robust_mutex_timedlock(memory, 200)
            if result == 0 || result == 1 { return result == 1 }
        }
        return nil
    }

    /// Releases the lock.
    public func unlock() {
        sb_robust_mutex_unlock(memory)
    }
}

/// Why the pool could not do something; one line.
public enum PoolError: Error, CustomStringConvertible {
    case system(String, Int32)

    public var description: String {
        switch self {
        case .system(let call, let code): return "\(call): \(String(cString: strerror(code)))"
        }
    }
}
