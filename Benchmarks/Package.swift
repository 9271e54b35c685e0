// swift-tools-version:6.1
//
// Benchmarks of bgbfleet, run with the ordo-one/benchmark plugin (see README.md here):
//
//     swift package --package-path Benchmarks --disable-sandbox benchmark
//
// A nested package so that the root package does not depend on the benchmark package.
// Adding a suite: create Benchmarks/<Suite>/<Suite>.swift defining
// `let benchmarks: @Sendable () -> Void = { … }` and add `suite("<Suite>", …)` to `suites` below.
import PackageDescription

import struct Foundation.URL

// A dependency given by path gets the last path component as its identity, so the root package is
// "main" in /work/main but "bgbfleet" in a checkout called bgbfleet: derive it from this file's location.
let root = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()
    .deletingLastPathComponent()
    .lastPathComponent
    .lowercased()

/// A product of the root package (BGBProtocol, CCMMessaging, FleetMetrics, FleetIdentity, …).
func bgbfleet(_ product: String) -> Target.Dependency {
    .product(name: product, package: root)
}

/// One benchmark suite: an executable target in Benchmarks/<name>/, run by the benchmark plugin.
func suite(_ name: String, dependencies: [Target.Dependency]) -> Target {
    .executableTarget(
        name: name,
        dependencies: [.product(name: "Benchmark", package: "benchmark")] + dependencies,
        path: "Benchmarks/\(name)",
        plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
    )
}

let suites: [Target] = [
    // BGB frame + message decode/encode (the per-message cost of the generator and the MP sim).
    suite(
        "ProtocolBenchmarks",
        dependencies: [bgbfleet("BGBProtocol"), .product(name: "NIOCore", package: "swift-nio")]
    ),
    // Recording one latency sample (one thread, with the phaser, two threads contended).
    suite("MetricsBenchmarks", dependencies: [bgbfleet("FleetMetrics")]),
    // The session's push step and per-push path, pool load, RSA signing/keygen.
    suite(
        "FleetBenchmarks",
        dependencies: [
            bgbfleet("BGBProtocol"), bgbfleet("BGBClient"), bgbfleet("CCMMessaging"), bgbfleet("FleetIdentity"),
            bgbfleet("FleetMetrics"), .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "_CryptoExtras", package: "swift-crypto"),
        ]
    ),
]

let package = Package(
    name: "bgbfleet-benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(path: ".."),
        // MallocInterposer: the malloc metrics (mallocCountTotal, …) without jemalloc on Swift 6.3.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
    ],
    targets: suites
)
