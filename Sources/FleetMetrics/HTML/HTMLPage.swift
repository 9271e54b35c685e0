import Foundation

/// The frame every report page shares: document head with the inline style sheet (screen,
/// phone and print), and helpers for tables and the pieces both pages show.
enum HTMLPage {
    /// A complete document around `body`.
    static func document(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="generator" content="bgbfleet \(HTMLText.escape(BGBFleetVersion.current))">
        <title>\(HTMLText.escape(title))</title>
        <style>
        \(styleSheet)
        </style>
        </head>
        <body>
        <main>
        \(body)
        </main>
        </body>
        </html>

        """
    }

    /// The style sheet: system fonts only, a readable measure, charts two across on wide screens
    /// and one on phones (with larger chart lettering, since the drawing scales down), and print rules
    /// (charts one per line, tables unclipped, no page break inside a chart or a table row).
    static let styleSheet = """
        :root { --ink: #1b1b1b; --muted: #555; --line: #d0d0d0; --panel: #f6f6f4; --pass: \(ChartPalette.pass); --fail: \(ChartPalette.fail); }
        * { box-sizing: border-box; }
        body { margin: 0; color: var(--ink); background: #fff; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
        main { max-width: 1280px; margin: 0 auto; padding: 16px 20px 40px; }
        h1 { font-size: 1.55rem; margin: 0.2em 0 0.1em; }
        h2 { font-size: 1.2rem; margin: 1.6em 0 0.5em; padding-bottom: 0.2em; border-bottom: 2px solid var(--line); }
        h3 { font-size: 1rem; margin: 0; }
        p { margin: 0.3em 0; }
        .sub { color: var(--muted); margin: 0 0 0.8em; overflow-wrap: anywhere; }
        .verdict { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 20px; padding: 12px 18px; border: 3px solid var(--muted); border-radius: 8px; background: var(--panel); }
        .verdict .word { font-size: 2.1rem; font-weight: 800; letter-spacing: 0.04em; }
        .verdict.pass { border-color: var(--pass); } .verdict.pass .word { color: var(--pass); }
        .verdict.fail { border-color: var(--fail); } .verdict.fail .word { color: var(--fail); }
        .verdicts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 380px), 1fr)); gap: 16px; }
        .banner { margin: 12px 0; padding: 10px 14px; border-left: 6px solid var(--fail); background: #fff4ec; }
        .banner strong { color: var(--fail); }
        .columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 420px), 1fr)); gap: 8px 28px; align-items: start; }
        .table-wrap { overflow-x: auto; max-width: 100%; }
        table { border-collapse: collapse; font-size: 0.92rem; margin: 0.4em 0 0.8em; }
        th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
        th { background: var(--panel); font-weight: 600; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        td.key { color: var(--muted); white-space: nowrap; }
        td.value { overflow-wrap: anywhere; }
        .ok { color: var(--pass); font-weight: 700; }
        .bad { color: var(--fail); font-weight: 700; }
        .same { color: var(--muted); }
        .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 560px), 1fr)); gap: 18px 24px; }
        figure.chart { margin: 0; min-width: 0; }
        figure.chart figcaption p { color: var(--muted); font-size: 0.88rem; }
        .legend { list-style: none; margin: 4px 0 0; padding: 0; display: flex; flex-wrap: wrap; gap: 2px 14px; font-size: 0.85rem; }
        .legend li { display: inline-flex; align-items: center; gap: 5px; }
        .legend .swatch { width: 28px; height: 10px; }
        .legend .swatch line { stroke-width: 3; }
        .plot { overflow-x: auto; }
        .plot svg { display: block; width: 100%; min-width: 440px; height: auto; }
        .chart-svg text { font-size: 13px; fill: #333; }
        .chart-svg .axis-title { font-size: 12px; fill: var(--muted); }
        .chart-svg .grid { stroke: #e6e6e6; stroke-width: 1; }
        .chart-svg .axis { stroke: #777; stroke-width: 1; }
        .chart-svg .series { fill: none; stroke-width: 2; stroke-linejoin: round; stroke-linecap: round; }
        .chart-svg .reference { stroke: var(--fail); stroke-width: 1.2; stroke-dasharray: 5 4; }
        .chart-svg .reference-label { font-size: 11px; fill: var(--fail); }
        .chart-svg .empty { fill: var(--muted); font-size: 15px; }
        footer { margin-top: 2.5em; color: var(--muted); font-size: 0.85rem; border-top: 1px solid var(--line); padding-top: 0.6em; }
        @media (max-width: 600px) {
          body { font-size: 14px; }
          main { padding: 10px 10px 30px; }
          .verdict .word { font-size: 1.7rem; }
          th, td { padding: 3px 6px; }
          .plot svg { min-width: 0; }
          .chart-svg text { font-size: 20px; }
          .chart-svg .axis-title { font-size: 17px; }
          .chart-svg .reference-label { font-size: 15px; }
        }
        @media print {
          body { font-size: 10.5pt; }
          main { max-width: none; padding: 0; }
          .charts { display: block; }
          figure.chart { width: 75%; margin: 0 0 14px; }
          .plot, .table-wrap { overflow: visible; }
          .plot svg { min-width: 0; }
          table { font-size: 8.5pt; }
          th, td { padding: 2px 5px; }
          figure.chart, tr, .verdict, .banner { break-inside: avoid; }
          h2 { break-after: avoid; }
          .banner { background: none; }
        }
        """

    /// A table; `numeric` marks right-aligned columns. Cells are escaped unless marked raw
    /// with ``Cell/html(_:)``.
    static func table(header: [String], rows: [[Cell]], numeric: Set<Int> = []) -> String {
        var s = "<div class=\"table-wrap\"><table><thead><tr>"
        for (index, title) in header.enumerated() {
            s += numeric.contains(index) ? "<th class=\"num\">" : "<th>"
            s += HTMLText.escape(title) + "</th>"
        }
        s += "</tr></thead><tbody>"
        for row in rows {
            s += "<tr>"
            for (index, cell) in row.enumerated() {
                let classes = ([numeric.contains(index) ? "num" : nil, cell.cssClass].compactMap { $0 }).joined(separator: " ")
                s += classes.isEmpty ? "<td>" : "<td class=\"\(classes)\">"
                s += cell.html + "</td>"
            }
            s += "</tr>"
        }
        return s + "</tbody></table></div>\n"
    }

    /// One table cell.
    struct Cell: ExpressibleByStringLiteral {
        var html: String
        var cssClass: String?

        init(_ text: String, class cssClass: String? = nil) {
            html = HTMLText.escape(text)
            self.cssClass = cssClass
        }

        init(stringLiteral value: String) { self.init(value) }

        /// Markup already escaped.
        static func html(_ html: String, class cssClass: String? = nil) -> Cell {
            var cell = Cell("", class: cssClass)
            cell.html = html
            return cell
        }
    }

    /// `2026-12-02 12:34:56 UTC`.
    static func time(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date) + " UTC"
    }

    /// `42.0 s`, `15 min 3 s`, `24 h 0 min`.
    static func duration(_ seconds: Double) -> String {
        if seconds < 120 { return String(format: "%.1f s", seconds) }
        let total = Int(seconds.rounded())
        if total < 3_600 { return "\(total / 60) min \(total % 60) s" }
        return "\(total / 3_600) h \((total % 3_600) / 60) min"
    }

    /// Nanoseconds as milliseconds for tables: three significant decimals.
    static func ms(_ nanoseconds: UInt64) -> String {
        Format.ms(nanoseconds)
    }

    /// The verdict box of one run.
    static func verdict(_ summary: RunSummary, label: String? = nil) -> String {
        let records = summary.thresholds
        let failed = records.filter { !$0.passed }.count
        let (word, css, text): (String, String, String)
        switch summary.verdict {
        case .pass: (word, css, text) = ("PASS", "pass", "all \(records.count) threshold\(records.count == 1 ? "" : "s") passed")
        case .fail: (word, css, text) = ("FAIL", "fail", "\(failed) of \(records.count) threshold\(records.count == 1 ? "" : "s") failed")
        case .none: (word, css, text) = ("NO VERDICT", "none", "no thresholds were given (add --threshold or a profile's thresholds:)")
        }
        var s = "<section class=\"verdict \(css)\"><div class=\"word\">\(word)</div><div>"
        if let label { s += "<p><strong>\(HTMLText.escape(label))</strong></p>" }
        s += "<p>\(HTMLText.escape(text))</p>"
        s += "<p class=\"sub\">\(HTMLText.escape(time(summary.startTime))) → \(HTMLText.escape(time(summary.endTime))) · \(HTMLText.escape(duration(summary.durationSeconds)))"
        s += summary.interrupted ? " · interrupted" : ""
        s += "</p></div></section>\n"
        return s
    }

    /// Warnings that change how the figures are read: interrupted run, saturated generator.
    static func banners(_ summary: RunSummary, label: String = "") -> String {
        var s = ""
        if summary.interrupted {
            s += "<div class=\"banner\"><strong>\(HTMLText.escape(label))Interrupted.</strong> The run was stopped before its planned end; the figures cover the time it ran.</div>\n"
        }
        if let late = summary.generator.startedLateSentence {
            s += "<div class=\"banner\"><strong>\(HTMLText.escape(label))Started late.</strong> \(HTMLText.escape(late.prefix(1).uppercased() + late.dropFirst())). Its connect latencies include that wait (they run from the scheduled start).</div>\n"
        }
        if summary.generator.saturated {
            s += "<div class=\"banner\"><strong>\(HTMLText.escape(label))The load generator was saturated</strong> (loop_lag p99 \(ms(summary.generator.loopLagP99)) ms, max \(ms(summary.generator.loopLagMax)) ms; \(HTMLText.escape(GeneratorHealth.rule))). Its latencies are upper bounds that include its own delay: do not blame the MP for them; use more processes or hosts.</div>\n"
        }
        return s
    }

    /// The thresholds table.
    static func thresholds(_ summary: RunSummary) -> String {
        guard !summary.thresholds.isEmpty else { return "<p class=\"sub\">No thresholds.</p>\n" }
        let rows = summary.thresholds.map { record -> [Cell] in
            [Cell(record.passed ? "PASS" : "FAIL", class: record.passed ? "ok" : "bad"), Cell(record.expression), Cell(record.observedText)]
        }
        return table(header: ["result", "threshold", "observed"], rows: rows, numeric: [2])
    }

    /// Plan keys in the order people look for them; the rest follow alphabetically.
    static let planOrder = ["target", "mp", "sessions", "rate", "ramp", "duration", "keepalive", "transport", "tls", "profile",
                            "triggers", "processes", "merged_runs"]

    /// The plan table: the plan's keys plus version, start and end.
    static func plan(_ summary: RunSummary) -> String {
        var rows: [[Cell]] = []
        let keys = planOrder.filter { summary.plan[$0] != nil } + summary.plan.keys.filter { !planOrder.contains($0) }.sorted()
        for key in keys {
            rows.append([Cell(key, class: "key"), Cell(summary.plan[key] ?? "", class: "value")])
        }
        rows.append([Cell("bgbfleet", class: "key"), Cell(summary.toolVersion, class: "value")])
        rows.append([Cell("start", class: "key"), Cell(time(summary.startTime), class: "value")])
        rows.append([Cell("end", class: "key"), Cell(time(summary.endTime), class: "value")])
        return table(header: ["plan", "value"], rows: rows)
    }

    /// The whole-run latency table of every metric.
    static func latencyTable(_ summary: RunSummary) -> String {
        let rows = summary.metrics.map { m -> [Cell] in
            [Cell(m.metric.rawValue), Cell(ChartAxis.groupedCount(m.count)), Cell(ms(m.p50)), Cell(ms(m.p90)), Cell(ms(m.p99)),
             Cell(ms(m.p99_9)), Cell(ms(m.p99_99)), Cell(ms(m.max))]
        }
        return table(header: ["metric", "samples", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "p99.99 ms", "max ms"],
                     rows: rows, numeric: Set(1...7))
    }

    /// Counters at the end of the run.
    static func counters(_ summary: RunSummary) -> String {
        let c = summary.counters
        var rows: [[Cell]] = SessionState.allCases.map { [Cell("sessions.\($0.rawValue)"), Cell(String(c[state: $0]))] }
        rows.append(["delivery", Cell(summary.deliveryPercent.map { Format.fixed($0, 3) + " %" } ?? "n/a (nothing targeted)")])
        rows += FleetCounter.allCases.map { [Cell($0.rawValue), Cell(ChartAxis.groupedCount(c[$0]))] }
        rows.append(["errors (total)", Cell(ChartAxis.groupedCount(c.errorsTotal))])
        rows += FailureReason.allCases.filter { c[error: $0] > 0 }.map { [Cell("errors.\($0.rawValue)"), Cell(ChartAxis.groupedCount(c[error: $0]))] }
        return table(header: ["at the end", "value"], rows: rows, numeric: [1])
    }

    /// A group of charts under a heading.
    static func charts(_ charts: [LineChart]) -> String {
        "<div class=\"charts\">\n" + charts.map { $0.html() }.joined() + "</div>\n"
    }
}
