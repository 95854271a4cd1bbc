import Foundation

/// A log copied into the run folder keeps its first and last bytes, cut at line starts, with one line between them
/// saying how much was left out: a run folder stays small enough for a CI artifact (the user's access log alone
/// was 36 MB for one cell of a 5 s window; the main job's 12 cells kept 36 MB of logs at 1 MiB each) and keeps
/// what a reader needs, how the server started (its versions, the app it loaded) and how it ended (a failure).
/// 64 KiB of each log of a cell that finished, 1 MiB of one that failed (and of the project's preparation); a
/// quarter of it from the start.
enum LogTail {
    static let keptBytes = 64 << 10
    static let keptBytesOfFailure = 1 << 20

    /// Copies `source` to `target`, whole when it is at most `kept` bytes, else its head and tail.
    static func copy(_ source: String, to target: String, keeping kept: Int = keptBytes) {
        guard let input = FileHandle(forReadingAtPath: source) else { return }
        defer { try? input.close() }
        guard let size = try? input.seekToEnd(), size > UInt64(kept) else {
            try? FileManager.default.copyItem(atPath: source, toPath: target)
            return
        }
        try? input.seek(toOffset: 0)
        var head = (try? input.read(upToCount: kept / 4)) ?? Data()
        // Up to the end of the last whole line, and from the first whole line: the cuts fall inside lines.
        head = head.lastIndex(of: UInt8(ascii: "\n")).map { head[...$0] } ?? Data()
        try? input.seek(toOffset: size - UInt64(kept - kept / 4))
        var tail = (try? input.readToEnd()) ?? Data()
        if let newline = tail.firstIndex(of: UInt8(ascii: "\n")) { tail = tail[tail.index(after: newline)...] }
        let omitted = Int(size) - head.count - tail.count
        var text = Data(head)
        text.append(Data("[stackbench: \(omitted) bytes of this log were left out here; stackbench run --keep-logs keeps them]\n".utf8))
        text.append(tail)
        _ = FileManager.default.createFile(atPath: target, contents: text)
    }
}
