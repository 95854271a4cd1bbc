import BenchSupport
import Foundation

/// One `key = value` as read from an ini file, with where it came from.
public struct UwsgiOption: Sendable, Equatable {
    /// The key as written (`workers`, `processes`).
    public let key: String
    /// The value after magic variables and the `$()`, `@()`, `%()` passes.
    public var value: String
    /// The file it was read from.
    public let file: String
    /// Its 1-based line.
    public let line: Int
}

/// Reads uWSGI ini files as uWSGI 2.0's `core/ini.c` does: magic variables (`%d`, `%n`, ...) substituted in the
/// raw text first; then lines trimmed, `[section]` headers (every block of the asked section is read), `#`/`;`
/// comments (whole lines only: no inline comments, quotes literal), `key = value` split at the first `=`, a bare
/// key meaning an empty value, `ini = other.ini` read in place. Then, over every value: `$(ENV)`, `@(file)` and
/// `%(key)` (the first definition of `key`; unknown ones stay as written). See shared/spec/uwsgi-ini.md §2–§3.
public enum UwsgiIniReader {
    /// Reads `reference` (`FILE` or `FILE:SECTION`; the section defaults to `uwsgi`). `warn` receives uWSGI's
    /// warning when the section never appears.
    public static func read(_ reference: String, environment: [String: String] = ProcessInfo.processInfo.environment,
                            warn: (String) -> Void) throws -> [UwsgiOption] {
        let (path, section) = split(reference)
        var options: [UwsgiOption] = []
        var visited: [String] = []
        try readFile(path, section: section, into: &options, visited: &visited, warn: warn)
        return try resolve(options, environment: environment)
    }

    /// `FILE:SECTION` → (FILE, SECTION); a bare file reads `[uwsgi]`.
    static func split(_ reference: String) -> (String, String) {
        if let colon = reference.lastIndex(of: ":"), !reference[reference.index(after: colon)...].contains("/") {
            let section = String(reference[reference.index(after: colon)...])
            return (String(reference[..<colon]), section.isEmpty ? "uwsgi" : section)
        }
        return (reference, "uwsgi")
    }

    private static func readFile(_ path: String, section: String, into options: inout [UwsgiOption],
                                 visited: inout [String], warn: (String) -> Void) throws {
        let absolute = (path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path) as NSString
        let normalized = absolute.standardizingPath
        guard !visited.contains(normalized) else {
            throw ConfigError(file: path, line: nil, key: "ini", problem: "includes itself (via \(visited.last ?? path))")
        }
        visited.append(normalized)
        defer { visited.removeLast() }
        let text = substituteMagic(in: try FileSystem.readText(path), path: normalized, asGiven: path, section: section)
        var inSection = false
        var sawSection = false
        // "\r\n" is one Character in Swift: split on both forms.
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        for (index, rawLine) in lines.enumerated() {
            let line = rawLine.trimmingCharacters(in: CharacterSet(charactersIn: " \t\r"))
            if line.isEmpty { continue }
            if line.hasPrefix("[") {
                inSection = String(line.dropFirst().dropLast()) == section
                sawSection = sawSection || inSection
                continue
            }
            guard inSection, !line.hasPrefix("#"), !line.hasPrefix(";") else { continue }
            let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = parts[0].trimmingCharacters(in: .whitespaces)
            let value = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
            guard !key.isEmpty else {
                throw ConfigError(file: path, line: index + 1, key: nil, problem: "a line with a value but no key")
            }
            if key == "ini" {
                let included = value.hasPrefix("/") ? value : (normalized as NSString).deletingLastPathComponent + "/" + value
                let (file, includedSection) = split(included)
                if visited.contains((file as NSString).standardizingPath) {
                    throw ConfigError(file: path, line: index + 1, key: "ini", problem: "includes itself (\(file))")
                }
                do {
                    try readFile(file, section: includedSection, into: &options, visited: &visited, warn: warn)
                } catch let error as FileError {
                    throw ConfigError(file: path, line: index + 1, key: "ini", problem: error.description)
                }
                continue
            }
            options.append(UwsgiOption(key: key, value: value, file: path, line: index + 1))
        }
        if !sawSection {
            warn("*** WARNING: Can't find section \"\(section)\" in INI configuration file \(path) ***")
        }
    }

    /// The magic variables of uWSGI's ini loader, replaced in the raw text; any other `%X` becomes nothing, `%(`
    /// is kept for the placeholder pass.
    static func substituteMagic(in text: String, path: String, asGiven: String, section: String) -> String {
        guard text.contains("%") else { return text }
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let components = directory.split(separator: "/").map(String.init)
        var values: [Character: String] = [
            "d": directory.hasSuffix("/") ? directory : directory + "/", "p": path, "s": name,
            "n": (name as NSString).deletingPathExtension, "e": (name as NSString).pathExtension,
            "c": components.last ?? "", "x": section == "uwsgi" ? "" : section, "o": asGiven,
            "h": ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "",
            "k": String(ProcessInfo.processInfo.activeProcessorCount), "v": FileManager.default.currentDirectoryPath,
            "t": String(Int(Date().timeIntervalSince1970)), "T": String(Int(Date().timeIntervalSince1970 * 1e6)),
            "u": String(getuid()), "g": String(getgid()), "%": "%",
        ]
        for (index, component) in components.prefix(10).enumerated() { values[Character(String(index))] = component }
        for (lower, upper) in zip("dpsnecxo", "DPSNECXO") { values[upper] = values[lower] }
        var result = ""
        var iterator = text.makeIterator()
        while let character = iterator.next() {
            guard character == "%" else { result.append(character); continue }
            guard let next = iterator.next() else { result.append("%"); break }
            if next == "(" { result += "%(" } else { result += values[next] ?? "" }
        }
        return result
    }
}
