import Foundation

/// A log copied into the run folder keeps its last bytes, from a line start, under one line saying how much was
/// left out: a run folder stays small enough for a CI artifact (the user's access log alone was 36 MB for one cell
/// of a 5 s window; the main job's 12 cells kept 36 MB of logs at 1 MiB each) and keeps what a failure needs, the
/// end: 1 MiB of each log of a cell that failed (and of the project's preparation), 64 KiB of one that finished.
enum LogTail {
    static let keptBytes = 64 << 10
    static let keptBytesOfFailure = 1 << 20

    /// Copies `source` to `target`, whole when it is at most `keptBytes`, else its tail.
    static func copy(_ source: String, to target: String, keeping kept: Int = keptBytes) {
        guard let input = FileHandle(forReadingAtPath: source) else { return }
        defer { try? input.close() }
        guard let size = try? input.seekToEnd(), size > UInt64(kept) else {
            try? FileManager.default.copyItem(atPath: source, toPath: target)
            return
        }
        try? input.seek(toOffset: size - UInt64(kept))
        var tail = (try? input.readToEnd()) ?? Data()
        // From the first whole line: the cut falls inside one.
        if let newline = tail.firstIndex(of: UInt8(ascii: "\n")) { tail = tail[tail.index(after: newline)...] }
        let omitted = Int(size) - tail.count
        var text = Data("[stackbench: the first \(omitted) bytes of this log were left out; stackbench run --keep-logs keeps them]\n".utf8)
        text.append(tail)
        _ = FileManager.default.createFile(atPath: target, contents: text)
    }
}
