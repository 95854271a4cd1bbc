import BenchSupport
import Foundation
import LoadEngine
import Results
import StackConfig

// The `targets:` section of a scenario: each target's kind, requests, checks and events, every mistake a
// ConfigError naming the file, line and key.

extension Scenario {
    static func readTargets(_ value: YAMLValue) throws -> [Target] {
        let kinds = TargetKind.allCases.map(\.rawValue)
        let entries = try value.mapping(allowedKeys: value.keysAsWritten)
        guard !entries.isEmpty else { throw value.error("must name at least one target") }
        return try entries.map { name, entry in
            var target = Target(name: name, kind: .external, baseURL: nil, requests: [], checks: Checks(), line: entry.line)
            var kindName = kinds.contains(name) ? name : nil
            var eventsField: YAMLValue?
            for (key, field) in try entry.mapping(allowedKeys: ["kind", "url", "requests", "checks", "events"]) {
                switch key {
                case "events": eventsField = field
                case "kind": kindName = try field.string()
                case "url":
                    let url = try field.string()
                    guard url.hasPrefix("http://") else { throw field.error("must be an http:// URL, got \"\(url)\"") }
                    target.baseURL = url.hasSuffix("/") ? String(url.dropLast()) : url
                case "requests": target.requests = try field.sequence().map(readRequest)
                default: target.checks = try readChecks(field)
                }
            }
            guard let kindName else {
                throw entry.error("unknown target \"\(name)\": name it after a kind (\(kinds.joined(separator: ", "))) or give kind:")
            }
            guard let kind = TargetKind(rawValue: kindName) else {
                throw entry.error("unknown target kind \"\(kindName)\"" + Suggestion.hint(for: kindName, in: kinds))
            }
            target.kind = kind
            if kind == .external, target.baseURL == nil { throw entry.error("an external target needs url:") }
            if kind != .external, target.baseURL != nil { throw entry.error("url: is for external targets only") }
            if target.requests.isEmpty { throw entry.error("missing requests: (at least one path)") }
            if let eventsField { target.events = try readEvents(eventsField, kind: kind) }
            return target
        }
    }

    static func readEvents(_ value: YAMLValue, kind: TargetKind) throws -> [Event] {
        try value.sequence().map { item in
            var event = Event(action: .reloadPool, at: 0, duration: nil, line: item.line)
            var sawAction = false, sawAt = false
            for (key, field) in try item.mapping(allowedKeys: ["at", "do", "for"]) {
                switch key {
                case "do":
                    let name = try field.string()
                    guard let action = Event.Action(rawValue: name) else {
                        throw field.error("unknown action \"\(name)\"" + Suggestion.hint(for: name, in: Event.Action.allCases.map(\.rawValue))
                                          + " (one of \(Event.Action.allCases.map(\.rawValue).joined(separator: ", ")))")
                    }
                    event.action = action
                    sawAction = true
                default:
                    guard let nanos = Units.parseDuration(try field.string()) else {
                        throw field.error("must be a duration such as 3s or 500ms, got \(field.describe())")
                    }
                    if key == "at" { event.at = nanos; sawAt = true } else { event.duration = nanos }
                }
            }
            guard sawAction else { throw item.error("missing do: (\(Event.Action.allCases.map(\.rawValue).joined(separator: ", ")))") }
            guard sawAt else { throw item.error("missing at: (seconds into the measured window, 3s)") }
            if event.action == .stopPool, (event.duration ?? 0) == 0 { throw item.error("stop-pool needs for: (how long the pool stays down, 2s)") }
            if event.action != .stopPool, event.duration != nil { throw item.error("for: goes with stop-pool only") }
            if event.action.needsPool, ![.proxiedDynamic, .poolDirect].contains(kind) {
                throw item.error("\(event.action.rawValue) needs a target the pool serves (proxied-dynamic or pool-direct), not \(kind.rawValue)")
            }
            if event.action == .reloadFront, ![.proxiedDynamic, .proxiedStatic].contains(kind) {
                throw item.error("reload-front needs a target the front serves (proxied-static or proxied-dynamic), not \(kind.rawValue)")
            }
            return event
        }
    }

    static func readRequest(_ value: YAMLValue) throws -> Request {
        func checkedPath(_ field: YAMLValue) throws -> String {
            let path = try field.string()
            guard path.hasPrefix("/") else { throw field.error("a path starts with /, got \"\(path)\"") }
            guard !path.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7f }) else {
                throw field.error("a path has no spaces or control characters (percent-encode them: %20), got \(path.debugDescription)")
            }
            return path
        }
        if case .scalar = value.node { return Request(path: try checkedPath(value)) }
        var request = Request(path: "")
        for (key, field) in try value.mapping(allowedKeys: ["method", "path", "headers", "body", "weight"]) {
            switch key {
            case "method":
                request.method = try field.string().uppercased()
                guard request.method.allSatisfy({ $0.isLetter }) else { throw field.error("must be an HTTP method such as GET") }
            case "path": request.path = try checkedPath(field)
            case "headers":
                request.headers = try field.sequence().map { item in
                    let header = try item.string()
                    guard let colon = header.firstIndex(of: ":"), colon != header.startIndex,
                          !header.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && $0 != "\t" }) else {
                        throw item.error("must be \"Name: value\", got \"\(header)\"")
                    }
                    return header
                }
            case "body": request.body = try field.string()
            default:
                guard let weight = Double(try field.string()), weight > 0, weight.isFinite else { throw field.error("must be a number > 0") }
                request.weight = weight
            }
        }
        if request.path.isEmpty { throw value.error("missing path:") }
        return request
    }

    static func readChecks(_ value: YAMLValue) throws -> Checks {
        var checks = Checks()
        for (key, field) in try value.mapping(allowedKeys: ["status", "contains", "min-size"]) {
            switch key {
            case "status":
                checks.status = try field.int()
                guard (100...599).contains(checks.status) else { throw field.error("must be an HTTP status, 100-599") }
            case "contains": checks.contains = try field.string()
            default:
                checks.minSize = try field.int()
                guard checks.minSize! >= 0 else { throw field.error("must be >= 0") }
            }
        }
        return checks
    }
}
