// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "bgbfleet",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "bgbfleet", targets: ["bgbfleet"]),
        .library(name: "BGBProtocol", targets: ["BGBProtocol"]),
        .library(name: "CCMMessaging", targets: ["CCMMessaging"]),
        .library(name: "FleetIdentity", targets: ["FleetIdentity"]),
        .library(name: "FleetRegistration", targets: ["FleetRegistration"]),
        .library(name: "FleetMetrics", targets: ["FleetMetrics"]),
        .library(name: "BGBTLS", targets: ["BGBTLS"]),
        .library(name: "BGBClient", targets: ["BGBClient"]),
        .library(name: "FleetEngine", targets: ["FleetEngine"]),
        .library(name: "MPSimulator", targets: ["MPSimulator"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // Pinned to 2.37.x: BGBTLS imports CNIOBoringSSL, swift-nio-ssl's vendored BoringSSL, which
        // that package does not publish as a product and may rename or change in any 2.x release.
        // Raise the bound only after BGBTLS builds and its tests pass against the new minor version.
        .package(url: "https://github.com/apple/swift-nio-ssl.git", .upToNextMinor(from: "2.37.6")),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-atomics.git", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
        ),
        .systemLibrary(
            name: "COpenSSLCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]
        ),
        .target(
            name: "ZlibSupport",
            dependencies: ["CZlib"]
        ),
        // Process-level pieces every command shares: the open-file limit, the cache directory,
        // SplitMix64, the interrupt handler and the progress line.
        .target(
            name: "FleetSupport",
            dependencies: [
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio")
            ]
        ),
        .target(
            name: "BGBProtocol",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio")
            ]
        ),
        .target(
            name: "CCMMessaging",
            dependencies: [
                "BGBProtocol",
                "ZlibSupport",
                "COpenSSLCrypto",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // SMS certificates and the identity pool: crypto and X.509 only (NIOSSL for BoringSSL's
        // PKCS#12 and PEM key parsing when importing PKI certificates; no sockets).
        .target(
            name: "FleetIdentity",
            dependencies: [
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        // Registering a pool's identities with an MP (`CCM_POST /ccm_system/request`): the
        // client's HTTP/1 + mutual-TLS connection from BGBClient, the signed request from CCMMessaging.
        .target(
            name: "FleetRegistration",
            dependencies: [
                "FleetIdentity",
                "BGBProtocol",
                "CCMMessaging",
                "BGBClient",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "FleetMetrics",
            dependencies: [
                "ZlibSupport",
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        // TLS for client sessions. Its own module so that BoringSSL's C names (reached through
        // NIOSSL's CNIOBoringSSL) never meet system libcrypto's, which CCMMessaging imports: clang
        // merges same-named C declarations across modules and would bind them to libcrypto.
        .target(
            name: "BGBTLS",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .target(
            name: "BGBClient",
            dependencies: [
                "BGBProtocol",
                "BGBTLS",
                "CCMMessaging",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "MPSimulator",
            dependencies: [
                "BGBProtocol",
                "BGBTLS",
                "CCMMessaging",
                "FleetMetrics",
                "FleetSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "FleetEngine",
            dependencies: [
                "BGBProtocol",
                "BGBClient",
                "FleetIdentity",
                "FleetMetrics",
                "FleetSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .executableTarget(
            name: "bgbfleet",
            dependencies: [
                "BGBProtocol",
                "CCMMessaging",
                "FleetIdentity",
                "FleetRegistration",
                "FleetMetrics",
                "MPSimulator",
                "BGBClient",
                "FleetEngine",
                "FleetSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Helpers shared by the test targets: golden vectors, `eventually`, temporary
        // directories, a P-256 test CA and the lab PKI built on it, a quiet simulator.
        .target(
            name: "TestSupport",
            dependencies: [
                "MPSimulator",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            path: "Tests/TestSupport"
        ),
        // Counts a thread's heap allocations (interposes malloc in the test executable): the
        // deterministic gate on the push path's and the decoders' allocations (AllocationTests).
        .target(
            name: "CAllocationCounter",
            path: "Tests/CAllocationCounter"
        ),
        .target(
            name: "AllocationCounter",
            dependencies: ["CAllocationCounter"],
            path: "Tests/AllocationCounter"
        ),
        .testTarget(
            name: "AllocationTests",
            dependencies: [
                "AllocationCounter",
                "BGBProtocol",
                "BGBClient",
                "FleetMetrics",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "BGBProtocolTests",
            dependencies: [
                "BGBProtocol",
                "FleetSupport",
                "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "CCMMessagingTests",
            dependencies: [
                "CCMMessaging",
                "BGBProtocol",
                "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "BGBTLSTests",
            dependencies: [
                "BGBTLS",
                "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "BGBClientTests",
            dependencies: [
                "BGBClient",
                "BGBProtocol",
                "TestSupport",
                // HTTPSessionTests and BGBClientSessionTests: loopback sessions against the simulator
                // with identities the simulator accepts.
                "MPSimulator",
                "FleetIdentity",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "CLITests",
            dependencies: [
                "bgbfleet",
                "TestSupport",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                "FleetMetrics",
                "ZlibSupport",
            ]
        ),
        .testTarget(
            name: "FleetEngineTests",
            dependencies: [
                "FleetEngine",
                "TestSupport",
                "FleetIdentity",
                "FleetMetrics",
                "MPSimulator",
                "BGBClient",
                "BGBProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        .testTarget(
            name: "MPSimulatorTests",
            dependencies: [
                "MPSimulator",
                "BGBProtocol",
                "CCMMessaging",
                "FleetMetrics",
                "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "FleetMetricsTests",
            dependencies: [
                "FleetMetrics",
                "FleetSupport",
                "ZlibSupport",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        .testTarget(
            name: "FleetSupportTests",
            dependencies: [
                "FleetSupport",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "FleetIdentityTests",
            dependencies: [
                "FleetIdentity",
                "TestSupport",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "FleetRegistrationTests",
            dependencies: [
                "FleetRegistration",
                "FleetIdentity",
                "BGBClient",
                "CCMMessaging",
                "MPSimulator",
                "BGBProtocol",
                "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // Loopback suites that span several modules: the engine against the simulator end to end.
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "FleetEngine",
                "FleetIdentity",
                "FleetMetrics",
                "MPSimulator",
                "BGBClient",
                "BGBProtocol",
                "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
    ]
)
