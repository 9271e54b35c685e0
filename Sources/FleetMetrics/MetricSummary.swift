/// Summary statistics of one latency metric over a whole run (nanoseconds in memory; written as
/// milliseconds in `summary.csv` / `summary.json`).
public struct MetricSummary: Sendable, Equatable {
    public var metric: MetricName
    public var count: UInt64
    /// Mean, nanoseconds.
    public var mean: Double
    /// Standard deviation, nanoseconds.
    public var stdDev: Double
    public var min: UInt64
    public var p50: UInt64
    public var p90: UInt64
    public var p99: UInt64
    public var p99_9: UInt64
    public var p99_99: UInt64
    public var max: UInt64

    /// Summarises a histogram.
    public init(metric: MetricName, histogram: HistogramSnapshot) {
        self.metric = metric
        count = histogram.totalCount
        mean = histogram.mean
        stdDev = histogram.stdDev
        min = histogram.min
        p50 = histogram.valueAtPercentile(50)
        p90 = histogram.valueAtPercentile(90)
        p99 = histogram.valueAtPercentile(99)
        p99_9 = histogram.valueAtPercentile(99.9)
        p99_99 = histogram.valueAtPercentile(99.99)
        max = histogram.max
    }

    /// The value of `statistic`: nanoseconds for durations, a plain number for `count`.
    public func value(of statistic: Statistic) -> Double {
        switch statistic {
        case .p50: Double(p50)
        case .p90: Double(p90)
        case .p99: Double(p99)
        case .p99_9: Double(p99_9)
        case .p99_99: Double(p99_99)
        case .max: Double(max)
        case .mean: mean
        case .count: Double(count)
        }
    }
}

extension MetricSummary: Codable {
    private enum CodingKeys: String, CodingKey {
        case metric, count
        case mean = "mean_ms", stdDev = "stddev_ms", min = "min_ms"
        case p50 = "p50_ms", p90 = "p90_ms", p99 = "p99_ms", p99_9 = "p99_9_ms", p99_99 = "p99_99_ms", max = "max_ms"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func nanos(_ key: CodingKeys) throws -> UInt64 {
            let ms = try c.decode(Double.self, forKey: key)
            guard ms.isFinite, ms >= 0, ms < 1.8e13 else {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "\(ms) is not a valid duration in ms")
            }
            return UInt64((ms * 1e6).rounded())
        }
        metric = try c.decode(MetricName.self, forKey: .metric)
        count = try c.decode(UInt64.self, forKey: .count)
        func finite(_ key: CodingKeys) throws -> Double {
            let ms = try c.decode(Double.self, forKey: key)
            guard ms.isFinite, ms >= 0 else {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "\(ms) is not a valid duration in ms")
            }
            return ms * 1e6
        }
        mean = try finite(.mean)
        stdDev = try finite(.stdDev)
        min = try nanos(.min)
        p50 = try nanos(.p50)
        p90 = try nanos(.p90)
        p99 = try nanos(.p99)
        p99_9 = try nanos(.p99_9)
        p99_99 = try nanos(.p99_99)
        max = try nanos(.max)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(metric, forKey: .metric)
        try c.encode(count, forKey: .count)
        try c.encode(mean / 1e6, forKey: .mean)
        try c.encode(stdDev / 1e6, forKey: .stdDev)
        try c.encode(Double(min) / 1e6, forKey: .min)
        try c.encode(Double(p50) / 1e6, forKey: .p50)
        try c.encode(Double(p90) / 1e6, forKey: .p90)
        try c.encode(Double(p99) / 1e6, forKey: .p99)
        try c.encode(Double(p99_9) / 1e6, forKey: .p99_9)
        try c.encode(Double(p99_99) / 1e6, forKey: .p99_99)
        try c.encode(Double(max) / 1e6, forKey: .max)
    }
}
