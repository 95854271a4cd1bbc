import Foundation
import GRDB

/// The teacher table in SQLite: one connection per worker process (a GRDB `DatabaseQueue`, which serialises the
/// process's threads on it), created and seeded from INITIAL_DATA the first time any process opens an empty file.
/// Several worker processes may open it at once: the schema and seed go in one IMMEDIATE transaction, WAL lets
/// readers run beside a writer, and a busy timeout makes writers wait for each other instead of failing.
final class TeacherStore: Sendable {
    private let queue: DatabaseQueue

    /// Opens (creating when needed) the database at `path`, seeding it with `seed` when the table is empty.
    init(path: String, seed: () throws -> [NewTeacher]) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.label = "teacher"
        configuration.prepareDatabase { db in
            try Self.switchToWAL(db)
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        queue = try DatabaseQueue(path: path, configuration: configuration)
        try queue.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                try db.execute(sql: """
                    CREATE TABLE IF NOT EXISTS teacher (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        name TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        email TEXT NOT NULL,
                        years INTEGER NOT NULL DEFAULT 0
                    )
                    """)
                if try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM teacher") == 0 {
                    for teacher in try seed() { _ = try Self.insert(teacher, into: db) }
                }
                return .commit
            }
        }
    }

    /// `PRAGMA journal_mode = WAL`, retried while another process holds the lock it needs: SQLite answers BUSY at
    /// once there, without the busy timeout, when two processes open a new file together (seen with 4 at once).
    /// A file already in WAL mode is left as it is.
    private static func switchToWAL(_ db: Database) throws {
        let deadline = Date().addingTimeInterval(10)
        while true {
            do {
                if try String.fetchOne(db, sql: "PRAGMA journal_mode")?.lowercased() == "wal" { return }
                try db.execute(sql: "PRAGMA journal_mode = WAL")
                return
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY && Date() < deadline {
                usleep(5_000)
            }
        }
    }

    /// The first `limit` teachers by id.
    func list(limit: Int) throws -> [Teacher] {
        try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT id, name, subject, email, years FROM teacher ORDER BY id LIMIT ?",
                             arguments: [limit]).map(Teacher.init(row:))
        }
    }

    /// How many teachers there are.
    func count() throws -> Int {
        try queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM teacher") ?? 0 }
    }

    /// Inserts `teacher` and returns the stored row.
    func insert(_ teacher: NewTeacher) throws -> Teacher {
        try queue.write { db in try Self.insert(teacher, into: db) }
    }

    private static func insert(_ teacher: NewTeacher, into db: Database) throws -> Teacher {
        let years = Int64(teacher.years ?? 0)
        try db.execute(sql: "INSERT INTO teacher (name, subject, email, years) VALUES (?, ?, ?, ?)",
                       arguments: [teacher.name, teacher.subject, teacher.email, years])
        return Teacher(id: db.lastInsertedRowID, name: teacher.name, subject: teacher.subject, email: teacher.email,
                       years: years)
    }
}
