import Testing
@testable import FleetMetrics

@Suite struct AtomicHistogramTests {
    @Test func latencyLayoutMatchesHdrHistogramShape() {
        let layout = HistogramLayout.latency
        #expect(layout.unitMagnitude == 9)
        #expect(layout.subBucketCount == 2048)
        #expect(layout.bucketCount == 23)
        #expect(layout.countsLength == 24 * 1024)
        #expect(layout.countsIndex(for: layout.highestTrackableValue) < layout.countsLength)
    }

    @Test func recordsIntoTheRightSlots() {
        let histogram = AtomicHistogram()
        histogram.record(1_000)
        histogram.record(1_000, count: 2)
        histogram.record(250_000_000)
        let snapshot = histogram.snapshot()
        #expect(snapshot.totalCount == 4)
        #expect(snapshot.counts[HistogramLayout.latency.countsIndex(for: 1_000)] == 3)
        #expect(snapshot.counts[HistogramLayout.latency.countsIndex(for: 250_000_000)] == 1)
        #expect(snapshot.max == HistogramLayout.latency.highestEquivalentValue(250_000_000))
        #expect(snapshot.min == HistogramLayout.latency.lowestEquivalentValue(1_000))
    }

    @Test func clampsAboveHighestAndKeepsTinyValuesInLowestSlots() {
        let histogram = AtomicHistogram()
        histogram.record(UInt64.max)
        histogram.record(7_200_000_000_000)
        histogram.record(0)
        histogram.record(100)
        let snapshot = histogram.snapshot()
        let layout = HistogramLayout.latency
        #expect(snapshot.counts[layout.countsIndex(for: layout.highestTrackableValue)] == 2)
        #expect(snapshot.counts[0] == 2)
        #expect(snapshot.totalCount == 4)
        #expect(snapshot.max == layout.highestEquivalentValue(layout.highestTrackableValue))
        #expect(snapshot.min == 0)
    }

    @Test func snapshotAndResetMovesCounts() {
        let histogram = AtomicHistogram()
        for value in latencySamples(count: 1_000, seed: 7) { histogram.record(value) }
        let first = histogram.snapshotAndReset()
        #expect(first.totalCount == 1_000)
        #expect(histogram.snapshot().isEmpty)
        histogram.record(5_000)
        histogram.reset()
        #expect(histogram.snapshot().isEmpty)
    }

    @Test func mergeAddsExactlyAndResetClears() {
        let a = HistogramSnapshot.of(latencySamples(count: 500, seed: 1))
        let b = HistogramSnapshot.of(latencySamples(count: 700, seed: 2))
        let both = HistogramSnapshot.of(latencySamples(count: 500, seed: 1) + latencySamples(count: 700, seed: 2))
        #expect(a.merged(with: b) == both)
        var c = both
        c.reset()
        #expect(c == HistogramSnapshot())
        #expect(c.valueAtPercentile(99) == 0)
        #expect(c.mean == 0)
    }
}
