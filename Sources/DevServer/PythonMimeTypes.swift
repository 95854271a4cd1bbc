import Foundation

/// Content types as Python's `mimetypes.guess_type` gives them to Django's static view: its built-in table, then
/// the system's /etc/mime.types (read once), which Python also loads; plus the encodings it recognises
/// (`x.css.gz` → text/css with Content-Encoding gzip).
enum PythonMimeTypes {
    private static let builtIn: [String: String] = [
        "css": "text/css", "js": "text/javascript", "mjs": "text/javascript", "html": "text/html",
        "htm": "text/html", "txt": "text/plain", "json": "application/json", "xml": "text/xml",
        "svg": "image/svg+xml", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
        "ico": "image/vnd.microsoft.icon", "webp": "image/webp", "woff": "font/woff", "woff2": "font/woff2",
        "ttf": "font/ttf", "otf": "font/otf", "pdf": "application/pdf", "wasm": "application/wasm",
        "zip": "application/zip", "mp4": "video/mp4", "webm": "video/webm", "mp3": "audio/mpeg",
        "csv": "text/csv", "md": "text/markdown", "map": "application/json", "bin": "application/octet-stream",
    ]
    private static let encodings = ["gz": "gzip", "bz2": "bzip2", "xz": "xz", "br": "br", "Z": "compress"]

    private static let table: [String: String] = {
        var table = builtIn
        guard let text = try? String(contentsOfFile: "/etc/mime.types", encoding: .utf8) else { return table }
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard words.count > 1 else { continue }
            for suffix in words.dropFirst() { table[suffix.lowercased()] = String(words[0]) }
        }
        return table
    }()

    /// The content type (nil when unknown) and content encoding (nil when none) for a file name.
    static func guess(_ name: String) -> (type: String?, encoding: String?) {
        var parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count > 1 else { return (nil, nil) }
        var encoding: String?
        if let found = encodings[parts.last!], parts.count > 2 {
            encoding = found
            parts.removeLast()
        }
        return (table[parts.last!] ?? table[parts.last!.lowercased()], encoding)
    }
}
