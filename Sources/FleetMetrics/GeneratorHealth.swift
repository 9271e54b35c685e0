/// Whether the load generator itself kept up, judged from its `loop_lag` probe.
///
/// Rule: the generator is **saturated** when `loop_lag` p99 > 10 ms or `loop_lag` max > 100 ms
/// (``p99LimitNanoseconds``, ``maxLimitNanoseconds``). A saturated generator measures itself as
/// much as the MP: its latencies are then upper bounds, not the MP's figures.
public struct GeneratorHealth: Sendable, Equatable, Codable {
    /// `loop_lag` p99 above this (10 ms) means saturated.
    public static let p99LimitNanoseconds: UInt64 = 10_000_000
    /// `loop_lag` max above this (100 ms) means saturated.
    public static let maxLimitNanoseconds: UInt64 = 100_000_000
    /// The rule in words, written into reports.
    public static let rule = "saturated when loop_lag p99 > 10 ms or loop_lag max > 100 ms"

    /// `loop_lag` p99, nanoseconds.
    public var loopLagP99: UInt64
    /// `loop_lag` max, nanoseconds.
    public var loopLagMax: UInt64
    /// The verdict.
    public var saturated: Bool

    /// Creates a health record with an explicit verdict.
    public init(loopLagP99: UInt64, loopLagMax: UInt64, saturated: Bool) {
        self.loopLagP99 = loopLagP99
        self.loopLagMax = loopLagMax
        self.saturated = saturated
    }

    /// Applies the rule to a `loop_lag` histogram.
    public init(loopLag: HistogramSnapshot) {
        let p99 = loopLag.valueAtPercentile(99)
        let max = loopLag.max
        self.init(loopLagP99: p99, loopLagMax: max,
                  saturated: p99 > Self.p99LimitNanoseconds || max > Self.maxLimitNanoseconds)
    }

    private enum CodingKeys: String, CodingKey {
        case loopLagP99 = "loop_lag_p99_ms", loopLagMax = "loop_lag_max_ms", saturated
        case rule = "saturation_rule"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func nanos(_ key: CodingKeys) throws -> UInt64 {
            let ms = try c.decode(Double.self, forKey: key)
            // Checked before the conversion: a negative or huge value would trap in UInt64(_:).
            guard ms.isFinite, ms >= 0, ms < 1.8e13 else {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "\(ms) is not a valid duration in ms")
            }
            return UInt64((ms * 1e6).rounded())
        }
        loopLagP99 = try nanos(.loopLagP99)
        loopLagMax = try nanos(.loopLagMax)
        saturated = try c.decode(Bool.self, forKey: .saturated)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Double(loopLagP99) / 1e6, forKey: .loopLagP99)
        try c.encode(Double(loopLagMax) / 1e6, forKey: .loopLagMax)
        try c.encode(saturated, forKey: .saturated)
        try c.encode(Self.rule, forKey: .rule)
    }
}
