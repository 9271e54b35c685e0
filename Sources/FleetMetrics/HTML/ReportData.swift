import Foundation

/// What `report.html` draws, computed from a report directory (or a ``RunReport``) and already
/// downsampled, so a 24-hour soak makes a page of the same size as a minute's smoke run.
///
/// Downsampling: a series of `n` intervals becomes at most ``maxPoints`` points, each covering
/// `k = ⌈n / maxPoints⌉` consecutive intervals (``intervalsPerPoint``; 1 when `n ≤ maxPoints`).
/// - latency over time: the percentiles of the *merged* histogram of the `k` intervals (exact,
///   not an average of percentiles); max is the maximum;
/// - rates (pushes, responses, errors per second): the counter's growth over the `k` intervals
///   divided by their total length (exact mean rate);
/// - session gauges and the MP's online count: the mean of the `k` values.
public struct ReportData: Sendable {
    /// Most points per series.
    public static let maxPoints = 720

    /// Percentiles of one latency metric over one point's intervals (nanoseconds).
    public struct LatencyPoint: Sendable, Equatable {
        /// Seconds since the run start.
        public var start: Double
        /// Seconds covered.
        public var length: Double
        public var count: UInt64
        public var p50: UInt64
        public var p90: UInt64
        public var p99: UInt64
        public var max: UInt64
    }

    /// Counters over one point's intervals.
    public struct TimelinePoint: Sendable, Equatable {
        /// Seconds since the run start.
        public var start: Double
        /// Seconds covered.
        public var length: Double
        /// Mean sessions per state.
        public var sessions: [SessionState: Double]
        /// Failures per second, by reason.
        public var errorsPerSecond: [FailureReason: Double]
        /// Counter growth per second.
        public var perSecond: [FleetCounter: Double]
    }

    /// One point of the latency spectrum: the value at a percentile.
    public struct SpectrumPoint: Sendable, Equatable {
        public var percentile: Double
        /// Nanoseconds.
        public var value: UInt64
    }

    /// A shard or input of a merged run.
    public struct Part: Sendable {
        public var name: String
        public var summary: RunSummary

        /// Creates a part.
        public init(name: String, summary: RunSummary) {
            self.name = name
            self.summary = summary
        }
    }

    /// The report directory's name or another label for the run.
    public var title: String
    public var summary: RunSummary
    /// Intervals per point of the longest series (1 = not downsampled).
    public var intervalsPerPoint: Int
    /// Intervals in the longest series before downsampling.
    public var intervalCount: Int
    public var latency: [MetricName: [LatencyPoint]]
    public var spectra: [MetricName: [SpectrumPoint]]
    /// Whole-run sample count per metric.
    public var sampleCounts: [MetricName: UInt64]
    public var timeline: [TimelinePoint]
    /// The MP's own online count (`mp_online` in intervals.csv), when it was polled.
    public var mpOnline: [ChartPoint]
    public var pushes: [PushReportRow]
    /// Shards or inputs of a merged run (empty otherwise).
    public var parts: [Part]

    /// The intervals per point for `count` intervals.
    public static func intervalsPerPoint(count: Int, maxPoints: Int = ReportData.maxPoints) -> Int {
        precondition(maxPoints > 0)
        return Swift.max(1, (count + maxPoints - 1) / maxPoints)
    }

    /// The spectrum of a whole-run histogram: a point every 0.05 along the percentile axis (see
    /// ``ChartAxis/percentile(nines:)``) up to the last percentile the sample count resolves
    /// (`log10(count)`, at most 99.999 %).
    public static func spectrum(of histogram: HistogramSnapshot) -> [SpectrumPoint] {
        guard histogram.totalCount > 0 else { return [] }
        let last = Swift.min(5, Foundation.log10(Double(histogram.totalCount)))
        let steps = Int((last / 0.05 + 1e-9).rounded(.down))
        return (0...steps).map { step in
            let p = ChartAxis.percentile(atPosition: Double(step) * 0.05)
            return SpectrumPoint(percentile: p, value: histogram.valueAtPercentile(p))
        }
    }
}

extension ReportData {
    /// Downsamples one metric's intervals into ``LatencyPoint``s while they stream by, and keeps
    /// their exact total.
    struct LatencyAccumulator {
        let perPoint: Int
        private(set) var points: [LatencyPoint] = []
        private(set) var total: HistogramSnapshot?
        private var bucket: HistogramSnapshot?
        private var bucketStart = 0.0
        private var bucketEnd = 0.0
        private var filled = 0

        init(perPoint: Int) {
            precondition(perPoint >= 1)
            self.perPoint = perPoint
        }

        /// Adds the next interval (`start` in seconds since the run start).
        mutating func add(start: Double, length: Double, histogram: HistogramSnapshot) {
            if total == nil { total = histogram } else if total!.layout == histogram.layout { total!.merge(histogram) }
            if bucket == nil {
                bucket = histogram
                bucketStart = start
            } else if bucket!.layout == histogram.layout {
                bucket!.merge(histogram)
            }
            bucketEnd = start + length
            filled += 1
            if filled == perPoint { flush() }
        }

        private mutating func flush() {
            guard let histogram = bucket else { return }
            points.append(LatencyPoint(
                start: bucketStart, length: bucketEnd - bucketStart, count: histogram.totalCount,
                p50: histogram.valueAtPercentile(50), p90: histogram.valueAtPercentile(90),
                p99: histogram.valueAtPercentile(99), max: histogram.max))
            bucket = nil
            filled = 0
        }

        /// Closes the last, possibly partial, point.
        mutating func finish() {
            if filled > 0 { flush() }
        }
    }

    /// Downsamples timeline rows into ``TimelinePoint``s.
    static func downsample(_ rows: [TimelineRow], perPoint: Int) -> [TimelinePoint] {
        var points: [TimelinePoint] = []
        var previous = CounterSnapshot()
        var index = 0
        while index < rows.count {
            let bucket = rows[index..<Swift.min(rows.count, index + perPoint)]
            let last = bucket.last!.counters
            let length = bucket.reduce(0) { $0 + $1.length }
            var sessions: [SessionState: Double] = [:]
            for state in SessionState.allCases {
                sessions[state] = bucket.reduce(0) { $0 + Double($1.counters[state: state]) } / Double(bucket.count)
            }
            func rate(_ now: UInt64, _ before: UInt64) -> Double {
                guard length > 0 else { return 0 }
                return (Double(now) - Double(before)) / length
            }
            var errors: [FailureReason: Double] = [:]
            for reason in FailureReason.allCases { errors[reason] = rate(last[error: reason], previous[error: reason]) }
            var perSecond: [FleetCounter: Double] = [:]
            for counter in FleetCounter.allCases { perSecond[counter] = rate(last[counter], previous[counter]) }
            points.append(TimelinePoint(start: bucket.first!.start, length: length, sessions: sessions,
                                        errorsPerSecond: errors, perSecond: perSecond))
            previous = last
            index += perPoint
        }
        return points
    }

    /// Mean of every `perPoint` consecutive values.
    static func downsample(_ points: [ChartPoint], perPoint: Int) -> [ChartPoint] {
        stride(from: 0, to: points.count, by: perPoint).map { index in
            let bucket = points[index..<Swift.min(points.count, index + perPoint)]
            return ChartPoint(x: bucket.first!.x, y: bucket.reduce(0) { $0 + $1.y } / Double(bucket.count))
        }
    }
}

extension ReportData {
    /// The page data of an in-memory report (e.g. a merge before it is written).
    public init(report: RunReport, title: String, parts: [Part] = [], mpOnline: [ChartPoint] = [],
                maxPoints: Int = ReportData.maxPoints) {
        var latency: [MetricName: [LatencyPoint]] = [:]
        var spectra: [MetricName: [SpectrumPoint]] = [:]
        var counts: [MetricName: UInt64] = [:]
        var longest = report.timeline.count
        for metric in MetricName.allCases {
            let log = report.logs[metric] ?? HistogramLog(startTime: nil, baseTime: nil, intervals: [])
            longest = Swift.max(longest, log.intervals.count)
            var accumulator = LatencyAccumulator(perPoint: Self.intervalsPerPoint(count: log.intervals.count, maxPoints: maxPoints))
            let base = log.effectiveBaseTime - report.summary.startTime.timeIntervalSince1970
            for interval in log.intervals {
                accumulator.add(start: interval.start + base, length: interval.length, histogram: interval.histogram)
            }
            accumulator.finish()
            latency[metric] = accumulator.points
            spectra[metric] = accumulator.total.map(Self.spectrum) ?? []
            counts[metric] = accumulator.total?.totalCount ?? 0
        }
        let perPoint = Self.intervalsPerPoint(count: longest, maxPoints: maxPoints)
        self.init(title: title, summary: report.summary, intervalsPerPoint: perPoint, intervalCount: longest,
                  latency: latency, spectra: spectra, sampleCounts: counts,
                  timeline: Self.downsample(report.timeline, perPoint: Self.intervalsPerPoint(count: report.timeline.count, maxPoints: maxPoints)),
                  mpOnline: Self.downsample(mpOnline, perPoint: Self.intervalsPerPoint(count: mpOnline.count, maxPoints: maxPoints)),
                  pushes: report.pushes, parts: parts)
    }
}
