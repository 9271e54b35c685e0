// swift-tools-version:6.1
//
// libFuzzer targets for the wire decoders of BGBProtocol and CCMMessaging.
//
// Build and run through `scripts/fuzz.sh TARGET SECONDS` (see docs/fuzzing.md); the script builds with
// `swift build --sanitize fuzzer --sanitize address`, so every module (ours and the dependencies) is
// instrumented for coverage and checked by ASan. A plain `swift build` of this package also works, but
// produces binaries without libFuzzer's `main` that cannot run.
import PackageDescription

import struct Foundation.URL

// A dependency given by path gets the last path component as its identity, so the root package is
// "main" in /work/main but "bgbfleet" in a checkout called bgbfleet: derive it from this file's location.
let rootIdentity = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()
    .deletingLastPathComponent()
    .lastPathComponent
    .lowercased()

let package = Package(
    name: "bgbfleet-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        // Frame splitting (strict and tolerant), BGB message XML, raw XMLReader, HTTP bodies, HTTPMessage.
        .executableTarget(
            name: "FuzzFrames",
            dependencies: [
                .product(name: "BGBProtocol", package: rootIdentity),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // multipart/mixed, bounded zlib inflate, UTF-16LE, <Msg> envelope, registration request/reply XML.
        .executableTarget(
            name: "FuzzMultipart",
            dependencies: [
                .product(name: "BGBProtocol", package: rootIdentity),
                .product(name: "CCMMessaging", package: rootIdentity),
            ]
        ),
        // The .hlog reader: interval lines, Base64, compressed and uncompressed V2 histograms.
        .executableTarget(
            name: "FuzzHlog",
            dependencies: [
                .product(name: "FleetMetrics", package: rootIdentity)
            ]
        ),
        // The canonical Request decoder against the general XML reader (they must agree).
        .executableTarget(
            name: "FuzzCanonical",
            dependencies: [
                .product(name: "BGBProtocol", package: rootIdentity),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // The client's HTTP response decoder and the simulator's HTTP request decoder.
        .executableTarget(
            name: "FuzzHTTP",
            dependencies: [
                .product(name: "BGBClient", package: rootIdentity),
                .product(name: "MPSimulator", package: rootIdentity),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
    ]
)
