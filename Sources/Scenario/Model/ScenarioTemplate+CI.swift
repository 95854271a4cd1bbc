import Foundation

/// `stackbench init --ci`: a scenario for gating changes to the project, not for choosing settings. One cell (the
/// ini as written), each view a target of its own at 2 connections (the static file commented out: at 2 connections
/// its windows were flagged client-bound, and a gate with flagged windows left out cannot judge): under closed-loop
/// saturation a view a few milliseconds slower hides behind the other workers (seen: +5 ms gave the same verdict as
/// no change), and in a mix it hides behind a heavier view competing for the same core (seen: /notes/ 5 ms slower
/// beside /admin/login/ moved its p50 by 1.2 ms, inside the noise), while alone at low concurrency it shows in p50
/// and p99. Run on the base and on the change in turns, then `compare --pool --fail-on`.
extension ScenarioTemplate {
    func ciText(name: String, stackLines: String, dynamic: [String], staticLine: String) -> String {
        """
        # A CI gate for \(name), written by `stackbench init --ci`: your uwsgi.ini and server block as written (one
        # cell), on Debian's nginx and uWSGI as in production, your views at 2 connections, where
        # a view a few milliseconds slower shows in p50 and p99 (at saturation it hides behind the other workers).
        # Measure base and change in turns, one round each (stackbench run THIS.yml --repeat 1 --results base/, then
        # --results change/; docs/ci.md has the loop), then gate the pooled rounds, wide at first:
        #   stackbench compare --pool --baseline base/ change/ --fail-on 'p99:+25%,rps:-15%,errors:+0' --unresolved warn
        # and tighten the limits to what compare's "sensitivity" lines say your runs can detect.
        # Check it:  stackbench run THIS.yml --check
        name: \(name)-ci
        stack:
          kind: reference                 # remove for stackbench's own front, pool (embedded CPython) and runserver
        \(stackLines)
        targets:                          # each view through nginx and uWSGI, alone in its window
        \(Self.viewTargets(dynamic))
          # proxied-static:               # nginx serving STATIC_ROOT, for changes to the server block; at 2 connections
          #   requests:                   # its windows are often client- or latency-bound (left out by compare)
          # \(staticLine.trimmingCharacters(in: .whitespaces))
        load:
          connections: 2                  # below saturation: latency is the view's own
          duration: 10s
          warmup: 2s
          rounds: 5                       # run alone; docs/ci.md's jobs run one round at a time, 5 per side\(Self.pinning)
        thresholds:
          - errors == 0
          - non2xx == 0

        """
    }

    /// A target per view, named after its path (`/admin/login/` -> `view-admin-login`, `/` -> `view-root`; a name
    /// taken already gets its position: `view-a-b-2`).
    static func viewTargets(_ paths: [String]) -> String {
        var names = Set<String>()
        return paths.enumerated().map { index, path in
            let words = path.lowercased().split { !($0.isASCII && ($0.isLetter || $0.isNumber)) }
            var name = "view-" + (words.isEmpty ? "root" : words.joined(separator: "-"))
            if !names.insert(name).inserted { name += "-\(index + 1)" }
            return viewTarget(name, path)
        }.joined(separator: "\n")
    }

    private static func viewTarget(_ name: String, _ path: String) -> String {
        """
              \(name):
                kind: proxied-dynamic
                requests: [\(path)]
                checks: {status: 200}         # change where the view answers otherwise (a redirect to log in: 302)
            """
    }
}
