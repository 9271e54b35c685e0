import Foundation

/// `report.html` of one run (or one merged run): a single self-contained file — inline CSS and
/// SVG, no script, no fonts or images from anywhere — that reads the same from a disk, a web
/// server or an e-mail attachment, and prints.
///
/// Order: the verdict and its thresholds, the plan, warnings (interrupted, saturated
/// generator), latency summary, sessions and sign-in rate, pushes and triggers, latency over
/// time, latency distributions, errors, generator health, and the shards of a merged run.
public enum ReportPage {
    /// The most trigger rows the per-trigger table lists (all of them are in pushes.csv).
    static let maxTriggerRows = 200

    /// The page of `data`.
    public static func render(_ data: ReportData) -> String {
        let summary = data.summary
        let run = [ReportCharts.Run(data: data, prefix: "", style: nil)]
        var body = "<header><h1>bgbfleet run report</h1><p class=\"sub\">\(HTMLText.escape(data.title)) · bgbfleet \(HTMLText.escape(summary.toolVersion))</p></header>\n"
        body += HTMLPage.verdict(summary)
        body += HTMLPage.banners(summary)
        body += "<div class=\"columns\"><section><h2>Thresholds</h2>\(HTMLPage.thresholds(summary))</section>"
        body += "<section><h2>Plan</h2>\(HTMLPage.plan(summary))</section></div>\n"

        body += "<h2>Latency summary</h2>\n"
        body += "<p class=\"sub\">Whole run, exact (from the HDR histograms). Milliseconds.</p>\n"
        body += HTMLPage.latencyTable(summary)

        body += "<h2>Sessions</h2>\n"
        body += HTMLPage.charts([ReportCharts.sessions(run), ReportCharts.signInRate(run)])
        body += "<div class=\"columns\"><section>\(HTMLPage.counters(summary))</section></div>\n"

        body += "<h2>Pushes</h2>\n"
        body += HTMLPage.charts([ReportCharts.throughput(run)] + (data.pushes.isEmpty ? [] : [ReportCharts.triggers(run)]))
        body += triggerTable(data)

        body += "<h2>Latency over time</h2>\n"
        body += HTMLPage.charts(ReportCharts.latencyMetrics.map { ReportCharts.latencyOverTime($0, run) })

        body += "<h2>Latency distribution</h2>\n"
        body += "<p class=\"sub\">Percentile spectra as HdrHistogram's plotter draws them: the horizontal axis is log10(1 / (1 − percentile)), so 90 %, 99 %, 99.9 % and 99.99 % are evenly spaced.</p>\n"
        body += HTMLPage.charts(ReportCharts.latencyMetrics.map { ReportCharts.spectrum($0, run) })

        body += "<h2>Errors</h2>\n"
        body += HTMLPage.charts([ReportCharts.errors(run)])

        body += "<h2>Generator health</h2>\n"
        body += HTMLPage.charts([ReportCharts.loopLag(run)])

        if !data.parts.isEmpty {
            body += "<h2>Shards and inputs</h2>\n"
            body += partsTable(data.parts)
        }
        body += footer(data)
        return HTMLPage.document(title: "bgbfleet report · \(data.title)", body: body)
    }

    /// The per-trigger table (the first ``maxTriggerRows``).
    static func triggerTable(_ data: ReportData) -> String {
        guard !data.pushes.isEmpty else { return "<p class=\"sub\">No triggers were sent in this run.</p>\n" }
        let rows = data.pushes.prefix(maxTriggerRows).enumerated().map { index, row -> [HTMLPage.Cell] in
            let reached = row.targets > 0 ? Format.fixed(Double(row.reached) / Double(row.targets) * 100, 1) + " %" : "n/a"
            return [HTMLPage.Cell(String(index + 1)), HTMLPage.Cell(HTMLPage.time(row.triggerTime)),
                    HTMLPage.Cell(row.type), HTMLPage.Cell(row.taskType),
                    HTMLPage.Cell(ChartAxis.groupedCount(UInt64(max(0, row.targets)))), HTMLPage.Cell(ChartAxis.groupedCount(UInt64(max(0, row.reached)))),
                    HTMLPage.Cell(ChartAxis.groupedCount(UInt64(max(0, row.answered)))), HTMLPage.Cell(reached),
                    HTMLPage.Cell(HTMLPage.ms(row.fanoutP50)), HTMLPage.Cell(HTMLPage.ms(row.fanoutP99)), HTMLPage.Cell(HTMLPage.ms(row.fanoutMax))]
        }
        var s = HTMLPage.table(header: ["#", "trigger time", "type", "task type", "targets", "reached", "answered", "reached %",
                                        "fan-out p50 ms", "p99 ms", "max ms"],
                               rows: rows, numeric: Set([0] + Array(4...10)))
        if data.pushes.count > maxTriggerRows {
            s += "<p class=\"sub\">… and \(data.pushes.count - maxTriggerRows) more triggers in pushes.csv.</p>\n"
        }
        return s
    }

    /// One row per shard or input of a merged run.
    static func partsTable(_ parts: [ReportData.Part]) -> String {
        let rows = parts.map { part -> [HTMLPage.Cell] in
            let s = part.summary
            return [HTMLPage.Cell(part.name), HTMLPage.Cell(ChartAxis.groupedCount(s[.connect].count)),
                    HTMLPage.Cell(ChartAxis.groupedCount(s.counters.errorsTotal)),
                    HTMLPage.Cell(s.deliveryPercent.map { Format.fixed($0, 2) + " %" } ?? "n/a"),
                    HTMLPage.Cell(HTMLPage.ms(s[.response].p99)), HTMLPage.Cell(HTMLPage.ms(s[.connect].p99)),
                    HTMLPage.Cell(HTMLPage.ms(s.generator.loopLagP99)), HTMLPage.Cell(HTMLPage.ms(s.generator.loopLagMax)),
                    HTMLPage.Cell(s.generator.saturated ? "SATURATED" : "ok", class: s.generator.saturated ? "bad" : "ok")]
        }
        return HTMLPage.table(header: ["shard or input", "sign-ins", "errors", "delivery", "response p99 ms", "connect p99 ms",
                                       "loop lag p99 ms", "loop lag max ms", "generator"],
                              rows: rows, numeric: Set(1...7))
    }

    static func footer(_ data: ReportData) -> String {
        var s = "<footer><p>Written by bgbfleet \(HTMLText.escape(BGBFleetVersion.current)) from the files of \(HTMLText.escape(data.title)) "
        s += "(summary.json, the .hlog interval logs, timeline.csv, pushes.csv). The exact figures are in those files.</p>"
        if data.intervalsPerPoint > 1 {
            s += "<p>\(ChartAxis.groupedCount(UInt64(data.intervalCount))) intervals drawn as at most \(ReportData.maxPoints) points per line: each point merges \(data.intervalsPerPoint) intervals (latency percentiles from the merged histograms; rates averaged over the point).</p>"
        }
        return s + "</footer>\n"
    }
}
