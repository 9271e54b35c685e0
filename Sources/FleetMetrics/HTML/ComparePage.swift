import Foundation

/// The before/after page: two runs on one page — both verdicts and threshold tables, the plans
/// side by side, every metric's percentiles with the change in percent marked better or worse,
/// and the charts overlaid (A solid blue, B dashed orange).
public enum ComparePage {
    /// Changes smaller than this (in percent) count as unchanged.
    static let noiseFloorPercent = 1.0

    /// A change from `a` to `b`, and whether it is better. Nil when `a` is 0.
    struct Change: Equatable {
        var percent: Double
        /// nil: within the noise floor.
        var better: Bool?
    }

    /// The change from `a` to `b` where `lowerIsBetter` says which direction improves.
    static func change(from a: Double, to b: Double, lowerIsBetter: Bool) -> Change? {
        guard a != 0, a.isFinite, b.isFinite else { return nil }
        let percent = (b - a) / abs(a) * 100
        if abs(percent) < noiseFloorPercent { return Change(percent: percent, better: nil) }
        return Change(percent: percent, better: lowerIsBetter ? percent < 0 : percent > 0)
    }

    static func changeCell(_ change: Change?) -> HTMLPage.Cell {
        guard let change else { return HTMLPage.Cell("n/a", class: "same") }
        let text = (change.percent >= 0 ? "+" : "−") + Format.fixed(abs(change.percent), 1) + " %"
        switch change.better {
        case .some(true): return HTMLPage.Cell(text + " better", class: "ok")
        case .some(false): return HTMLPage.Cell(text + " worse", class: "bad")
        case .none: return HTMLPage.Cell(text + " same", class: "same")
        }
    }

    /// The page comparing `a` (before) with `b` (after).
    public static func render(_ a: ReportData, _ b: ReportData) -> String {
        let runs = [ReportCharts.Run(data: a, prefix: "A: ", style: 0), ReportCharts.Run(data: b, prefix: "B: ", style: 1)]
        var body = "<header><h1>bgbfleet comparison</h1>"
        body += "<p class=\"sub\">A (before): \(HTMLText.escape(a.title)) · B (after): \(HTMLText.escape(b.title))</p></header>\n"
        body += "<div class=\"verdicts\">" + HTMLPage.verdict(a.summary, label: "A: " + a.title) + HTMLPage.verdict(b.summary, label: "B: " + b.title) + "</div>\n"
        body += HTMLPage.banners(a.summary, label: "A: ") + HTMLPage.banners(b.summary, label: "B: ")
        body += "<div class=\"columns\"><section><h2>Thresholds of A</h2>\(HTMLPage.thresholds(a.summary))</section>"
        body += "<section><h2>Thresholds of B</h2>\(HTMLPage.thresholds(b.summary))</section></div>\n"

        body += "<h2>Latency: A → B</h2>\n"
        body += "<p class=\"sub\">Whole-run percentiles in milliseconds. Lower is better; changes under \(Format.fixed(noiseFloorPercent, 0)) % are marked same.</p>\n"
        body += percentileTable(a.summary, b.summary)
        body += "<h2>Outcome: A → B</h2>\n"
        body += outcomeTable(a.summary, b.summary)

        body += "<h2>Latency distribution</h2>\n"
        body += LineChart.legend([("A: " + a.title, 0), ("B: " + b.title, 1)])
        body += HTMLPage.charts(ReportCharts.latencyMetrics.map { ReportCharts.spectrum($0, runs) })
        body += "<h2>Over time</h2>\n"
        body += "<p class=\"sub\">Time since each run's own start.</p>\n"
        body += HTMLPage.charts([ReportCharts.sessions(runs), ReportCharts.throughput(runs)]
            + ReportCharts.latencyMetrics.map { ReportCharts.latencyOverTime($0, runs) }
            + [ReportCharts.errors(runs), ReportCharts.loopLag(runs)])
        if !a.pushes.isEmpty || !b.pushes.isEmpty {
            body += HTMLPage.charts([ReportCharts.triggers(runs)])
        }
        body += "<h2>Plans</h2>\n" + planTable(a.summary, b.summary)
        body += "<footer><p>Written by bgbfleet \(HTMLText.escape(BGBFleetVersion.current)) from the report directories \(HTMLText.escape(a.title)) and \(HTMLText.escape(b.title)).</p></footer>\n"
        return HTMLPage.document(title: "bgbfleet comparison · \(a.title) → \(b.title)", body: body)
    }

    /// Every latency metric with samples in either run, one row each: per statistic (p50, p90,
    /// p99, p99.9, max) A → B in milliseconds and the change.
    static func percentileTable(_ a: RunSummary, _ b: RunSummary) -> String {
        let stats: [(String, KeyPath<MetricSummary, UInt64>)] = [("p50", \.p50), ("p90", \.p90), ("p99", \.p99), ("p99.9", \.p99_9),
                                                                 ("max", \.max)]
        var rows: [[HTMLPage.Cell]] = []
        for metric in MetricName.allCases where a[metric].count > 0 || b[metric].count > 0 {
            var row = [HTMLPage.Cell(metric.rawValue),
                       HTMLPage.Cell(ChartAxis.groupedCount(a[metric].count) + " → " + ChartAxis.groupedCount(b[metric].count))]
            for (_, path) in stats {
                let x = a[metric][keyPath: path], y = b[metric][keyPath: path]
                let change = changeCell(change(from: Double(x), to: Double(y), lowerIsBetter: true))
                row.append(.html(HTMLText.escape(HTMLPage.ms(x) + " → " + HTMLPage.ms(y))
                                 + "<br><span class=\"\(change.cssClass ?? "same")\">\(change.html)</span>"))
            }
            rows.append(row)
        }
        return HTMLPage.table(header: ["metric", "samples"] + stats.map { $0.0 + " ms" }, rows: rows, numeric: Set(1...stats.count + 1))
    }

    /// Delivery, errors, sessions signed in and throughput counters of A and B.
    static func outcomeTable(_ a: RunSummary, _ b: RunSummary) -> String {
        var rows: [[HTMLPage.Cell]] = []
        func add(_ name: String, _ x: Double?, _ y: Double?, lowerIsBetter: Bool?, format: (Double) -> String) {
            let change = lowerIsBetter.flatMap { lower in x.flatMap { x in y.flatMap { y in Self.change(from: x, to: y, lowerIsBetter: lower) } } }
            rows.append([HTMLPage.Cell(name), HTMLPage.Cell(x.map(format) ?? "n/a"), HTMLPage.Cell(y.map(format) ?? "n/a"),
                         lowerIsBetter == nil ? HTMLPage.Cell("") : changeCell(change)])
        }
        let count: (Double) -> String = { ChartAxis.groupedCount(UInt64(max(0, $0))) }
        add("delivery %", a.deliveryPercent, b.deliveryPercent, lowerIsBetter: false) { Format.fixed($0, 3) }
        add("errors", Double(a.counters.errorsTotal), Double(b.counters.errorsTotal), lowerIsBetter: true, format: count)
        add("sessions signed in at the end", Double(a.counters[state: .signedIn]), Double(b.counters[state: .signedIn]), lowerIsBetter: false, format: count)
        for counter in [FleetCounter.pushesTargeted, .pushesReceived, .responsesSent] {
            add(counter.rawValue, Double(a.counters[counter]), Double(b.counters[counter]), lowerIsBetter: nil, format: count)
        }
        add("loop lag p99 ms", Double(a.generator.loopLagP99) / 1e6, Double(b.generator.loopLagP99) / 1e6, lowerIsBetter: true) { Format.fixed($0, 3) }
        add("duration s", a.durationSeconds, b.durationSeconds, lowerIsBetter: nil) { Format.fixed($0, 1) }
        return HTMLPage.table(header: ["", "A", "B", "change"], rows: rows, numeric: [1, 2, 3])
    }

    /// Both plans, key by key; differing values are marked.
    static func planTable(_ a: RunSummary, _ b: RunSummary) -> String {
        let all = Set(a.plan.keys).union(b.plan.keys)
        let keys = HTMLPage.planOrder.filter(all.contains) + all.filter { !HTMLPage.planOrder.contains($0) }.sorted()
        var rows: [[HTMLPage.Cell]] = keys.map { key in
            let x = a.plan[key] ?? "", y = b.plan[key] ?? ""
            return [HTMLPage.Cell(key, class: "key"), HTMLPage.Cell(x, class: "value"), HTMLPage.Cell(y, class: "value"),
                    x == y ? HTMLPage.Cell("") : HTMLPage.Cell("differs", class: "bad")]
        }
        rows.append([HTMLPage.Cell("bgbfleet", class: "key"), HTMLPage.Cell(a.toolVersion), HTMLPage.Cell(b.toolVersion),
                     a.toolVersion == b.toolVersion ? "" : HTMLPage.Cell("differs", class: "bad")])
        rows.append([HTMLPage.Cell("start", class: "key"), HTMLPage.Cell(HTMLPage.time(a.startTime)), HTMLPage.Cell(HTMLPage.time(b.startTime)), ""])
        return HTMLPage.table(header: ["plan", "A", "B", ""], rows: rows)
    }
}
