/// Whether the load generator itself kept up, judged from its `loop_lag` probe and from how late
/// it started the sessions of its ramp (`start_late`).
///
/// Rule: the generator is **saturated** when `loop_lag` p99 > 10 ms or `loop_lag` max > 100 ms
/// (``p99LimitNanoseconds``, ``maxLimitNanoseconds``). A saturated generator measures itself as
/// much as the MP: its latencies are then upper bounds, not the MP's figures.
///
/// It **started late** when `start_late` p99 > 100 ms (``startLateLimitNanoseconds``): asked
/// for more sign-ins per second than it could start, the generator was the bottleneck of the
/// ramp, and the sign-in rate reached says as much about it as about the MP.
public struct GeneratorHealth: Sendable, Equatable, Codable {
    /// `loop_lag` p99 above this (10 ms) means saturated.
    public static let p99LimitNanoseconds: UInt64 = 10_000_000
    /// `loop_lag` max above this (100 ms) means saturated.
    public static let maxLimitNanoseconds: UInt64 = 100_000_000
    /// The rule in words, written into reports.
    public static let rule = "saturated when loop_lag p99 > 10 ms or loop_lag max > 100 ms"
    /// `start_late` p99 above this (100 ms) means the generator started its sessions late.
    public static let startLateLimitNanoseconds: UInt64 = 100_000_000
    /// The start rule in words.
    public static let startRule = "late when start_late p99 > 100 ms"

    /// `loop_lag` p99, nanoseconds.
    public var loopLagP99: UInt64
    /// `loop_lag` max, nanoseconds.
    public var loopLagMax: UInt64
    /// The verdict.
    public var saturated: Bool
    /// `start_late` p99 and max, nanoseconds (0 in summaries written before it was measured).
    public var startLateP99: UInt64 = 0
    public var startLateMax: UInt64 = 0
    /// The generator started its sessions late (``startRule``).
    public var startedLate: Bool { startLateP99 > Self.startLateLimitNanoseconds }

    /// Creates a health record with an explicit verdict.
    public init(loopLagP99: UInt64, loopLagMax: UInt64, saturated: Bool, startLateP99: UInt64 = 0, startLateMax: UInt64 = 0) {
        self.loopLagP99 = loopLagP99
        self.loopLagMax = loopLagMax
        self.saturated = saturated
        self.startLateP99 = startLateP99
        self.startLateMax = startLateMax
    }

    /// Applies the rules to the `loop_lag` and `start_late` histograms.
    public init(loopLag: HistogramSnapshot, startLate: HistogramSnapshot = HistogramSnapshot()) {
        let p99 = loopLag.valueAtPercentile(99)
        let max = loopLag.max
        self.init(loopLagP99: p99, loopLagMax: max,
                  saturated: p99 > Self.p99LimitNanoseconds || max > Self.maxLimitNanoseconds,
                  startLateP99: startLate.totalCount > 0 ? startLate.valueAtPercentile(99) : 0,
                  startLateMax: startLate.totalCount > 0 ? startLate.max : 0)
    }

    /// The plain sentence a summary gives when the generator started late; nil when it did not.
    public var startedLateSentence: String? {
        guard startedLate else { return nil }
        let seconds = Double(startLateMax) / 1e9
        return "the generator started sessions up to " + String(format: seconds >= 10 ? "%.0f" : "%.1f", seconds)
            + " s late (start_late p99 " + String(format: "%.0f", Double(startLateP99) / 1e6)
            + " ms): it was the bottleneck of the ramp, not the MP; use more processes or hosts, or a lower rate"
    }

    private enum CodingKeys: String, CodingKey {
        case loopLagP99 = "loop_lag_p99_ms", loopLagMax = "loop_lag_max_ms", saturated
        case rule = "saturation_rule"
        case startLateP99 = "start_late_p99_ms", startLateMax = "start_late_max_ms", startedLate = "started_late"
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
        if c.contains(.startLateP99) { startLateP99 = try nanos(.startLateP99) }
        if c.contains(.startLateMax) { startLateMax = try nanos(.startLateMax) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Double(loopLagP99) / 1e6, forKey: .loopLagP99)
        try c.encode(Double(loopLagMax) / 1e6, forKey: .loopLagMax)
        try c.encode(saturated, forKey: .saturated)
        try c.encode(Self.rule, forKey: .rule)
        try c.encode(Double(startLateP99) / 1e6, forKey: .startLateP99)
        try c.encode(Double(startLateMax) / 1e6, forKey: .startLateMax)
        try c.encode(startedLate, forKey: .startedLate)
    }
}
