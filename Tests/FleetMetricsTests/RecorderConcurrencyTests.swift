import Dispatch
import Foundation
import Testing
@testable import FleetMetrics

@Suite struct RecorderConcurrencyTests {
    /// Runs `body(writer)` for every writer on a thread of its own and returns a group that is done
    /// when all have finished. Not on `DispatchQueue.global()`: on Linux that is the pool the tests
    /// themselves run on, and two reader loops spinning on its two threads (two cores) would wait
    /// forever for writers queued behind them.
    static func startWriters(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) -> DispatchGroup {
        let group = DispatchGroup()
        for writer in 0..<count {
            group.enter()
            Thread {
                body(writer)
                group.leave()
            }.start()
        }
        return group
    }

    /// Writers record while the reader keeps taking interval snapshots: the sum of every
    /// snapshot plus a final one equals exactly what was recorded, slot by slot.
    @Test func intervalSnapshotsLoseAndDuplicateNothing() {
        let recorder = Recorder()
        let writers = 4
        let perWriter = 150_000
        let group = Self.startWriters(writers) { writer in
            // Each writer uses its own value, so per-slot totals can be checked exactly.
            let value = UInt64(writer + 1) * 1_000_000
            for i in 0..<perWriter {
                recorder.record(value)
                if i % 1_000 == 0 { recorder.record(value, count: 2) }
            }
        }
        var total = HistogramSnapshot()
        var snapshots = 0
        while group.wait(timeout: .now()) == .timedOut {
            total.merge(recorder.intervalSnapshot())
            snapshots += 1
        }
        total.merge(recorder.intervalSnapshot())
        total.merge(recorder.intervalSnapshot())

        let extra = (perWriter + 999) / 1_000 * 2
        #expect(total.totalCount == UInt64(writers * (perWriter + extra)))
        for writer in 0..<writers {
            let index = HistogramLayout.latency.countsIndex(for: UInt64(writer + 1) * 1_000_000)
            #expect(total.counts[index] == UInt64(perWriter + extra))
        }
        #expect(snapshots >= 1)
        #expect(recorder.intervalSnapshot().isEmpty)
    }

    /// The same guarantee for the registry's histograms, whose intervals are slot-by-slot exchanges.
    @Test func snapshotAndResetLosesAndDuplicatesNothing() {
        let histogram = AtomicHistogram()
        let writers = 4
        let perWriter = 150_000
        let group = Self.startWriters(writers) { writer in
            let value = UInt64(writer + 1) * 1_000_000
            for _ in 0..<perWriter { histogram.record(value) }
        }
        var total = HistogramSnapshot()
        var snapshots = 0
        while group.wait(timeout: .now()) == .timedOut {
            total.merge(histogram.snapshotAndReset())
            snapshots += 1
        }
        total.merge(histogram.snapshotAndReset())
        #expect(total.totalCount == UInt64(writers * perWriter))
        for writer in 0..<writers {
            let index = HistogramLayout.latency.countsIndex(for: UInt64(writer + 1) * 1_000_000)
            #expect(total.counts[index] == UInt64(perWriter))
        }
        #expect(snapshots >= 1)
        #expect(histogram.snapshotAndReset().isEmpty)
    }

    @Test func registryIntervalsCoverTheRunWithoutGaps() {
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        let metrics = FleetMetrics(startTime: start)
        metrics.record(.response, nanoseconds: 2_000_000)
        metrics.counters.add(.responsesSent)
        let first = metrics.takeInterval(now: start.addingTimeInterval(1))
        metrics.record(.response, nanoseconds: 3_000_000)
        metrics.record(.fanout, nanoseconds: 9_000_000)
        let second = metrics.takeInterval(now: start.addingTimeInterval(2.5))
        #expect(first.start == 0 && first.length == 1)
        #expect(second.start == 1 && second.length == 1.5)
        #expect(first.histograms[.response]?.totalCount == 1)
        #expect(second.histograms[.response]?.totalCount == 1)
        #expect(second.histograms[.fanout]?.totalCount == 1)
        #expect(second.histograms.count == MetricName.allCases.count)
        #expect(first.counters[.responsesSent] == 1)
    }

    @Test func countersAreExactUnderConcurrency() {
        let counters = FleetCounters()
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            for _ in 0..<20_000 {
                counters.add(.bytesIn, 3)
                counters.record(.tls)
                counters.increment(.connecting)
                counters.transition(from: .connecting, to: .signedIn)
            }
        }
        counters.decrement(.signedIn, by: 5)
        let snapshot = counters.snapshot()
        #expect(snapshot[.bytesIn] == 240_000)
        #expect(snapshot[error: .tls] == 80_000)
        #expect(snapshot.errorsTotal == 80_000)
        #expect(snapshot[state: .connecting] == 0)
        #expect(snapshot[state: .signedIn] == 79_995)
        #expect(snapshot[.pushesReceived] == 0)
    }

    @Test("sharded counters: each thread counts into its own shard, the snapshot sums them")
    func shardedCountersSum() {
        let counters = FleetCounters(shards: 4)
        DispatchQueue.concurrentPerform(iterations: 4) { shard in
            for _ in 0..<20_000 {
                counters.add(.pushesReceived, shard: shard)
                counters.record(.eof, shard: shard)
                counters.increment(.connecting, shard: shard)
            }
        }
        // A session counted in on one shard and out on another: that shard goes "negative".
        counters.transition(from: .connecting, to: .signedIn, shard: 3)
        counters.increment(.signedIn, shard: 0)
        counters.decrement(.signedIn, shard: 1)
        let snapshot = counters.snapshot()
        #expect(snapshot[.pushesReceived] == 80_000)
        #expect(snapshot[error: .eof] == 80_000)
        #expect(snapshot[state: .connecting] == 79_999)
        #expect(snapshot[state: .signedIn] == 1)
    }
}
