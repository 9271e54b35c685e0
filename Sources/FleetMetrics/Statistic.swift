/// A statistic of a latency metric, as written in reports and thresholds.
public enum Statistic: String, CaseIterable, Sendable, Codable {
    case p50, p90, p99
    case p99_9 = "p99.9"
    case p99_99 = "p99.99"
    case max, mean, count

    /// The percentile for the `p…` statistics.
    public var percentile: Double? {
        switch self {
        case .p50: 50
        case .p90: 90
        case .p99: 99
        case .p99_9: 99.9
        case .p99_99: 99.99
        case .max, .mean, .count: nil
        }
    }

    /// Whether the statistic is a duration (everything but `count`).
    public var isDuration: Bool { self != .count }
}
