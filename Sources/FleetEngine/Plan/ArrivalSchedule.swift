/// When session *i* is scheduled to start (spec: a rate or a linear ramp, measured from the
/// scheduled time so a slow MP shows up as `connect` latency, not as a slower ramp).
public enum ArrivalSchedule: Hashable, Sendable {
    /// `rate` sessions per second.
    case rate(Double)
    /// All sessions spread evenly over this many nanoseconds.
    case ramp(nanoseconds: UInt64)

    /// The arrival rates a plan accepts (sessions per second): the slowest still schedules
    /// 10,000,000 sessions within UInt64 nanoseconds; NaN and infinities are outside.
    public static let rateRange: ClosedRange<Double> = 0.001...1_000_000_000
    /// ``rateRange`` for messages.
    public static let rateRangeText = "0.001…1000000000"

    /// The start offset of session `index` of `count`, in nanoseconds after the run start.
    public func offset(of index: Int, count: Int) -> UInt64 {
        switch self {
        case .rate(let perSecond):
            return UInt64(Double(index) / perSecond * 1e9)
        case .ramp(let total):
            guard count > 1 else { return 0 }
            return UInt64(Double(total) * Double(index) / Double(count))
        }
    }

    /// When the last session starts.
    public func rampDuration(count: Int) -> UInt64 {
        count == 0 ? 0 : offset(of: count - 1, count: count)
    }
}
