import BenchSupport
import Foundation
import Results
import StackConfig

/// The settings a scenario sweeps, expanded into cells. Keys are the options' own names: a uWSGI ini option
/// (`workers`, `threads`, `post-buffering`, `thunder-lock`, ...) goes into the pool's ini, an nginx directive
/// (`worker_processes`, `keepalive_timeout`, ...) into the front's config. Written either as a mapping of key to
/// value or list of values (the full cross product, first key slowest), or as `cells:`, a list of combinations.
public struct Matrix: Sendable {
    public typealias Setting = CellSetting
    public typealias Component = CellSetting.Component

    public var cells: [Cell]

    public struct Cell: Sendable {
        /// 1-based.
        public var index: Int
        public var settings: [Setting]

        /// `workers=2 threads=4`, or `defaults` for a cell that changes nothing.
        public var label: String {
            settings.isEmpty ? "defaults" : settings.map { "\($0.name)=\($0.value)" }.joined(separator: " ")
        }

        public func settings(for component: Component) -> [Setting] { settings.filter { $0.component == component } }

        /// The cell's front and pool: its `stack` setting, else the scenario's.
        public func variant(default fallback: StackVariant) -> StackVariant {
            settings.last { $0.component == .stack }.flatMap { StackVariant(name: $0.value) } ?? fallback
        }
    }

    /// At most this many cells: a typo such as a 1000-long list should not start an all-day run.
    public static let maximumCells = 1000

    /// Reads the `matrix:` value; absent, the one cell of the files as they are.
    static func read(_ value: YAMLValue?) throws -> Matrix {
        guard let value else { return Matrix(cells: [Cell(index: 1, settings: [])]) }
        guard case .mapping(let mapping) = value.node else { throw value.error("must be a mapping of setting to values, or cells: [...]") }
        if mapping.keys.contains(where: { $0.scalar?.string == "cells" }) {
            let entries = try value.mapping(allowedKeys: ["cells"])
            let combinations = try entries[0].value.sequence()
            guard !combinations.isEmpty else { throw entries[0].value.error("must list at least one combination") }
            return Matrix(cells: try combinations.enumerated().map { index, combination in
                Cell(index: index + 1, settings: try combination.mapping(allowedKeys: Self.knownNames).map { try setting($0.key, $0.value) })
            })
        }
        var axes: [[Setting]] = []
        for (name, entry) in try value.mapping(allowedKeys: Self.knownNames) {
            let values = if case .sequence = entry.node { try entry.sequence() } else { [entry] }
            guard !values.isEmpty else { throw entry.error("must list at least one value") }
            axes.append(try values.map { try setting(name, $0) })
        }
        var combinations: [[Setting]] = [[]]
        for axis in axes {
            combinations = combinations.flatMap { prefix in axis.map { prefix + [$0] } }
            guard combinations.count <= maximumCells else {
                throw value.error("expands to more than \(maximumCells) cells; sweep fewer values")
            }
        }
        return Matrix(cells: combinations.enumerated().map { Cell(index: $0.offset + 1, settings: $0.element) })
    }

    static var knownNames: [String] {
        ["cells", "stack"] + UwsgiConfig.optionNames.filter { !fixedOptions.contains(UwsgiConfig.canonicalName(of: $0)) }
            + NginxConfig.sweepableDirectives
    }

    /// Options the run itself sets (where sockets, logs and pids go) or keeps from the ini (the app, the user), by
    /// canonical name (aliases follow); a matrix cannot change them.
    static let fixedOptions: Set<String> = [
        "chdir", "socket", "http-socket", "pidfile", "daemonize", "logto", "stats", "ini", "module", "uid", "gid",
    ]

    /// One value, checked the way the pool or the front would read it, so a bad value stops the run before
    /// anything starts, naming the scenario's line.
    private static func setting(_ name: String, _ value: YAMLValue) throws -> Setting {
        let text = try value.string()
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw value.error("must be one line without control characters")
        }
        if name == "stack" {
            guard StackVariant(name: text) != nil else { throw value.error("unknown stack \"\(text)\": \(StackVariant.namesHelp)") }
            return Setting(name: name, value: text, component: .stack)
        }
        let component: Component = NginxConfig.sweepableDirectives.contains(name) ? .nginx : .uwsgi
        let folder = try FileSystem.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        do {
            switch component {
            case .stack: break
            case .uwsgi:
                let file = folder + "/check.ini"
                try Data("[uwsgi]\n\(name) = \(text)\n".utf8).write(to: URL(fileURLWithPath: file))
                _ = try UwsgiConfig.load(file, environment: [:]) { _ in }
            case .nginx:
                let file = folder + "/check.conf"
                let line = "\(name) \(text.split(separator: " ").map { NginxConfigText.quote(String($0)) }.joined(separator: " "));"
                let server = "server { listen 127.0.0.1:9; }"
                let conf = switch name {
                case "worker_processes": "\(line)\nevents {}\nhttp { \(server) }\n"
                case "worker_connections": "events { \(line) }\nhttp { \(server) }\n"
                default: "events {}\nhttp { \(line) \(server) }\n"
                }
                try Data(conf.utf8).write(to: URL(fileURLWithPath: file))
                _ = try NginxConfig.load(file: file, prefix: folder)
            }
        } catch let error as ConfigError {
            throw value.error("\(error.problem)")
        } catch let error as NginxConfigError {
            throw value.error(error.problem)
        }
        return Setting(name: name, value: text, component: component)
    }
}
