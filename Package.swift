// swift-tools-version:6.0
import CompilerPluginSupport
import PackageDescription

let package = Package(
    name: "stackbench",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "stackbench", targets: ["stackbench"]),
        // The pool for Python apps alone, which `stackbench uwsgi` execs (Sources/PoolLauncher/PoolProcess.swift).
        .executable(name: "stackbench-uwsgi", targets: ["stackbench-uwsgi"]),
        // The readers of untrusted input, for the libFuzzer targets in Fuzz/ (scripts/fuzz.sh); nothing else uses it.
        .library(name: "StackbenchReaders", targets: ["StackConfig", "UwsgiProtocol", "Front", "ServerCore", "Scenario", "LoadEngine", "BenchSupport", "Results",
                                                      "Reports", "StackbenchTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-atomics", from: "1.3.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/swiftlang/swift-syntax", from: "603.0.1"),
    ],
    targets: [
        // libcurl from Debian (libcurl4-openssl-dev), with typed wrappers for its variadic calls.
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // CPython from Debian (libpython3-dev), embedded as uWSGI's python plugin embeds it.
        .systemLibrary(
            name: "CPython",
            pkgConfig: "python3-embed",
            providers: [.apt(["libpython3-dev"])]
        ),
        // Linux calls Swift cannot reach directly: CPU pinning, epoll without the packed struct.
        .target(name: "CLinux"),
        // `@PublicInit`: the public memberwise initialisers of the small stored types other modules build.
        .macro(
            name: "MemberwiseMacros",
            dependencies: [
                .product(name: "SwiftSyntaxMacros", package: "swift-syntax"),
                .product(name: "SwiftCompilerPlugin", package: "swift-syntax"),
            ]
        ),
        .target(name: "BenchSupport", dependencies: ["CLinux", "MemberwiseMacros"]),
        .target(
            name: "LoadEngine",
            dependencies: [
                "CCurl", "CLinux", "BenchSupport",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Atomics", package: "swift-atomics"),
            ]
        ),
        // Readers of the files users hand over: project settings, uwsgi.ini, nginx.conf.
        .target(
            name: "StackConfig",
            dependencies: ["BenchSupport", .product(name: "Yams", package: "Yams")]
        ),
        // The uwsgi wire format, shared by the front and the pool.
        .target(name: "UwsgiProtocol", dependencies: ["BenchSupport"]),
        // The WSGI-shaped app interface and the registry of apps compiled into the binary.
        .target(name: "WSGI", dependencies: ["BenchSupport"]),
        // The user's Python WSGI app (a Django project) hosted in the pool and the dev server.
        .target(name: "PythonHost", dependencies: ["CPython", "WSGI"]),
        // Blocking sockets and HTTP/1.1 framing shared by the dev server and the pool's http-socket.
        .target(name: "ServerCore", dependencies: ["WSGI", "BenchSupport", "CLinux"]),
        // The demo app: SQLite through GRDB, Mustache templates.
        .target(
            name: "TeacherApp",
            dependencies: [
                "WSGI", "StackConfig", "BenchSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Mustache", package: "swift-mustache"),
            ]
        ),
        // stackbench's uWSGI: master, workers, the uwsgi protocol.
        .target(
            name: "Pool",
            dependencies: [
                "ServerCore", "UwsgiProtocol", "WSGI", "StackConfig", "BenchSupport", "CLinux",
                .product(name: "Atomics", package: "swift-atomics"),
            ]
        ),
        // One process of the pool, master or worker, and which executable hosts it.
        .target(name: "PoolLauncher", dependencies: ["Pool", "PythonHost", "ServerCore", "StackConfig", "WSGI", "BenchSupport", "CLinux"]),
        // The Python-only pool: the pool's modules and nothing else, the Swift runtime linked in, so the master and
        // its forked workers map a small binary (PSS) as uWSGI's do.
        .executableTarget(
            name: "stackbench-uwsgi",
            dependencies: ["PoolLauncher", "Pool", "WSGI", "BenchSupport"],
            linkerSettings: [.unsafeFlags(["-static-stdlib", "-Xclang-linker", "-no-pie", "-lFoundationEssentials", "-lFoundationInternationalization", "-lCoreFoundation", "-l_FoundationICU", "-l_FoundationCShims", "-l_FoundationCollections", "-lswiftSynchronization"])]
        ),
        // stackbench's nginx: static files from disk and uwsgi_pass, from an nginx.conf, on its own epoll loops.
        .target(
            name: "Front",
            dependencies: [
                "StackConfig", "ServerCore", "BenchSupport", "CLinux",
                .product(name: "Atomics", package: "swift-atomics"),
            ]
        ),
        // What a run writes and everything after it reads: the result.json schema, run folders, the shared names.
        .target(name: "Results", dependencies: ["BenchSupport", "LoadEngine"]),
        // Reading results for people: Markdown, self-contained HTML with SVG charts, the terminal table.
        .target(name: "Reports", dependencies: ["BenchSupport", "Results", "LoadEngine", .product(name: "Mustache", package: "swift-mustache")]),
        // The harness: scenario files and matrix, standing the stack up per cell, measuring windows, the run.
        .target(name: "Scenario", dependencies: ["BenchSupport", "StackConfig", "LoadEngine", "CLinux", "CCurl", "Results", "Reports",
                                                .product(name: "Yams", package: "Yams")]),
        // stackbench compare and the CI gate: matching runs, significance, formats. Reads results, never the harness.
        .target(name: "Compare", dependencies: ["BenchSupport", "Results", "Reports"]),
        .target(name: "History", dependencies: ["BenchSupport", "Results", "Reports", "Compare", "LoadEngine"]),
        // Django's runserver and collectstatic.
        .target(name: "DevServer", dependencies: ["ServerCore", "WSGI", "StackConfig", "BenchSupport"]),
        .target(name: "StackbenchTesting", dependencies: ["BenchSupport", "StackConfig", "LoadEngine", "Results", "Reports", "UwsgiProtocol"]),
        .executableTarget(
            name: "stackbench",
            dependencies: [
                "LoadEngine", "BenchSupport", "StackConfig", "WSGI", "TeacherApp", "DevServer", "Pool", "PoolLauncher", "PythonHost", "Front", "ServerCore", "CLinux", "Scenario", "Results", "Reports", "Compare", "History",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "BenchSupportTests", dependencies: ["BenchSupport"]),
        .testTarget(name: "MemberwiseMacrosTests", dependencies: [
            "MemberwiseMacros", .product(name: "SwiftSyntaxMacrosGenericTestSupport", package: "swift-syntax"),
            .product(name: "SwiftSyntaxMacroExpansion", package: "swift-syntax"),
        ]),
        .testTarget(name: "LoadEngineTests", dependencies: ["LoadEngine", "StackbenchTesting"]),
        .testTarget(name: "StackConfigTests", dependencies: ["StackConfig", "StackbenchTesting"]),
        .testTarget(name: "WSGITests", dependencies: ["WSGI"]),
        .testTarget(name: "PythonHostTests", dependencies: ["PythonHost", "WSGI"]),
        .testTarget(name: "UwsgiProtocolTests", dependencies: ["UwsgiProtocol"]),
        .testTarget(name: "PoolTests", dependencies: ["Pool", "ServerCore", "UwsgiProtocol", "WSGI", "TeacherApp", "StackbenchTesting", "BenchSupport"]),
        .testTarget(name: "ServerCoreTests", dependencies: ["ServerCore", "WSGI", "BenchSupport", "StackbenchTesting"]),
        .testTarget(name: "TeacherAppTests", dependencies: ["TeacherApp", "WSGI", "StackConfig", "StackbenchTesting"]),
        .testTarget(name: "DevServerTests", dependencies: ["DevServer", "StackConfig", "StackbenchTesting"]),
        .testTarget(name: "FrontTests", dependencies: ["Front", "StackConfig", "StackbenchTesting", "BenchSupport"]),
        .testTarget(name: "ScenarioTests", dependencies: ["Scenario", "Results", "Reports", "LoadEngine", "StackConfig", "StackbenchTesting", "BenchSupport"]),
        .testTarget(name: "ResultsTests", dependencies: ["Results", "LoadEngine", "BenchSupport", "StackbenchTesting"], exclude: ["Fixtures"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "Results", "StackbenchTesting", "BenchSupport"]),
        .testTarget(name: "HistoryTests", dependencies: ["History", "Compare", "Results", "StackbenchTesting"]),
        .testTarget(name: "CompareTests", dependencies: ["Compare", "Results", "Reports", "LoadEngine", "BenchSupport", "StackbenchTesting"]),
        .testTarget(name: "IntegrationTests", dependencies: ["StackbenchTesting", "BenchSupport", "Compare", "Results",
                                                          .product(name: "Yams", package: "Yams")]),
    ],
    swiftLanguageModes: [.v6]
)
