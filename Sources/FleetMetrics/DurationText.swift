import Foundation

/// Durations as users write them, in profiles, flags, thresholds and the simulator's YAML:
/// `250ms`, `10s`, `15m`, `1h`, `1.5s`, combinations such as `1m30s`, or a bare number of seconds.
/// Units: `ns`, `us` (or `µs`), `ms`, `s`, `m`, `h`.
public enum DurationText {
    /// Nanoseconds per unit, or nil for an unknown unit.
    public static func nanosecondsPerUnit(_ unit: Substring) -> Double? {
        switch unit {
        case "ns": 1
        case "us", "µs": 1e3
        case "ms": 1e6
        case "s": 1e9
        case "m": 60e9
        case "h": 3600e9
        default: nil
        }
    }

    /// The units, as error messages list them.
    public static let unitList = "ns, us, µs, ms, s, m, h"

    /// Parses a duration into nanoseconds (rounded), or nil when the text is not a duration.
    public static func nanoseconds(_ text: String) -> UInt64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)[...]
        guard !trimmed.isEmpty else { return nil }
        if let seconds = Double(trimmed) {
            guard seconds >= 0, seconds.isFinite, seconds * 1e9 < 1.8e19 else { return nil }
            return UInt64((seconds * 1e9).rounded())
        }
        var total = 0.0
        var rest = trimmed
        while !rest.isEmpty {
            let numberEnd = rest.firstIndex { !($0.isASCII && ($0.isNumber || $0 == ".")) } ?? rest.endIndex
            let unitEnd = rest[numberEnd...].firstIndex { $0.isASCII && ($0.isNumber || $0 == ".") } ?? rest.endIndex
            guard numberEnd > rest.startIndex, let value = Double(rest[..<numberEnd]), value >= 0,
                let scale = nanosecondsPerUnit(rest[numberEnd..<unitEnd])
            else { return nil }
            total += value * scale
            rest = rest[unitEnd...]
        }
        guard total.isFinite, total < 1.8e19 else { return nil }
        return UInt64(total.rounded())
    }

    /// Parses a duration, or nil when the text is not one (or does not fit a `Duration` of `Int64` nanoseconds).
    public static func parse(_ text: String) -> Duration? {
        guard let nanoseconds = nanoseconds(text), nanoseconds <= UInt64(Int64.max) else { return nil }
        return .nanoseconds(Int64(nanoseconds))
    }

    /// The largest unit that keeps the value whole: `1h`, `15m`, `10s`, `250ms`, `1500us`, `7ns`.
    public static func format(_ nanoseconds: UInt64) -> String {
        if nanoseconds == 0 { return "0s" }
        if nanoseconds % 3_600_000_000_000 == 0 { return "\(nanoseconds / 3_600_000_000_000)h" }
        if nanoseconds % 60_000_000_000 == 0 { return "\(nanoseconds / 60_000_000_000)m" }
        if nanoseconds % 1_000_000_000 == 0 { return "\(nanoseconds / 1_000_000_000)s" }
        if nanoseconds % 1_000_000 == 0 { return "\(nanoseconds / 1_000_000)ms" }
        if nanoseconds % 1_000 == 0 { return "\(nanoseconds / 1_000)us" }
        return "\(nanoseconds)ns"
    }

    /// ``format(_:)-(UInt64)`` for a `Duration` (negative durations format as `0s`).
    public static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0, attoseconds >= 0 else { return "0s" }
        return format(UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000))
    }
}
