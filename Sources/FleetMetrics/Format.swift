import Foundation

/// Locale-independent number formatting for reports.
enum Format {
    /// `value` with exactly `digits` decimals (POSIX `%.*f`).
    static func fixed(_ value: Double, _ digits: Int) -> String {
        String(format: "%.\(digits)f", value)
    }

    /// Nanoseconds as milliseconds with 3 decimals.
    static func ms(_ nanoseconds: UInt64) -> String {
        fixed(Double(nanoseconds) / 1e6, 3)
    }

    /// Nanoseconds (fractional) as milliseconds with 3 decimals.
    static func ms(_ nanoseconds: Double) -> String {
        fixed(nanoseconds / 1e6, 3)
    }
}
