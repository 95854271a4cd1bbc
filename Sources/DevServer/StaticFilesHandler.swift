import Foundation
import ServerCore
import StackConfig
import WSGI

/// Django's `StaticFilesHandler`: wraps the app; requests under STATIC_URL are answered from STATICFILES_DIRS (not
/// STATIC_ROOT) by `django.views.static.serve`, bypassing the app and its middleware; everything else goes to the
/// app. Any method is accepted, Range is ignored, there is no ETag; If-Modified-Since gives 304. Each file is read
/// per request in 4 KiB blocks, as Django's FileResponse streams it (no sendfile).
public final class StaticFilesHandler: Application {
    private let app: Application
    private let prefix: String
    private let finders: StaticFinders

    /// Wraps `app`, serving `settings.staticURL` from the project's static directories.
    public init(app: Application, settings: ProjectSettings) {
        self.app = app
        self.prefix = settings.staticURL
        self.finders = StaticFinders(directories: settings.staticFilesDirectories)
    }

    /// Whether static serving applies to STATIC_URL at all (not when it names another host, as Django decides).
    public static func applies(to settings: ProjectSettings) -> Bool {
        !settings.staticURL.contains("://")
    }

    public func handle(_ request: Request) throws -> Response {
        let path = request.environ.pathInfo
        guard path.hasPrefix(prefix) else { return try app.handle(request) }
        let relative = String(path.dropFirst(prefix.count))
        switch finders.find(relative) {
        case .file(let file):
            return serve(file, request: request)
        case .outside:
            request.errors.write("Bad Request: \(path)")
            return Self.page(400, "Bad Request (400)", "The joined path is located outside of the base path component.")
        case .directory:
            request.errors.write("Not Found: \(path)")
            return Self.page(404, "Page not found (404)", "Directory indexes are not allowed here.")
        case .notFound:
            request.errors.write("Not Found: \(path)")
            if relative.hasSuffix("/") || relative.isEmpty {
                return Self.page(404, "Page not found (404)", "Directory indexes are not allowed here.")
            }
            return Self.page(404, "Page not found (404)", "'\(Self.escape(StaticFinders.normalize(relative)))' could not be found")
        }
    }

    private func serve(_ file: String, request: Request) -> Response {
        let descriptor = open(file, O_RDONLY | O_CLOEXEC)
        var status = stat()
        guard descriptor >= 0, fstat(descriptor, &status) == 0 else {
            if descriptor >= 0 { close(descriptor) }
            request.errors.write("Not Found: \(request.environ.pathInfo)")
            return Self.page(404, "Page not found (404)", "'\(Self.escape(file))' could not be read")
        }
        let modified = Int(status.st_mtim.tv_sec)
        if let since = request.environ.header("If-Modified-Since").flatMap(HTTPDate.parse), modified <= since {
            close(descriptor)
            return Response(status: 304, body: .bytes([]))
        }
        let name = (file as NSString).lastPathComponent
        let (type, encoding) = PythonMimeTypes.guess(name)
        var headers: [(name: String, value: String)] = [
            ("Content-Type", type ?? "application/octet-stream"),
            ("Content-Length", String(status.st_size)),
        ]
        if let encoding { headers.append(("Content-Encoding", encoding)) }
        headers.append(("Content-Disposition", "inline; filename=\"\(name)\""))
        headers.append(("Last-Modified", HTTPDate.format(modified)))
        return Response(status: 200, headers: headers, body: .chunks(FileBlocks(descriptor: descriptor)))
    }

    private static func page(_ status: Int, _ title: String, _ detail: String) -> Response {
        let body = Array("<!DOCTYPE html>\n<html lang=\"en\"><head><title>\(title)</title></head>\n<body><h1>\(title)</h1>\n<p>\(detail)</p>\n</body></html>\n".utf8)
        return Response(status: status, headers: [("Content-Type", "text/html; charset=utf-8"),
                                                  ("Content-Length", String(body.count))], body: .bytes(body))
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "'", with: "&#x27;")
    }
}

/// A file read in 4 KiB blocks (Django's `FileResponse.block_size`), closed at the end.
final class FileBlocks: ChunkSource {
    private let descriptor: Int32
    private var isClosed = false

    init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    func nextChunk() throws -> [UInt8]? {
        var block = [UInt8](repeating: 0, count: 4096)
        let count = block.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        block.removeLast(block.count - count)
        return block
    }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        Glibc.close(descriptor)
    }

    deinit { close() }
}
