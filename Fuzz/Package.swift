// swift-tools-version:6.0
// libFuzzer targets for every reader of untrusted input: nginx.conf, uwsgi.ini, scenario YAML, an HTTP request
// head, a uwsgi packet, an upstream's response head, a chunked body, load agents' kubectl logs with their JSON, a
// server's response as the load engine frames it, a static request with its Range and If-* headers, an upstream's
// whole answer relayed by a running front, merge's counts and histograms, and a result.json as report reads it.
// Not part of the main build or the tests:
// scripts/fuzz.sh builds this package with `-sanitize=fuzzer -enable-testing` from a toolset (coverage in every
// module; @testable for the front's internal parsers; not in the macro plugin, built for the host) and runs each
// target for a bounded time.
import PackageDescription

let readers = ["FuzzNginxConf", "FuzzUwsgiIni", "FuzzScenario", "FuzzRequestHead", "FuzzUwsgiPacket", "FuzzUpstreamHead", "FuzzChunkedBody",
               "FuzzKubernetesLogs", "FuzzResponseFramer", "FuzzStaticResponse", "FuzzUpstreamRelay", "FuzzMerge", "FuzzResultReport"]

let package = Package(
    name: "stackbench-fuzz",
    dependencies: [.package(name: "stackbench", path: "..")],
    targets: [
        .target(name: "FuzzSupport"),
    ] + readers.map { name in
        .executableTarget(name: name, dependencies: ["FuzzSupport", .product(name: "StackbenchReaders", package: "stackbench")],
                          swiftSettings: [.swiftLanguageMode(.v5)])
    }
)
