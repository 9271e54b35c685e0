import Foundation

/// Everything `summary.json` / `summary.csv` hold: per-metric statistics, counters, the plan,
/// generator health and `delivery`.
public struct RunSummary: Sendable, Equatable {
    /// Version of the summary format.
    public static let formatVersion = 1

    /// When the run started.
    public var startTime: Date
    /// Run length in seconds.
    public var durationSeconds: Double
    /// One entry per ``MetricName``, in `allCases` order.
    public var metrics: [MetricSummary]
    /// Counters at the end of the run.
    public var counters: CounterSnapshot
    /// Free-form description of the plan / profile (sessions, rate, MP, shard…).
    public var plan: [String: String]
    /// Whether the generator kept up.
    public var generator: GeneratorHealth
    /// The run's thresholds and their outcome (empty when none was given or before evaluation).
    public var thresholds: [ThresholdRecord] = []
    /// The bgbfleet version that wrote the summary.
    public var toolVersion: String = BGBFleetVersion.current
    /// Whether the run was stopped before its planned end (Ctrl-C, SIGTERM).
    public var interrupted: Bool = false

    /// When the run ended: ``startTime`` + ``durationSeconds``.
    public var endTime: Date { startTime.addingTimeInterval(durationSeconds) }

    /// PASS, FAIL, or none, from ``thresholds``.
    public var verdict: Verdict { Verdict(thresholds) }
    /// The most sessions signed in at once (sampled every interval); `nil` in summaries written
    /// before it was recorded. JSON key `peak_signed_in`. After a clean run every session has
    /// closed, so the final `signed_in` is 0: this is the figure to read.
    public var peakSignedIn: Int64?

    /// Summarises whole-run histograms (a missing metric counts as empty).
    public init(startTime: Date, durationSeconds: Double, histograms: [MetricName: HistogramSnapshot],
                counters: CounterSnapshot, plan: [String: String], layout: HistogramLayout = .latency) {
        self.startTime = startTime
        self.durationSeconds = durationSeconds
        metrics = MetricName.allCases.map { MetricSummary(metric: $0, histogram: histograms[$0] ?? HistogramSnapshot(layout: layout)) }
        self.counters = counters
        self.plan = plan
        generator = GeneratorHealth(loopLag: histograms[.loopLag] ?? HistogramSnapshot(layout: layout),
                                    startLate: histograms[.startLate] ?? HistogramSnapshot(layout: layout))
    }

    /// The summary of `metric`.
    public subscript(metric: MetricName) -> MetricSummary {
        metrics.first { $0.metric == metric } ?? MetricSummary(metric: metric, histogram: HistogramSnapshot())
    }

    /// `delivery` in percent: responses_sent / pushes_targeted × 100 (see
    /// ``CounterSnapshot/deliveryPercent``); `nil` when no push was targeted.
    public var deliveryPercent: Double? { counters.deliveryPercent }
}

extension RunSummary: Codable {
    private enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version"
        case startTime = "start_time"
        case startTimeISO = "start_time_iso"
        case durationSeconds = "duration_s"
        case metrics, counters, plan, generator
        case deliveryPercent = "delivery_pct"
        case thresholds, verdict, interrupted
        case toolVersion = "tool_version"
        case endTime = "end_time"
        case endTimeISO = "end_time_iso"
        case peakSignedIn = "peak_signed_in"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let version = try c.decode(Int.self, forKey: .formatVersion)
        guard version == Self.formatVersion else {
            throw DecodingError.dataCorruptedError(forKey: .formatVersion, in: c, debugDescription: "unsupported summary format version \(version)")
        }
        let start = try c.decode(Double.self, forKey: .startTime)
        guard start.isFinite, abs(start) <= HistogramLogReader.maximumSeconds else {
            throw DecodingError.dataCorruptedError(forKey: .startTime, in: c, debugDescription: "\(start) is not a time in seconds since 1970")
        }
        startTime = Date(timeIntervalSince1970: start)
        durationSeconds = try c.decode(Double.self, forKey: .durationSeconds)
        guard durationSeconds.isFinite, durationSeconds >= 0, durationSeconds <= HistogramLogReader.maximumSeconds else {
            throw DecodingError.dataCorruptedError(forKey: .durationSeconds, in: c, debugDescription: "\(durationSeconds) is not a duration in seconds")
        }
        let byName = try c.decode([String: MetricSummary].self, forKey: .metrics)
        metrics = try MetricName.allCases.map { metric in
            guard let summary = byName[metric.rawValue] else {
                throw DecodingError.dataCorruptedError(forKey: .metrics, in: c, debugDescription: "metric '\(metric.rawValue)' is missing")
            }
            return summary
        }
        counters = try c.decode(CounterSnapshot.self, forKey: .counters)
        plan = try c.decodeIfPresent([String: String].self, forKey: .plan) ?? [:]
        generator = try c.decode(GeneratorHealth.self, forKey: .generator)
        // Added after format 1 was first written: optional, so older summaries still load.
        thresholds = try c.decodeIfPresent([ThresholdRecord].self, forKey: .thresholds) ?? []
        toolVersion = try c.decodeIfPresent(String.self, forKey: .toolVersion) ?? "unknown"
        interrupted = try c.decodeIfPresent(Bool.self, forKey: .interrupted) ?? false
        peakSignedIn = try c.decodeIfPresent(Int64.self, forKey: .peakSignedIn)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Self.formatVersion, forKey: .formatVersion)
        try c.encode(startTime.timeIntervalSince1970, forKey: .startTime)
        try c.encode(startTime.formatted(PushReportRow.timeStyle), forKey: .startTimeISO)
        try c.encode(durationSeconds, forKey: .durationSeconds)
        try c.encode(Dictionary(uniqueKeysWithValues: metrics.map { ($0.metric.rawValue, $0) }), forKey: .metrics)
        try c.encode(counters, forKey: .counters)
        try c.encode(plan, forKey: .plan)
        try c.encode(generator, forKey: .generator)
        try c.encode(deliveryPercent, forKey: .deliveryPercent)
        try c.encode(endTime.timeIntervalSince1970, forKey: .endTime)
        try c.encode(endTime.formatted(PushReportRow.timeStyle), forKey: .endTimeISO)
        try c.encode(toolVersion, forKey: .toolVersion)
        try c.encode(interrupted, forKey: .interrupted)
        try c.encode(thresholds, forKey: .thresholds)
        try c.encode(verdict, forKey: .verdict)
        try c.encodeIfPresent(peakSignedIn, forKey: .peakSignedIn)
    }

    /// `summary.json` bytes (pretty, sorted keys).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// Decodes `summary.json` bytes.
    public static func decode(json: Data) throws -> RunSummary {
        try JSONDecoder().decode(RunSummary.self, from: json)
    }
}

extension RunSummary {
    /// Column names of `summary.csv`.
    ///
    /// One table for everything: `kind` is `latency` (one row per metric, statistics in ms),
    /// `state`, `error`, `counter` (value in `count`), `derived` (`delivery_pct` in `value`),
    /// `health` (generator fields in `value`), `threshold` (expression in `name`, `pass`/`fail` in
    /// `value`), `run` (`verdict`, `tool_version`, `end_time`, `interrupted`) or `plan` (free-form `value`).
    public static let csvHeader = ["kind", "name", "value", "count", "mean_ms", "p50_ms", "p90_ms",
                                   "p99_ms", "p99_9_ms", "p99_99_ms", "max_ms"]

    /// `summary.csv` text.
    public func csv() -> String {
        var rows: [[String]] = []
        let blank = Array(repeating: "", count: 7)
        for m in metrics {
            rows.append(["latency", m.metric.rawValue, "", String(m.count), Format.ms(m.mean), Format.ms(m.p50),
                         Format.ms(m.p90), Format.ms(m.p99), Format.ms(m.p99_9), Format.ms(m.p99_99), Format.ms(m.max)])
        }
        for state in SessionState.allCases {
            rows.append(["state", state.rawValue, "", String(counters[state: state])] + blank)
        }
        for reason in FailureReason.allCases {
            rows.append(["error", reason.rawValue, "", String(counters[error: reason])] + blank)
        }
        rows.append(["error", "total", "", String(counters.errorsTotal)] + blank)
        for counter in FleetCounter.allCases {
            rows.append(["counter", counter.rawValue, "", String(counters[counter])] + blank)
        }
        rows.append(["derived", "delivery_pct", deliveryPercent.map { Format.fixed($0, 3) } ?? "", ""] + blank)
        rows.append(["derived", "duration_s", Format.fixed(durationSeconds, 3), ""] + blank)
        rows.append(["derived", "interrupted", interrupted ? "true" : "false", ""] + blank)
        if let peakSignedIn { rows.append(["derived", "peak_signed_in", "", String(peakSignedIn)] + blank) }
        rows.append(["health", "loop_lag_p99_ms", Format.ms(generator.loopLagP99), ""] + blank)
        rows.append(["health", "loop_lag_max_ms", Format.ms(generator.loopLagMax), ""] + blank)
        rows.append(["health", "saturated", generator.saturated ? "true" : "false", ""] + blank)
        rows.append(["health", "saturation_rule", GeneratorHealth.rule, ""] + blank)
        for record in thresholds {
            rows.append(["threshold", record.expression, record.passed ? "pass" : "fail", ""] + blank)
        }
        rows.append(["run", "verdict", verdict.rawValue, ""] + blank)
        rows.append(["run", "tool_version", toolVersion, ""] + blank)
        rows.append(["run", "end_time", endTime.formatted(PushReportRow.timeStyle), ""] + blank)
        rows.append(["run", "interrupted", interrupted ? "true" : "false", ""] + blank)
        for key in plan.keys.sorted() {
            rows.append(["plan", key, plan[key] ?? "", ""] + blank)
        }
        return CSV.encode(header: Self.csvHeader, rows: rows)
    }
}
