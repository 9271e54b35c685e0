import Foundation

/// A pass/fail condition on a run summary, parsed from expressions such as
/// `response.p99<250ms`, `fanout.max<30s`, `connect.p50<=2s`, `delivery>=99.9%`,
/// `errors.tls==0`, `errors==0`, `sessions.signed_in>=5000`, `responses_sent>=19000`.
///
/// Grammar: `subject op value`, spaces allowed around `op`.
/// - subject: `<metric>.<statistic>` (metric: ``MetricName``; statistic: p50, p90, p99, p99.9,
///   p99.99, max, mean, count), `delivery`, `errors`, `errors.<reason>` (``FailureReason``),
///   `sessions.<state>` (``SessionState`` gauge at the end of the run) or a ``FleetCounter`` name.
/// - op: `<`, `<=`, `>`, `>=`, `==`, `!=`.
/// - value: durations need a unit (`ns`, `us`, `µs`, `ms`, `s`, `m`, `h`); `delivery` needs `%`;
///   counts are plain non-negative numbers.
public struct Threshold: Sendable, Equatable, CustomStringConvertible {
    /// What a threshold looks at.
    public enum Subject: Sendable, Equatable {
        case latency(MetricName, Statistic)
        case delivery
        case errors(FailureReason?)
        case sessions(SessionState)
        case counter(FleetCounter)
    }

    /// The expression as given (trimmed).
    public var expression: String
    public var subject: Subject
    public var comparison: Comparison
    /// The limit in canonical units: nanoseconds for durations, percent for delivery, else a count.
    public var value: Double
    /// A default the tool set (a built-in profile's), not one the user asked for: it never fails
    /// for lack of data (a latency with no samples, `delivery` with nothing targeted).
    public var isBuiltInDefault = false

    public var description: String { expression }

    /// Parses one expression.
    public init(parsing text: String) throws(ThresholdError) {
        let expression = text.trimmingCharacters(in: .whitespaces)
        guard !expression.isEmpty else { throw .empty }
        guard let (opRange, comparison) = Comparison.find(in: expression) else {
            throw .missingOperator(expression: expression)
        }
        let lhs = expression[..<opRange.lowerBound].trimmingCharacters(in: .whitespaces)
        let rhs = expression[opRange.upperBound...].trimmingCharacters(in: .whitespaces)
        guard !lhs.isEmpty else { throw .missingSubject(expression: expression) }
        guard !rhs.isEmpty else { throw .missingValue(expression: expression) }

        let subject = try Self.parseSubject(lhs)
        self.expression = expression
        self.subject = subject
        self.comparison = comparison
        value = try Self.parseValue(rhs, for: subject)
    }

    /// Parses several expressions, failing on the first bad one.
    public static func parseAll(_ expressions: [String], builtInDefaults: Bool = false) throws(ThresholdError) -> [Threshold] {
        var result: [Threshold] = []
        for expression in expressions {
            var threshold = try Threshold(parsing: expression)
            threshold.isBuiltInDefault = builtInDefaults
            result.append(threshold)
        }
        return result
    }

    private static func parseSubject(_ text: String) throws(ThresholdError) -> Subject {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let head = parts[0]
        let tail = parts.count > 1 ? parts[1] : nil
        switch head {
        case "delivery":
            guard tail == nil else { throw .unexpectedStatistic(tail!, subject: head) }
            return .delivery
        case "errors":
            guard let tail else { return .errors(nil) }
            guard let reason = FailureReason(rawValue: tail) else {
                throw .unknownFailureReason(tail, known: FailureReason.allCases.map(\.rawValue))
            }
            return .errors(reason)
        case "sessions":
            guard let tail else { throw .missingStatistic(subject: head, known: SessionState.allCases.map(\.rawValue)) }
            guard let state = SessionState(rawValue: tail) else {
                throw .unknownSessionState(tail, known: SessionState.allCases.map(\.rawValue))
            }
            return .sessions(state)
        default:
            if let counter = FleetCounter(rawValue: head) {
                guard tail == nil else { throw .unexpectedStatistic(tail!, subject: head) }
                return .counter(counter)
            }
            guard let metric = MetricName(rawValue: head) else {
                throw .unknownMetric(head, known: MetricName.allCases.map(\.rawValue)
                    + ["delivery", "errors", "sessions"] + FleetCounter.allCases.map(\.rawValue))
            }
            guard let tail else { throw .missingStatistic(subject: head, known: Statistic.allCases.map(\.rawValue)) }
            guard let statistic = Statistic(rawValue: tail) else {
                throw .unknownStatistic(tail, metric: head, known: Statistic.allCases.map(\.rawValue))
            }
            return .latency(metric, statistic)
        }
    }

    private static func parseValue(_ text: String, for subject: Subject) throws(ThresholdError) -> Double {
        let numberEnd = text.firstIndex { !($0.isASCII && ($0.isNumber || $0 == ".")) } ?? text.endIndex
        let numberText = String(text[..<numberEnd])
        let unit = text[numberEnd...].trimmingCharacters(in: .whitespaces)
        guard !numberText.isEmpty, let number = Double(numberText), number.isFinite else {
            throw .invalidNumber(text)
        }
        switch subject {
        case .latency(_, let statistic) where statistic.isDuration:
            guard !unit.isEmpty else { throw .missingUnit(value: text, expected: "a duration unit (\(DurationText.unitList))") }
            guard let scale = DurationText.nanosecondsPerUnit(unit[...]) else {
                throw .unknownUnit(unit, expected: DurationText.unitList)
            }
            return number * scale
        case .delivery:
            guard unit == "%" else {
                if unit.isEmpty { throw .missingUnit(value: text, expected: "a percentage such as 99.9%") }
                throw .unknownUnit(unit, expected: "%")
            }
            guard number <= 100 else { throw .invalidNumber(text) }
            return number
        default:
            guard unit.isEmpty else { throw .unexpectedUnit(unit, value: text) }
            return number
        }
    }

    /// Evaluates against a summary.
    ///
    /// A subject without samples — a latency statistic other than `count` of a metric that recorded
    /// nothing, `delivery` when nothing was targeted — has no value: the user's threshold fails
    /// with "no samples"; a built-in default is not judged (it passes, marked as such).
    public func evaluate(_ summary: RunSummary) -> ThresholdResult {
        let observed: Double?
        switch subject {
        case .latency(let metric, let statistic):
            let values = summary[metric]
            observed = values.count == 0 && statistic != .count ? nil : values.value(of: statistic)
        case .delivery:
            observed = summary.deliveryPercent
        case .errors(let reason):
            observed = Double(reason.map { summary.counters[error: $0] } ?? summary.counters.errorsTotal)
        case .sessions(let state):
            observed = Double(summary.counters[state: state])
        case .counter(let counter):
            observed = Double(summary.counters[counter])
        }
        let passed = observed.map { comparison.holds($0, value) } ?? isBuiltInDefault
        return ThresholdResult(threshold: self, observed: observed, passed: passed)
    }

    /// Renders a value of this threshold's subject in its natural unit.
    func render(_ value: Double?) -> String {
        guard let value else { return isBuiltInDefault ? "no samples (built-in default, not judged)" : "no samples" }
        switch subject {
        case .latency(_, let statistic) where statistic.isDuration:
            return Format.fixed(value / 1e6, 3) + " ms"
        case .delivery:
            return Format.fixed(value, 3) + "%"
        default:
            return value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        }
    }
}

/// A comparison operator of a threshold.
public enum Comparison: String, Sendable, CaseIterable {
    case lessThan = "<"
    case lessOrEqual = "<="
    case greaterThan = ">"
    case greaterOrEqual = ">="
    case equal = "=="
    case notEqual = "!="

    /// Whether `observed op limit` holds.
    public func holds(_ observed: Double, _ limit: Double) -> Bool {
        switch self {
        case .lessThan: observed < limit
        case .lessOrEqual: observed <= limit
        case .greaterThan: observed > limit
        case .greaterOrEqual: observed >= limit
        case .equal: observed == limit
        case .notEqual: observed != limit
        }
    }

    /// The first operator in `text` and where it is; a lone `=` or `!` is not an operator.
    static func find(in text: String) -> (Range<String.Index>, Comparison)? {
        var index = text.startIndex
        while index < text.endIndex {
            let char = text[index]
            if "<>=!".contains(char) {
                let next = text.index(after: index)
                if next < text.endIndex, text[next] == "=" {
                    if let op = Comparison(rawValue: String(text[index...next])) {
                        return (index..<text.index(after: next), op)
                    }
                }
                if let op = Comparison(rawValue: String(char)) {
                    return (index..<next, op)
                }
                return nil
            }
            index = text.index(after: index)
        }
        return nil
    }
}

/// The outcome of one threshold.
public struct ThresholdResult: Sendable, Equatable {
    public var threshold: Threshold
    /// The observed value in canonical units (ns, percent, count); `nil` when undefined.
    public var observed: Double?
    public var passed: Bool
    /// A built-in default with no samples: passed without being judged.
    public var notJudged: Bool { observed == nil && threshold.isBuiltInDefault }

    /// The observed value in the threshold's unit, e.g. `212.991 ms`.
    public var observedText: String { threshold.render(observed) }
}

/// Why a threshold expression is invalid. Each message names the offending part.
public enum ThresholdError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case missingOperator(expression: String)
    case missingSubject(expression: String)
    case missingValue(expression: String)
    case unknownMetric(String, known: [String])
    case missingStatistic(subject: String, known: [String])
    case unknownStatistic(String, metric: String, known: [String])
    case unexpectedStatistic(String, subject: String)
    case unknownFailureReason(String, known: [String])
    case unknownSessionState(String, known: [String])
    case invalidNumber(String)
    case missingUnit(value: String, expected: String)
    case unknownUnit(String, expected: String)
    case unexpectedUnit(String, value: String)

    public var description: String {
        switch self {
        case .empty:
            "threshold: empty expression"
        case .missingOperator(let expression):
            "threshold '\(expression)': no comparison operator (use <, <=, >, >=, == or !=)"
        case .missingSubject(let expression):
            "threshold '\(expression)': nothing before the operator"
        case .missingValue(let expression):
            "threshold '\(expression)': no value after the operator"
        case .unknownMetric(let name, let known):
            "threshold: unknown metric or counter '\(name)' (known: \(known.joined(separator: ", ")))"
        case .missingStatistic(let subject, let known):
            "threshold: '\(subject)' needs a '.<name>' part (one of: \(known.joined(separator: ", ")))"
        case .unknownStatistic(let statistic, let metric, let known):
            "threshold: unknown statistic '\(statistic)' for metric '\(metric)' (known: \(known.joined(separator: ", ")))"
        case .unexpectedStatistic(let statistic, let subject):
            "threshold: '\(subject)' takes no '.\(statistic)' part"
        case .unknownFailureReason(let reason, let known):
            "threshold: unknown error reason '\(reason)' (known: \(known.joined(separator: ", ")))"
        case .unknownSessionState(let state, let known):
            "threshold: unknown session state '\(state)' (known: \(known.joined(separator: ", ")))"
        case .invalidNumber(let text):
            "threshold: '\(text)' is not a valid value"
        case .missingUnit(let value, let expected):
            "threshold: value '\(value)' needs \(expected)"
        case .unknownUnit(let unit, let expected):
            "threshold: unknown unit '\(unit)' (expected \(expected))"
        case .unexpectedUnit(let unit, let value):
            "threshold: value '\(value)' is a count and takes no unit ('\(unit)')"
        }
    }
}
