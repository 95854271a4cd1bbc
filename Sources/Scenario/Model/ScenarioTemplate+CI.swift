import Foundation

/// `stackbench init --ci`: a scenario for gating changes to the project, not for choosing settings. One cell (the
/// ini as written), the views at 2 connections (the static file commented out: at 2 connections its windows were
/// flagged client-bound, and a gate with flagged windows left out cannot judge): under closed-loop saturation a view a few
/// milliseconds slower hides behind the other workers (seen: +5 ms gave the same verdict as no change), while at low
/// concurrency it shows in p50 and p99. Run on the base and on the change, then `compare --fail-on`.
extension ScenarioTemplate {
    func ciText(name: String, stackLines: String, dynamic: [String], staticLine: String) -> String {
        """
        # A CI gate for \(name), written by `stackbench init --ci`: your uwsgi.ini and server block as written (one
        # cell), on Debian's nginx and uWSGI as in production, your views at 2 connections, where
        # a view a few milliseconds slower shows in p50 and p99 (at saturation it hides behind the other workers).
        # Run it for the base and for the change (interleave them: docs/ci.md), then gate, wide at first:
        #   stackbench compare --baseline BASE_RUN CHANGE_RUN --fail-on 'p99:+25%,rps:-15%,errors:+0'
        # and tighten the limits to what compare's "sensitivity" lines say your runs can detect (exit 2 means the
        # limit is finer than the noise allows). Check it:  stackbench run THIS.yml --check
        name: \(name)-ci
        stack:
          kind: reference                 # remove for stackbench's own front, pool (embedded CPython) and runserver
        \(stackLines)
        targets:
          proxied-dynamic:                # your views through nginx and uWSGI
            requests:
        \(dynamic.map { "      - \($0)" }.joined(separator: "\n"))
            checks: {status: 200}         # change where a view answers otherwise (a redirect to log in: 302)
          # proxied-static:               # nginx serving STATIC_ROOT, for changes to the server block; at 2 connections
          #   requests:                   # its windows are often client- or latency-bound (left out by compare)
          # \(staticLine.trimmingCharacters(in: .whitespaces))
        load:
          connections: 2                  # below saturation: latency is the view's own
          duration: 10s
          warmup: 2s
          rounds: 5                       # windows enough for compare's tests (5 + 5)\(Self.pinning)
        thresholds:
          - errors == 0
          - non2xx == 0

        """
    }
}
