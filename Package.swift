// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "stackbench",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "stackbench", targets: ["stackbench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-atomics", from: "1.3.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        // libcurl from Debian (libcurl4-openssl-dev), with typed wrappers for its variadic calls.
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // Linux calls Swift cannot reach directly: CPU pinning, epoll without the packed struct.
        .target(name: "CLinux"),
        .target(name: "BenchSupport", dependencies: ["CLinux"]),
        .target(
            name: "LoadEngine",
            dependencies: [
                "CCurl", "CLinux", "BenchSupport",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Atomics", package: "swift-atomics"),
            ]
        ),
        .target(name: "StackbenchTesting", dependencies: ["BenchSupport"]),
        .executableTarget(
            name: "stackbench",
            dependencies: [
                "LoadEngine", "BenchSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "BenchSupportTests", dependencies: ["BenchSupport"]),
        .testTarget(name: "LoadEngineTests", dependencies: ["LoadEngine", "StackbenchTesting"]),
        .testTarget(name: "IntegrationTests", dependencies: ["StackbenchTesting", "BenchSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
