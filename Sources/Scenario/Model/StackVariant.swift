import BenchSupport
import Foundation
import Results

/// Which programs play the front and the pool in a cell: the Swift ones stackbench carries (`swift`), the real
/// Debian ones (`reference`: nginx and uWSGI with Django), or a mix that isolates one component
/// (`nginx+swift`: real nginx in front of our pool; `swift+uwsgi`: our front before real uWSGI). The pool decides
/// the app and the dev server too: a Swift pool serves the Swift teacher app and `stackbench runserver` is its dev
/// server; uWSGI serves the Django project and `manage.py runserver` is its dev server. Named in a scenario as
/// `stack: {kind: reference}` or `stack: {front: nginx, pool: swift}`, or swept as the matrix key `stack`.
@PublicInit
public struct StackVariant: Sendable, Equatable, Hashable {
    public enum Front: String, Sendable, CaseIterable { case swift, nginx }
    public enum Pool: String, Sendable, CaseIterable { case swift, uwsgi }

    public var front: Front
    public var pool: Pool

    public static let swift = StackVariant(front: .swift, pool: .swift)
    public static let reference = StackVariant(front: .nginx, pool: .uwsgi)

    /// `swift`, `reference`, or `FRONT+POOL` (`nginx+swift`, `swift+uwsgi`, ...).
    public init?(name: String) {
        switch name {
        case "swift": self = .swift
        case "reference": self = .reference
        default:
            let parts = name.split(separator: "+", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2, let front = Front(rawValue: parts[0]), let pool = Pool(rawValue: parts[1]) else { return nil }
            self.init(front: front, pool: pool)
        }
    }

    public var name: String {
        self == .swift ? "swift" : self == .reference ? "reference" : "\(front.rawValue)+\(pool.rawValue)"
    }

    public static let namesHelp = "swift, reference, or FRONT+POOL with FRONT swift|nginx and POOL swift|uwsgi (nginx+swift, swift+uwsgi)"

    /// The programs this variant runs that are not stackbench itself: what each is, and the path that must exist
    /// (`ExternalPrograms.django` stands for Django importable by Debian's Python).
    var externalPrograms: [(what: String, path: String)] {
        var programs: [(String, String)] = []
        if front == .nginx { programs.append(("nginx", ExternalPrograms.nginx)) }
        if pool == .uwsgi {
            programs += [("uWSGI", ExternalPrograms.uwsgi), ("uWSGI's Python 3 plugin", ExternalPrograms.uwsgiPythonPlugin),
                         ("python3", ExternalPrograms.python), ("Django for \(ExternalPrograms.python)", ExternalPrograms.django)]
        }
        return programs
    }
}
