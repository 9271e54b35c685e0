import FleetSupport
import Histogram
import Testing
@testable import FleetMetrics

/// Compares ``HistogramSnapshot`` with hdrhistogram-swift's `Histogram` configured the same way
/// (lowestDiscernibleValue 1,000, highestTrackableValue 3.6e12, 3 significant digits).
@Suite struct PercentileEqualityTests {
    static let percentiles: [Double] = [0, 0.001, 1, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99, 99.999, 100, 120]

    func reference(_ values: [UInt64]) -> Histogram<UInt64> {
        var histogram = Histogram<UInt64>(lowestDiscernibleValue: 1_000, highestTrackableValue: 3_600_000_000_000,
                                          numberOfSignificantValueDigits: .three)
        for value in values {
            // Our recorders clamp to the highest trackable value; feed the reference the same.
            let accepted = histogram.record(Swift.min(value, 3_600_000_000_000))
            #expect(accepted)
        }
        return histogram
    }

    static let edgeValues: [UInt64] = [
        0, 1, 511, 512, 513, 999, 1_000, 1_023, 1_024, 1_048_575, 1_048_576, 1_048_577,
        2_097_151, 2_097_152, 999_999_999, 1_000_000_000, 3_599_999_999_999, 3_600_000_000_000, 3_600_000_000_001,
    ]

    @Test func slotFunctionsMatchReference() {
        let reference = reference([])
        let layout = HistogramLayout.latency
        var rng = SplitMix64(seed: 99)
        let values = Self.edgeValues.dropLast() + (0..<5_000).map { _ in UInt64.random(in: 0...3_600_000_000_000, using: &rng) }
        for value in values {
            #expect(layout.lowestEquivalentValue(value) == reference.lowestEquivalentForValue(value))
            #expect(layout.highestEquivalentValue(value) == reference.highestEquivalentForValue(value))
            #expect(layout.sizeOfEquivalentRange(value) == reference.sizeOfEquivalentRangeForValue(value))
            #expect(layout.medianEquivalentValue(value) == reference.medianEquivalentForValue(value))
        }
    }

    /// Samples that sit at the top of their slot: the reference's raw max equals its slot's
    /// highest equivalent value, so every percentile above 0 must be identical, no mapping.
    @Test(arguments: [11, 12, 13] as [UInt64])
    func identicalForSlotTopSamples(seed: UInt64) {
        let layout = HistogramLayout.latency
        let values = latencySamples(count: 20_000, seed: seed)
            .map { layout.highestEquivalentValue($0) }
            .filter { $0 >= 1_024 && $0 <= layout.highestTrackableValue }
        let ours = HistogramSnapshot.of(values)
        let theirs = reference(values)
        #expect(ours.totalCount == theirs.totalCount)
        #expect(ours.max == theirs.maxRecorded)
        #expect(ours.mean == theirs.mean)
        #expect(ours.stdDev == theirs.stdDeviation)
        for p in Self.percentiles where p > 0 {
            #expect(ours.valueAtPercentile(p) == theirs.valueAtPercentile(p), "p\(p)")
        }
        var rng = SplitMix64(seed: seed)
        for _ in 0..<200 {
            let p = Double.random(in: 0.0001..<100, using: &rng)
            #expect(ours.valueAtPercentile(p) == theirs.valueAtPercentile(p), "p\(p)")
        }
    }

    /// Arbitrary samples (edge values included). The reference clamps its answers to the raw
    /// recorded max and min, which lock-free counts cannot know; we report the slot bounds the
    /// reference itself exposes as `max` and `minNonZero`. Everything else is identical.
    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func identicalUpToRawExtremes(seed: UInt64) {
        let values = latencySamples(count: 10_000 + Int(seed) * 1_000, seed: seed) + Self.edgeValues
        let ours = HistogramSnapshot.of(values)
        let theirs = reference(values)
        #expect(ours.totalCount == theirs.totalCount)
        #expect(ours.max == theirs.max)
        #expect(ours.min == theirs.min) // slot 0 is used by the edge values: both 0
        #expect(ours.mean == theirs.mean)
        #expect(ours.stdDev == theirs.stdDeviation)
        var rng = SplitMix64(seed: seed)
        let ps = Self.percentiles + (0..<300).map { _ in Double.random(in: 0..<100, using: &rng) }
        for p in ps {
            var expected = theirs.valueAtPercentile(p)
            if expected == theirs.maxRecorded { expected = theirs.max }
            #expect(ours.valueAtPercentile(p) == expected, "p\(p)")
        }
    }

    @Test func minWithoutSlotZeroIsTheLowestEquivalentOfTheLowestSlot() {
        let values: [UInt64] = [5_555, 70_000, 123_456_789]
        let ours = HistogramSnapshot.of(values)
        let theirs = reference(values)
        #expect(ours.min == theirs.minNonZero)
        #expect(ours.valueAtPercentile(0) == theirs.minNonZero)
        #expect(ours.valueAtPercentile(50) == theirs.valueAtPercentile(50))
    }
}
