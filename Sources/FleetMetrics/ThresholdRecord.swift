/// A threshold's outcome as `summary.json` keeps it: the expression, the observed value and
/// whether it held. Written by `bgbfleet run` and `report merge`; read by `report.html`.
public struct ThresholdRecord: Sendable, Equatable, Codable {
    /// The expression as given, e.g. `response.p99<250ms`.
    public var expression: String
    /// The observed value in canonical units (ns, percent, count); `nil` when undefined.
    public var observed: Double?
    /// The observed value as people read it, e.g. `212.991 ms`.
    public var observedText: String
    /// Whether the threshold held.
    public var passed: Bool

    /// Creates a record.
    public init(expression: String, observed: Double?, observedText: String, passed: Bool) {
        self.expression = expression
        self.observed = observed
        self.observedText = observedText
        self.passed = passed
    }

    /// The record of an evaluated threshold.
    public init(_ result: ThresholdResult) {
        self.init(expression: result.threshold.expression, observed: result.observed,
                  observedText: result.observedText, passed: result.passed)
    }

    private enum CodingKeys: String, CodingKey {
        case expression, observed, passed
        case observedText = "observed_text"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(expression, forKey: .expression)
        // `null` when undefined, so every record has the same keys.
        try c.encode(observed, forKey: .observed)
        try c.encode(observedText, forKey: .observedText)
        try c.encode(passed, forKey: .passed)
    }
}

/// What a run's thresholds say overall.
public enum Verdict: String, Sendable, Equatable, Codable {
    /// Every threshold held.
    case pass
    /// At least one threshold failed.
    case fail
    /// No threshold was given.
    case none

    /// The verdict of `records`.
    public init(_ records: [ThresholdRecord]) {
        if records.isEmpty {
            self = .none
        } else {
            self = records.allSatisfy(\.passed) ? .pass : .fail
        }
    }
}

extension ThresholdTable {
    /// ``render(_:)-([ThresholdResult])`` for stored records (e.g. re-evaluated by a merge).
    public static func render(_ records: [ThresholdRecord]) -> String {
        guard !records.isEmpty else { return "no thresholds\n" }
        let rows = records.map { [$0.passed ? "PASS" : "FAIL", $0.expression, $0.observedText] }
        var text = TextTable.render(header: ["result", "threshold", "observed"], rows: rows, rightAligned: [])
        let failed = records.filter { !$0.passed }.count
        text += failed == 0 ? "all \(records.count) thresholds passed\n" : "\(failed) of \(records.count) thresholds failed\n"
        return text
    }
}
