import BenchSupport
import Foundation
import LoadEngine

/// `--mix FILE`: a JSON list of requests with weights, e.g.
/// `[{"url": "http://127.0.0.1:8080/", "weight": 3}, {"method": "POST", "url": "...", "bodyFile": "b.json"}]`.
/// Relative body files resolve against the mix file's folder.
enum RequestMixFile {
    private struct Entry: Decodable {
        var url: String
        var method: String?
        var headers: [String]?
        var body: String?
        var bodyFile: String?
        var weight: Double?
    }

    static func load(_ path: String) throws -> [RequestSpec] {
        let data = try read(path, flag: "--mix")
        let entries: [Entry]
        do {
            entries = try JSONDecoder().decode([Entry].self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw FileError(path: path, problem: "\(where_(context))missing key \"\(key.stringValue)\"")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw FileError(path: path, problem: "\(where_(context))\(context.debugDescription)")
        } catch {
            throw FileError(path: path, problem: "not a JSON list of requests")
        }
        guard !entries.isEmpty else { throw FileError(path: path, problem: "the request list is empty") }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        return try entries.enumerated().map { index, entry in
            if entry.body != nil && entry.bodyFile != nil {
                throw FileError(path: path, problem: "request \(index): \"body\" and \"bodyFile\" cannot both be set")
            }
            let body = try entry.bodyFile.map {
                try readBody($0.hasPrefix("/") ? $0 : folder.appendingPathComponent($0).path, flag: "--mix \(path)")
            } ?? entry.body.map { Array($0.utf8) }
            return RequestSpec(url: entry.url, method: (entry.method ?? "GET").uppercased(),
                               headers: entry.headers ?? [], body: body, weight: entry.weight ?? 1)
        }
    }

    static func readBody(_ path: String, flag: String) throws -> [UInt8] {
        Array(try read(path, flag: flag))
    }

    private static func read(_ path: String, flag: String) throws -> Data {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw FlagError(flag, "file \"\(path)\" does not exist")
        }
        guard !isDirectory.boolValue, let data = FileManager.default.contents(atPath: path) else {
            throw FlagError(flag, "file \"\(path)\" cannot be read")
        }
        return data
    }

    private static func where_(_ context: DecodingError.Context) -> String {
        let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return path.isEmpty ? "" : "\(path): "
    }
}
