import Foundation

/// Renders a ``RunSummary`` as plain text: a latency table (ms) with aligned columns, then
/// sessions, errors, counters, delivery and generator health. Used at the end of a run and by
/// `bgbfleet report show`.
public enum SummaryTable {
    /// The rendered summary.
    public static func render(_ summary: RunSummary) -> String {
        let header = ["metric", "count", "mean_ms", "p50_ms", "p90_ms", "p99_ms", "p99.9_ms", "p99.99_ms", "max_ms"]
        let rows = summary.metrics.map { m in
            [m.metric.rawValue, String(m.count), Format.ms(m.mean), Format.ms(m.p50), Format.ms(m.p90),
             Format.ms(m.p99), Format.ms(m.p99_9), Format.ms(m.p99_99), Format.ms(m.max)]
        }
        var text = "run: started \(summary.startTime.formatted(PushReportRow.timeStyle)), \(Format.fixed(summary.durationSeconds, 1)) s"
            + (summary.interrupted ? " INTERRUPTED (stopped before its planned duration; figures cover the time it ran)" : "") + "\n"
        text += TextTable.render(header: header, rows: rows, rightAligned: Set(1..<header.count))
        let c = summary.counters
        // The final states come after the closing (a clean run ends with signed_in=0): the peak
        // is what a reader looks for first.
        text += "sessions: " + (summary.peakSignedIn.map { "peak signed_in=\($0); at the end " } ?? "")
            + SessionState.allCases.map { "\($0.rawValue)=\(c[state: $0])" }.joined(separator: " ") + "\n"
        let errors = FailureReason.allCases.filter { c[error: $0] > 0 }.map { "\($0.rawValue)=\(c[error: $0])" }
        text += "errors: \(c.errorsTotal)" + (errors.isEmpty ? "" : " (" + errors.joined(separator: " ") + ")") + "\n"
        text += "counters: " + FleetCounter.allCases.map { "\($0.rawValue)=\(c[$0])" }.joined(separator: " ") + "\n"
        text += "delivery: " + (summary.deliveryPercent.map { Format.fixed($0, 3) + "%" } ?? "n/a")
            + " (responses_sent / pushes_targeted)\n"
        let g = summary.generator
        text += "generator: loop_lag p99 \(Format.ms(g.loopLagP99)) ms, max \(Format.ms(g.loopLagMax)) ms, "
            + (g.saturated ? "SATURATED" : "not saturated") + " (\(GeneratorHealth.rule))\n"
        if let late = g.startedLateSentence { text += "generator: STARTED LATE: \(late) (\(GeneratorHealth.startRule))\n" }
        if !summary.plan.isEmpty {
            text += "plan: " + summary.plan.keys.sorted().map { "\($0)=\(summary.plan[$0] ?? "")" }.joined(separator: " ") + "\n"
        }
        return text
    }
}
