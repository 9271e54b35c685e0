#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// A `TimeStamp` attribute value, kept exactly as written (spec §3.2).
///
/// Grammar: `YYYY-MM-DDThh:mm:ss[.f{1,7}][Z | ±hh:mm]`; a form without a zone suffix is accepted
/// (read as UTC, ``zone`` is ``Zone/unspecified``). Re-encoding a parsed value gives the same text.
/// Never use it for latency: it is a wall clock.
public struct BGBTimeStamp: Hashable, Sendable, CustomStringConvertible {
    public enum Zone: Hashable, Sendable {
        /// `Z`
        case utc
        /// `±hh:mm`, in minutes east of UTC.
        case offset(minutes: Int)
        /// No suffix.
        case unspecified
    }

    /// How the generator and the MP sim write timestamps.
    public enum Style: Hashable, Sendable {
        /// UTC with a trimmed 7-digit fraction, `Z` (the SDK's SignIn/KeepAlive form).
        case utcTrimmedFraction
        /// Local time with offset and a trimmed 7-digit fraction (the SDK's Response form).
        case localTrimmedFraction(offsetMinutes: Int)
        /// UTC whole seconds, `Z` (the Windows client's and the MP sim's default).
        case utcWholeSeconds
    }

    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int
    /// The fraction of a second in 100 ns ticks (0…9,999,999).
    public var ticks: Int
    /// How many fraction digits are written (0…7).
    public var fractionDigits: Int
    public var zone: Zone

    /// Builds a timestamp from nanoseconds since the Unix epoch in the given style.
    public init(epochNanoseconds: Int64, style: Style) {
        var offsetMinutes = 0
        switch style {
        case .localTrimmedFraction(let minutes): offsetMinutes = minutes
        case .utcTrimmedFraction, .utcWholeSeconds: break
        }
        let local = epochNanoseconds + Int64(offsetMinutes) * 60_000_000_000
        var seconds = local / 1_000_000_000
        var nanos = local % 1_000_000_000
        if nanos < 0 {
            nanos += 1_000_000_000
            seconds -= 1
        }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let (year, month, day) = Self.civil(fromDays: days)
        self.year = year
        self.month = month
        self.day = day
        self.hour = Int(secondOfDay / 3600)
        self.minute = Int(secondOfDay / 60 % 60)
        self.second = Int(secondOfDay % 60)
        switch style {
        case .utcWholeSeconds:
            self.ticks = 0
            self.fractionDigits = 0
            self.zone = .utc
        case .utcTrimmedFraction, .localTrimmedFraction:
            let ticks = Int(nanos / 100)
            self.ticks = ticks
            self.fractionDigits = Self.trimmedDigits(ticks)
            if case .localTrimmedFraction(let minutes) = style {
                self.zone = .offset(minutes: minutes)
            } else {
                self.zone = .utc
            }
        }
    }

    /// The current time in the given style.
    public static func now(_ style: Style) -> BGBTimeStamp {
        BGBTimeStamp(epochNanoseconds: currentEpochNanoseconds(), style: style)
    }

    /// Nanoseconds since the Unix epoch from the real-time clock.
    public static func currentEpochNanoseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }

    /// The local time zone's offset from UTC now, in minutes (for the SDK's Response style).
    public static func localOffsetMinutes() -> Int {
        var now = time(nil)
        var broken = tm()
        localtime_r(&now, &broken)
        return Int(broken.tm_gmtoff) / 60
    }

    /// The number of digits a trimmed 7-digit fraction needs.
    static func trimmedDigits(_ ticks: Int) -> Int {
        guard ticks > 0 else { return 0 }
        var digits = 7
        var value = ticks
        while value % 10 == 0 {
            value /= 10
            digits -= 1
        }
        return digits
    }

    /// Parses every form of spec §3.2.
    public init(parsing text: String) throws(BGBTimeStampError) {
        var text = text
        let parsed = text.withUTF8 { Self.parse(UnsafeRawBufferPointer($0)) }
        switch parsed {
        case .success(let stamp): self = stamp
        case .failure(.outOfRange): throw .outOfRange(text)
        case .failure(.malformed): throw .malformed(text)
        }
    }

    /// Why ``parse(_:)`` refused its bytes.
    enum ParseFailure: Error {
        case malformed
        case outOfRange
    }

    /// Parses the ASCII bytes of a TimeStamp (every form of spec §3.2) without copying them.
    static func parse(_ bytes: UnsafeRawBufferPointer) -> Result<BGBTimeStamp, ParseFailure> {
        func number(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= bytes.count else { return nil }
            var value = 0
            for index in start..<(start + count) {
                let byte = bytes[index]
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        func at(_ index: Int, _ byte: UInt8) -> Bool {
            index < bytes.count && bytes[index] == byte
        }
        guard let year = number(0, 4), at(4, UInt8(ascii: "-")), let month = number(5, 2), at(7, UInt8(ascii: "-")),
            let day = number(8, 2), at(10, UInt8(ascii: "T")), let hour = number(11, 2), at(13, UInt8(ascii: ":")),
            let minute = number(14, 2), at(16, UInt8(ascii: ":")), let second = number(17, 2)
        else { return .failure(.malformed) }
        var index = 19
        var ticks = 0
        var fractionDigits = 0
        if at(index, UInt8(ascii: ".")) {
            index += 1
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                fractionDigits += 1
                guard fractionDigits <= 7 else { return .failure(.malformed) }
                ticks = ticks * 10 + Int(bytes[index] - 0x30)
                index += 1
            }
            guard fractionDigits > 0 else { return .failure(.malformed) }
            for _ in fractionDigits..<7 { ticks *= 10 }
        }
        let zone: Zone
        if index == bytes.count {
            zone = .unspecified
        } else if bytes[index] == UInt8(ascii: "Z"), index + 1 == bytes.count {
            zone = .utc
        } else if bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-"), index + 6 == bytes.count {
            guard let hours = number(index + 1, 2), at(index + 3, UInt8(ascii: ":")), let minutes = number(index + 4, 2),
                hours <= 14, minutes <= 59
            else { return .failure(.malformed) }
            let total = hours * 60 + minutes
            zone = .offset(minutes: bytes[index] == UInt8(ascii: "-") ? -total : total)
        } else {
            return .failure(.malformed)
        }
        guard (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day), hour <= 23,
            minute <= 59, second <= 60
        else { return .failure(.outOfRange) }
        var stamp = BGBTimeStamp(epochNanoseconds: 0, style: .utcWholeSeconds)
        stamp.year = year
        stamp.month = month
        stamp.day = day
        stamp.hour = hour
        stamp.minute = minute
        stamp.second = second
        stamp.ticks = ticks
        stamp.fractionDigits = fractionDigits
        stamp.zone = zone
        return .success(stamp)
    }

    /// Nanoseconds since the Unix epoch (an unspecified zone is read as UTC).
    ///
    /// Int64 nanoseconds span only 1677-09-21…2262-04-11 while a parsed TimeStamp may name any year
    /// 0000…9999: instants outside that span saturate to `Int64.min` / `Int64.max` instead of trapping.
    public var epochNanoseconds: Int64 {
        let days = Self.days(fromCivil: year, month, day)
        var seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        if case .offset(let minutes) = zone { seconds -= Int64(minutes) * 60 }
        let fraction = Int64(ticks) * 100
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if !overflow {
            let (total, overflowAdding) = scaled.addingReportingOverflow(fraction)
            return overflowAdding ? .max : total
        }
        guard seconds < 0 else { return .max }
        // The whole seconds alone are below Int64.min; with the fraction the instant may still fit.
        let (ceiling, overflowCeiling) = (seconds + 1).multipliedReportingOverflow(by: 1_000_000_000)
        if overflowCeiling { return .min }
        let (total, overflowAdding) = ceiling.addingReportingOverflow(fraction - 1_000_000_000)
        return overflowAdding ? .min : total
    }

    public var description: String {
        var buffer = ByteBuffer()
        buffer.writeBGBTimeStamp(self)
        return String(buffer: buffer)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm).
    static func days(fromCivil year: Int, _ month: Int, _ day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(fromDays days: Int64) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day))
    }
}

/// Why a string is not a BGB TimeStamp.
public enum BGBTimeStampError: Error, Hashable, Sendable, CustomStringConvertible {
    case malformed(String)
    case outOfRange(String)

    public var description: String {
        switch self {
        case .malformed(let text):
            "TimeStamp \"\(text)\" is not of the form YYYY-MM-DDThh:mm:ss[.f{1,7}][Z|±hh:mm]"
        case .outOfRange(let text):
            "TimeStamp \"\(text)\" has a field out of range"
        }
    }
}

extension ByteBuffer {
    /// Writes a timestamp's text without going through `String`, in one buffer access.
    @discardableResult
    public mutating func writeBGBTimeStamp(_ stamp: BGBTimeStamp) -> Int {
        // Fields are written zero-padded to their width, wider when the value needs more digits
        // (a hand-built stamp may hold any Int): reserve for the worst case.
        let maximumLength = 9 * 20 + 10
        return writeWithUnsafeMutableBytes(minimumWritableBytes: maximumLength) { pointer in
            var index = 0
            func digits(_ value: Int, _ width: Int) {
                index += Self.storeDigits(value, width, into: pointer, at: index)
            }
            func byte(_ value: UInt8) {
                pointer[index] = value
                index += 1
            }
            digits(stamp.year, 4)
            byte(UInt8(ascii: "-"))
            digits(stamp.month, 2)
            byte(UInt8(ascii: "-"))
            digits(stamp.day, 2)
            byte(UInt8(ascii: "T"))
            digits(stamp.hour, 2)
            byte(UInt8(ascii: ":"))
            digits(stamp.minute, 2)
            byte(UInt8(ascii: ":"))
            digits(stamp.second, 2)
            if stamp.fractionDigits > 0 {
                byte(UInt8(ascii: "."))
                var value = stamp.ticks
                for _ in stamp.fractionDigits..<7 { value /= 10 }
                digits(value, stamp.fractionDigits)
            }
            switch stamp.zone {
            case .utc:
                byte(UInt8(ascii: "Z"))
            case .offset(let minutes):
                byte(minutes < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
                digits(abs(minutes) / 60, 2)
                byte(UInt8(ascii: ":"))
                digits(abs(minutes) % 60, 2)
            case .unspecified:
                break
            }
            return index
        }
    }

    /// Stores a non-negative integer zero-padded to `width` digits (more if it needs them) at
    /// `offset`, returning the number of bytes stored (at most 20 for a 64-bit value).
    @inlinable
    static func storeDigits(_ value: Int, _ width: Int, into pointer: UnsafeMutableRawBufferPointer, at offset: Int) -> Int {
        precondition(value >= 0)
        var digits = 1
        var probe = value
        while probe >= 10 {
            probe /= 10
            digits += 1
        }
        let count = max(digits, width)
        var remaining = value
        for index in stride(from: offset + count - 1, through: offset, by: -1) {
            pointer[index] = UInt8(0x30 + remaining % 10)
            remaining /= 10
        }
        return count
    }

    /// Writes a non-negative integer zero-padded to exactly `width` digits (more if it needs them).
    @inlinable
    mutating func writeDigits(_ value: Int, _ width: Int) {
        precondition(value >= 0)
        var digits = 1
        var probe = value
        while probe >= 10 {
            probe /= 10
            digits += 1
        }
        let count = max(digits, width)
        writeWithUnsafeMutableBytes(minimumWritableBytes: count) { pointer in
            var remaining = value
            for index in stride(from: count - 1, through: 0, by: -1) {
                pointer[index] = UInt8(0x30 + remaining % 10)
                remaining /= 10
            }
            return count
        }
    }
}
