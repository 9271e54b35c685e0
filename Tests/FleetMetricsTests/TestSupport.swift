import Foundation
@testable import FleetMetrics

/// Deterministic pseudo-random numbers (SplitMix64) so failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Latency-like samples: log-uniform from 100 ns to ~2 h (so some exceed the 1 h ceiling).
func latencySamples(count: Int, seed: UInt64) -> [UInt64] {
    var rng = SplitMix64(seed: seed)
    return (0..<count).map { _ in
        let exponent = Double.random(in: 2.0...12.9, using: &rng)
        return UInt64(pow(10.0, exponent))
    }
}

/// A fresh empty directory under the temporary directory.
func makeTemporaryDirectory(_ name: String = #function) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("FleetMetricsTests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

extension HistogramSnapshot {
    static func of(_ values: [UInt64], layout: HistogramLayout = .latency) -> HistogramSnapshot {
        var snapshot = HistogramSnapshot(layout: layout)
        for value in values { snapshot.record(value) }
        return snapshot
    }
}
