import Foundation

/// The version this binary reports, and the git commit of the source tree it was built from when that is known.
public enum StackbenchVersion {
    public static let text = "0.1.0"

    /// HEAD of the repository the sources live in, read at run time (nil outside a checkout).
    public static var gitSha: String? {
        var folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        for _ in 0..<4 {
            folder = folder.deletingLastPathComponent()
            let head = folder.appendingPathComponent(".git/HEAD").path
            guard let text = try? String(contentsOfFile: head, encoding: .utf8) else { continue }
            let line = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard line.hasPrefix("ref: ") else { return line }
            let ref = folder.appendingPathComponent(".git/" + line.dropFirst(5)).path
            if let sha = try? String(contentsOfFile: ref, encoding: .utf8) { return sha.trimmingCharacters(in: .whitespacesAndNewlines) }
            let packed = (try? String(contentsOfFile: folder.appendingPathComponent(".git/packed-refs").path, encoding: .utf8)) ?? ""
            return packed.split(separator: "\n").first { $0.hasSuffix(" " + line.dropFirst(5)) }.map { String($0.prefix(40)) }
        }
        return nil
    }
}
