import Foundation

extension RunReport {
    /// Merges the reports of several runs (typically shards of one distributed run) into one.
    ///
    /// - Histograms: exact. Each metric's whole-run histogram is the sum of every interval of
    ///   every input, and summary statistics are recomputed from it.
    /// - Intervals: aligned by absolute start time on a grid of the shortest interval length,
    ///   starting at the earliest run start; intervals falling in the same grid slot are added.
    ///   Every metric gets the same slots (empty where a run had nothing).
    /// - Counters and gauges: summed. Duration: earliest start to latest end.
    /// - Plan: keys with one value everywhere keep it; differing values are joined with `|` in
    ///   input order; `merged_runs` is the number of inputs.
    /// - Generator health: recomputed from the merged `loop_lag`, and saturated if any input was.
    /// - Timeline: on the same grid; each slot sums every input's latest row at or before it.
    /// - Thresholds: every input's expressions, evaluated again on the merged summary.
    ///   Interrupted: if any input was.
    /// - Interrupted if any input was; `peak_signed_in` the sum of the inputs' peaks (an upper bound).
    /// - Sessions: concatenated. Pushes: rows with the same trigger_time, type and task_type are
    ///   combined — targets, reached and answered summed, fanout max the maximum, and fanout
    ///   p50/p99 the maximum over inputs (an upper bound; exact fan-out percentiles over all
    ///   pushes are in the merged `fanout.hlog`).
    /// The largest interval slot number (distance from the earliest start, in grid lengths) that
    /// ``merge(_:)`` accepts.
    static let maximumSlot = 1 << 40

    public static func merge(_ reports: [RunReport]) throws(RunReportError) -> RunReport {
        guard let first = reports.first else { throw .nothingToMerge }
        if reports.count == 1 { return first }

        let start = reports.map(\.summary.startTime).min()!
        let end = reports.map { $0.summary.startTime.addingTimeInterval($0.summary.durationSeconds) }.max()!
        let allLengths = reports.flatMap { $0.logs.values.flatMap { $0.intervals.map(\.length) } }.filter { $0 > 0 }
        let grid = allLengths.min() ?? 1
        let base = start.timeIntervalSince1970

        var layout: HistogramLayout?
        var slotKeys = Set<Int>()
        var slotted: [MetricName: [Int: HistogramSnapshot]] = [:]
        var totals: [MetricName: HistogramSnapshot] = [:]
        for metric in MetricName.allCases {
            for report in reports {
                guard let log = report.logs[metric] else { continue }
                for interval in log.intervals {
                    if layout == nil { layout = interval.histogram.layout }
                    guard interval.histogram.layout == layout else { throw .layoutMismatch(metric.rawValue) }
                    let offset = log.absoluteStart(of: interval) - base
                    // Readers bound start times and lengths, but a tiny grid can still put the
                    // slot number out of any integer's range: refuse instead of trapping.
                    guard let slot = Int(exactly: (offset / grid).rounded()), abs(slot) <= Self.maximumSlot else {
                        throw .unalignable(metric.rawValue, start: log.absoluteStart(of: interval), grid: grid)
                    }
                    slotKeys.insert(slot)
                    slotted[metric, default: [:]][slot, default: HistogramSnapshot(layout: interval.histogram.layout)]
                        .merge(interval.histogram)
                    totals[metric, default: HistogramSnapshot(layout: interval.histogram.layout)].merge(interval.histogram)
                }
            }
        }
        let finalLayout = layout ?? .latency
        var logs: [MetricName: HistogramLog] = [:]
        for metric in MetricName.allCases {
            let intervals = slotKeys.sorted().map { slot in
                HistogramLogInterval(start: Double(slot) * grid, length: grid,
                                     histogram: slotted[metric]?[slot] ?? HistogramSnapshot(layout: finalLayout))
            }
            logs[metric] = HistogramLog(startTime: base, baseTime: base, intervals: intervals)
        }

        var counters = CounterSnapshot()
        for report in reports { counters.merge(report.summary.counters) }

        var plan: [String: String] = [:]
        let keys = Set(reports.flatMap { $0.summary.plan.keys })
        for key in keys {
            let values = reports.compactMap { $0.summary.plan[key] }
            plan[key] = Set(values).count == 1 ? values[0] : values.joined(separator: "|")
        }
        plan["merged_runs"] = String(reports.count)

        var summary = RunSummary(startTime: start, durationSeconds: end.timeIntervalSince(start),
                                 histograms: totals, counters: counters, plan: plan, layout: finalLayout)
        if reports.contains(where: \.summary.generator.saturated) {
            summary.generator.saturated = true
        }
        summary.interrupted = reports.contains(where: \.summary.interrupted)
        summary.thresholds = reevaluatedThresholds(reports.map(\.summary), on: summary)
        // Each input's peak, added: an upper bound of the merged peak (the inputs' peaks need not
        // coincide). `run --processes` replaces it with the peak it sampled across its shards.
        let peaks = reports.compactMap(\.summary.peakSignedIn)
        summary.peakSignedIn = peaks.count == reports.count ? peaks.reduce(0, +) : nil

        let timeline = TimelineRow.merge(reports.map(\.timeline), grid: grid) { run, row in
            let offset = reports[run].summary.startTime.timeIntervalSince1970 + row.start - base
            return Int((offset / grid).rounded())
        }
        return RunReport(summary: summary, logs: logs,
                         sessions: reports.flatMap(\.sessions),
                         pushes: mergePushes(reports.flatMap(\.pushes)),
                         timeline: timeline)
    }

    /// The thresholds of the inputs (each expression once, in input order) evaluated on the
    /// merged summary: a shard's verdict says nothing about the whole run.
    private static func reevaluatedThresholds(_ inputs: [RunSummary], on merged: RunSummary) -> [ThresholdRecord] {
        var seen = Set<String>()
        var records: [ThresholdRecord] = []
        for record in inputs.flatMap(\.thresholds) where seen.insert(record.expression).inserted {
            guard let threshold = try? Threshold(parsing: record.expression) else { continue }
            records.append(ThresholdRecord(threshold.evaluate(merged)))
        }
        return records
    }

    private static func mergePushes(_ rows: [PushReportRow]) -> [PushReportRow] {
        struct Key: Hashable {
            var time: String
            var type: String
            var taskType: String
        }
        var order: [Key] = []
        var merged: [Key: PushReportRow] = [:]
        for row in rows {
            let key = Key(time: row.triggerTime.formatted(PushReportRow.timeStyle), type: row.type, taskType: row.taskType)
            if var existing = merged[key] {
                existing.targets += row.targets
                existing.reached += row.reached
                existing.answered += row.answered
                existing.fanoutP50 = max(existing.fanoutP50, row.fanoutP50)
                existing.fanoutP99 = max(existing.fanoutP99, row.fanoutP99)
                existing.fanoutMax = max(existing.fanoutMax, row.fanoutMax)
                merged[key] = existing
            } else {
                order.append(key)
                merged[key] = row
            }
        }
        return order.map { merged[$0]! }
    }
}
