import Foundation

/// One interval of an HdrHistogram interval log (`.hlog`).
public struct HistogramLogInterval: Sendable, Equatable {
    /// Interval start in seconds, relative to the log's base time (see ``HistogramLog``).
    public var start: Double
    /// Interval length in seconds.
    public var length: Double
    /// The optional `Tag=` of the line.
    public var tag: String?
    /// The interval's histogram.
    public var histogram: HistogramSnapshot

    /// Creates an interval.
    public init(start: Double, length: Double, tag: String? = nil, histogram: HistogramSnapshot) {
        self.start = start
        self.length = length
        self.tag = tag
        self.histogram = histogram
    }
}

/// The contents of an HdrHistogram interval log, version 1.3.
///
/// Time stamps follow Java's `HistogramLogReader`: an interval's absolute start is its `start`
/// plus the `#[BaseTime: …]` header; without that header the base is the `#[StartTime: …]` when
/// the stamps look relative (earlier than a year before StartTime), else 0.
public struct HistogramLog: Sendable, Equatable {
    /// `#[StartTime: …]` in seconds since the epoch, if present.
    public var startTime: Double?
    /// `#[BaseTime: …]` in seconds since the epoch, if present.
    public var baseTime: Double?
    /// The intervals, in file order.
    public var intervals: [HistogramLogInterval]

    /// Creates a log.
    public init(startTime: Double?, baseTime: Double?, intervals: [HistogramLogInterval]) {
        self.startTime = startTime
        self.baseTime = baseTime
        self.intervals = intervals
    }

    /// The base time (epoch seconds) to which interval starts are relative.
    public var effectiveBaseTime: Double {
        if let baseTime { return baseTime }
        guard let startTime, let first = intervals.first else { return 0 }
        return first.start < startTime - 365.25 * 24 * 3600 ? startTime : 0
    }

    /// Absolute start (epoch seconds) of `interval`.
    public func absoluteStart(of interval: HistogramLogInterval) -> Double {
        effectiveBaseTime + interval.start
    }

    /// The exact sum of every interval, or an empty snapshot in `layout` when there is none.
    /// Throws when intervals use different layouts.
    public func total(layout: HistogramLayout = .latency) throws -> HistogramSnapshot {
        guard var total = intervals.first?.histogram else { return HistogramSnapshot(layout: layout) }
        for interval in intervals.dropFirst() {
            guard interval.histogram.layout == total.layout else {
                throw HistogramCodingError.malformedEncoding("intervals of one log use different histogram layouts")
            }
            total.merge(interval.histogram)
        }
        return total
    }
}
