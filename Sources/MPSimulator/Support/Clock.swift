import BGBProtocol
import NIOCore

/// The two clocks the simulator uses: a monotonic one for every latency and deadline, the
/// real-time one only for the timestamps it reports.
enum Clock {
    /// Monotonic nanoseconds (`NIODeadline.now()`), for `mp_rtt` and queue waits.
    @inline(__always)
    static var monotonicNanoseconds: UInt64 { NIODeadline.now().uptimeNanoseconds }

    /// Nanoseconds since the Unix epoch.
    @inline(__always)
    static var epochNanoseconds: Int64 { BGBTimeStamp.currentEpochNanoseconds() }

    /// ISO 8601 UTC whole seconds (`2026-11-26T17:46:02Z`), the AdminService time format.
    static func iso8601(epochNanoseconds: Int64) -> String {
        BGBTimeStamp(epochNanoseconds: epochNanoseconds, style: .utcWholeSeconds).description
    }
}

extension Duration {
    /// The duration as a NIO `TimeAmount` (nanosecond precision, saturating).
    var timeAmount: TimeAmount {
        let (seconds, attoseconds) = components
        let nanos = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if nanos.overflow { return .nanoseconds(Int64.max) }
        return .nanoseconds(nanos.partialValue &+ attoseconds / 1_000_000_000)
    }

    /// Whole nanoseconds.
    var nanoseconds: Int64 { timeAmount.nanoseconds }
}
