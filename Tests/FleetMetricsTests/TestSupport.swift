import FleetSupport
import Foundation
@testable import FleetMetrics

/// Latency-like samples: log-uniform from 100 ns to ~2 h (so some exceed the 1 h ceiling).
func latencySamples(count: Int, seed: UInt64) -> [UInt64] {
    var rng = SplitMix64(seed: seed)  // deterministic, so failures reproduce
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
