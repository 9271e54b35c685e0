import Foundation

/// One axis of a chart: how data values map onto it and where its labelled ticks go.
struct ChartAxis: Sendable, Equatable {
    /// How values are spread along the axis.
    enum Scale: Sendable, Equatable {
        case linear
        /// Base-10 logarithmic; values ≤ 0 cannot be drawn.
        case log
    }

    /// A labelled tick.
    struct Tick: Sendable, Equatable {
        var value: Double
        var label: String
    }

    var scale: Scale
    /// The data range shown, `lower < upper` (for `.log`, `lower > 0`).
    var lower: Double
    var upper: Double
    var ticks: [Tick]

    /// Position of `value` as a fraction 0…1 of the axis, or nil when it cannot be drawn.
    func fraction(_ value: Double) -> Double? {
        guard value.isFinite else { return nil }
        switch scale {
        case .linear:
            return (value - lower) / (upper - lower)
        case .log:
            guard value > 0 else { return nil }
            return (Foundation.log10(value) - Foundation.log10(lower)) / (Foundation.log10(upper) - Foundation.log10(lower))
        }
    }
}

extension ChartAxis {
    /// A linear axis from 0 (or the data minimum when negative) to a "nice" number at or above
    /// `maximum`, with about five ticks labelled by `format`.
    static func linear(maximum: Double, minimum: Double = 0, format: (Double) -> String = ChartAxis.number) -> ChartAxis {
        let low = Swift.min(0, minimum.isFinite ? minimum : 0)
        var high = maximum.isFinite ? maximum : 1
        if high <= low { high = low + 1 }
        let step = niceStep((high - low) / 5)
        let upper = (high / step).rounded(.up) * step
        let lower = (low / step).rounded(.down) * step
        var ticks: [Tick] = []
        var value = lower
        while value <= upper + step / 2 {
            ticks.append(Tick(value: value, label: format(value)))
            value += step
        }
        return ChartAxis(scale: .linear, lower: lower, upper: upper, ticks: ticks)
    }

    /// A logarithmic axis over whole decades covering `minimum…maximum` (both > 0), a tick per
    /// decade (every second or third decade when they would crowd), labelled by `format`.
    static func log(minimum: Double, maximum: Double, format: (Double) -> String) -> ChartAxis {
        var low = minimum > 0 && minimum.isFinite ? minimum : 1
        var high = maximum > 0 && maximum.isFinite ? maximum : low * 10
        if high < low { swap(&low, &high) }
        var first = Int(Foundation.log10(low).rounded(.down))
        var last = Int(Foundation.log10(high).rounded(.up))
        if last <= first { last = first + 1 }
        let decades = last - first
        let every = decades > 12 ? 3 : decades > 6 ? 2 : 1
        first -= ((first % every) + every) % every
        let ticks = stride(from: first, through: last, by: every).map { exponent in
            Tick(value: pow(10, Double(exponent)), label: format(pow(10, Double(exponent))))
        }
        return ChartAxis(scale: .log, lower: pow(10, Double(first)), upper: pow(10, Double(last)), ticks: ticks)
    }

    /// A time axis in seconds from 0 to `seconds`, ticks on round seconds, minutes or hours.
    static func time(seconds: Double) -> ChartAxis {
        let span = Swift.max(seconds.isFinite ? seconds : 1, 1)
        let steps: [Double] = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1_800, 3_600, 7_200, 10_800, 21_600, 43_200, 86_400, 172_800, 604_800]
        let step = steps.first { span / $0 <= 6 } ?? (span / 6).rounded(.up)
        // The axis ends at the run's end; a tick closer than a fifth of a step to it is dropped
        // so that two labels never meet.
        let ticks = stride(from: 0.0, through: span - step / 5, by: step).map { Tick(value: $0, label: timeLabel($0, step: step)) }
        return ChartAxis(scale: .linear, lower: 0, upper: span, ticks: ticks)
    }

    /// The percentile axis of a latency spectrum, as HdrHistogram's plotter draws it: position
    /// `log10(1 / (1 − p))`, so 0 %, 90 %, 99 %, 99.9 %, 99.99 % are evenly spaced; `nines` is the
    /// last tick (4 = 99.99 %).
    static func percentile(nines: Int) -> ChartAxis {
        let ticks = (0...nines).map { n in Tick(value: Double(n), label: percentileLabel(nines: n)) }
        return ChartAxis(scale: .linear, lower: 0, upper: Double(nines), ticks: ticks)
    }

    /// `0%`, `90%`, `99%`, `99.9%`, … for 0, 1, 2, 3 nines.
    static func percentileLabel(nines: Int) -> String {
        switch nines {
        case 0: "0%"
        case 1: "90%"
        case 2: "99%"
        default: "99." + String(repeating: "9", count: nines - 2) + "%"
        }
    }

    /// The spectrum position of percentile `p` (0 ≤ p < 100).
    static func spectrumPosition(percentile p: Double) -> Double {
        Foundation.log10(100 / (100 - p))
    }

    /// The percentile at spectrum position `x`.
    static func percentile(atPosition x: Double) -> Double {
        100 * (1 - pow(10, -x))
    }

    /// A step of 1, 2 or 5 × 10ⁿ near `rough`.
    static func niceStep(_ rough: Double) -> Double {
        guard rough > 0, rough.isFinite else { return 1 }
        let magnitude = pow(10, Foundation.log10(rough).rounded(.down))
        let normalized = rough / magnitude
        let nice: Double = normalized <= 1 ? 1 : normalized <= 2 ? 2 : normalized <= 5 ? 5 : 10
        return nice * magnitude
    }

    /// A plain number: integers without decimals, else up to three significant decimals.
    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 {
            let integer = Int64(value)
            if abs(integer) >= 10_000 { return groupedThousands(integer) }
            return String(integer)
        }
        let text = String(format: "%.3g", value)
        return text
    }

    /// `12 345` with a thin space between groups of three digits.
    static func groupedThousands(_ value: Int64) -> String {
        let digits = String(abs(value))
        var groups: [Substring] = []
        var end = digits.endIndex
        while end > digits.startIndex {
            let start = digits.index(end, offsetBy: -3, limitedBy: digits.startIndex) ?? digits.startIndex
            groups.insert(digits[start..<end], at: 0)
            end = start
        }
        return (value < 0 ? "−" : "") + groups.joined(separator: "\u{2009}")
    }

    /// A duration in nanoseconds as people read a decade tick: `1 µs`, `10 ms`, `1 s`, `100 s`.
    static func durationLabel(nanoseconds value: Double) -> String {
        if value >= 1e9 { return number(value / 1e9) + " s" }
        if value >= 1e6 { return number(value / 1e6) + " ms" }
        if value >= 1e3 { return number(value / 1e3) + " µs" }
        return number(value) + " ns"
    }

    /// A time tick: `30 s`, `5 min`, `2 h`, `1 d` depending on the step.
    static func timeLabel(_ seconds: Double, step: Double) -> String {
        if step >= 86_400, seconds.truncatingRemainder(dividingBy: 86_400) == 0 { return number(seconds / 86_400) + " d" }
        if step >= 3_600 { return number(seconds / 3_600) + " h" }
        if step >= 60 { return number(seconds / 60) + " min" }
        return number(seconds) + " s"
    }
}
