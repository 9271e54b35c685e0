import Foundation
import NIOConcurrencyHelpers

/// The metrics registry of a run: an ``AtomicHistogram`` per ``MetricName`` and the ``FleetCounters``.
///
/// Recording is one relaxed atomic increment (the hot path of every session event); intervals are
/// taken with ``AtomicHistogram/snapshotAndReset()``, which moves every count into exactly one
/// interval while writers keep recording. A slot-by-slot exchange is not a single instant, which
/// only matters for a sample recorded during the few microseconds of the sweep: it lands in this
/// interval or the next, never in both and never nowhere. (``Recorder``'s phase flip gives a single
/// instant at three atomic operations per record; the registry does not need it.)
///
/// Sessions call ``record(_:nanoseconds:)`` from any event loop; a reporter calls
/// ``takeInterval(now:)`` once per interval (e.g. every second) and feeds the result to the live
/// line and to a ``RunReportWriter``.
public final class FleetMetrics: Sendable {
    /// Histogram layout of every recorder.
    public let layout: HistogramLayout
    /// State gauges, failure and event counters.
    public let counters: FleetCounters
    /// When the run (and the first interval) started.
    public let startTime: Date

    @usableFromInline let recorders: [AtomicHistogram]
    private let lastIntervalEnd: NIOLockedValueBox<Double>

    /// Creates empty recorders and counters; `counterShards`: one per event loop that counts
    /// (see ``FleetCounters``).
    public init(startTime: Date = Date(), layout: HistogramLayout = .latency, counterShards: Int = 1) {
        self.layout = layout
        self.startTime = startTime
        counters = FleetCounters(shards: counterShards)
        recorders = MetricName.allCases.map { _ in AtomicHistogram(layout: layout) }
        lastIntervalEnd = NIOLockedValueBox(0)
    }

    /// Records one latency sample: one relaxed atomic increment, no allocation.
    @inlinable @inline(__always)
    public func record(_ metric: MetricName, nanoseconds: UInt64) {
        recorders[metric.index].record(nanoseconds)
    }

    /// The histogram of `metric`, for call sites that record one metric in a hot loop.
    public func recorder(_ metric: MetricName) -> AtomicHistogram {
        recorders[metric.index]
    }

    /// Closes the current interval at `now` and starts the next: snapshots every recorder (each
    /// sample lands in exactly one interval) and the counters.
    public func takeInterval(now: Date = Date()) -> IntervalRecord {
        lastIntervalEnd.withLockedValue { lastEnd in
            let end = Swift.max(now.timeIntervalSince(startTime), lastEnd)
            var histograms: [MetricName: HistogramSnapshot] = [:]
            for metric in MetricName.allCases {
                histograms[metric] = recorders[metric.index].snapshotAndReset()
            }
            let record = IntervalRecord(
                start: lastEnd,
                length: end - lastEnd,
                histograms: histograms,
                counters: counters.snapshot()
            )
            lastEnd = end
            return record
        }
    }
}

/// One closed interval: a histogram per metric and the counters at its end.
public struct IntervalRecord: Sendable, Equatable {
    /// Start in seconds since the run started.
    public var start: Double
    /// Length in seconds.
    public var length: Double
    /// The samples of this interval, per metric (every metric present, possibly empty).
    public var histograms: [MetricName: HistogramSnapshot]
    /// Counters at the end of the interval (cumulative since the run started).
    public var counters: CounterSnapshot
    /// The fleet's clients the MP itself reports online (`SMS_CN_ClientStatus`) at its latest poll;
    /// nil when the MP's view is not polled.
    public var mpOnline: Int?

    /// Creates a record.
    public init(start: Double, length: Double, histograms: [MetricName: HistogramSnapshot], counters: CounterSnapshot) {
        self.start = start
        self.length = length
        self.histograms = histograms
        self.counters = counters
    }
}
