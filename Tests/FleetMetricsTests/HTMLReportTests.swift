import Foundation
import Testing
@testable import FleetMetrics
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The HTML report generator on fixed report data.
@Suite struct HTMLReportTests {
    static let start = Date(timeIntervalSince1970: 1_764_000_000)

    /// Response samples of interval `i`: `count` values around `(i + 1)` ms.
    static func responseValues(_ i: Int) -> [UInt64] {
        (0..<(50 + i * 10)).map { UInt64((i + 1) * 1_000_000 + $0 * 20_000) }
    }

    /// A fixed 6-interval run: response and loop_lag samples, a ramping timeline with errors,
    /// two triggers, thresholds evaluated on the summary.
    static func fixedReport(thresholds: [String] = ["response.p99<250ms", "delivery>=99%"],
                            plan: [String: String] = ["sessions": "100", "mp": "embedded simulator (127.0.0.1)"]) throws -> RunReport {
        var logs: [MetricName: HistogramLog] = [:]
        var totals: [MetricName: HistogramSnapshot] = [:]
        for metric in MetricName.allCases {
            var intervals: [HistogramLogInterval] = []
            for i in 0..<6 {
                let values: [UInt64]
                switch metric {
                case .response: values = responseValues(i)
                case .loopLag: values = [200_000, 300_000, UInt64(i) * 1_000_000 + 400_000]
                case .connect: values = i < 3 ? Array(repeating: UInt64(20_000_000 + i * 1_000_000), count: 30 + i) : []
                default: values = []
                }
                let histogram = HistogramSnapshot.of(values)
                intervals.append(HistogramLogInterval(start: Double(i), length: 1, histogram: histogram))
                totals[metric, default: HistogramSnapshot()].merge(histogram)
            }
            logs[metric] = HistogramLog(startTime: start.timeIntervalSince1970, baseTime: start.timeIntervalSince1970, intervals: intervals)
        }
        var timeline: [TimelineRow] = []
        var counters = CounterSnapshot()
        for i in 0..<6 {
            counters.states[.signedIn] = Int64(min(100, (i + 1) * 30))
            counters.states[.connecting] = Int64(max(0, 100 - (i + 1) * 30))
            counters.counters[.pushesReceived] = UInt64(i * 40)
            counters.counters[.responsesSent] = UInt64(i * 39)
            counters.counters[.pushesTargeted] = UInt64(i * 40)
            counters.errors[.tls] = UInt64(i / 2)
            timeline.append(TimelineRow(start: Double(i), length: 1, counters: counters))
        }
        var summary = RunSummary(startTime: start, durationSeconds: 6, histograms: totals, counters: counters, plan: plan)
        summary.thresholds = try Threshold.parseAll(thresholds).map { ThresholdRecord($0.evaluate(summary)) }
        let pushes = [
            PushReportRow(triggerTime: start.addingTimeInterval(2), type: "8", taskType: "RequestMachinePolicy", targets: 90, reached: 90,
                          answered: 89, fanoutP50: 2_000_000, fanoutP99: 5_000_000, fanoutMax: 7_000_000),
            PushReportRow(triggerTime: start.addingTimeInterval(4), type: "8", taskType: "RequestMachinePolicy", targets: 100, reached: 99,
                          answered: 99, fanoutP50: 3_000_000, fanoutP99: 6_000_000, fanoutMax: 9_000_000),
        ]
        return RunReport(summary: summary, logs: logs, sessions: [], pushes: pushes, timeline: timeline)
    }

    static func run(_ data: ReportData) -> [ReportCharts.Run] { [ReportCharts.Run(data: data, prefix: "", style: nil)] }

    /// Every `<svg …>…</svg>` of a page.
    static func svgElements(_ html: String) -> [String] {
        var result: [String] = []
        var rest = html[...]
        while let open = rest.range(of: "<svg "), let close = rest.range(of: "</svg>", range: open.upperBound..<rest.endIndex) {
            result.append(String(rest[open.lowerBound..<close.upperBound]))
            rest = rest[close.upperBound...]
        }
        return result
    }

    /// The coordinate pairs of the path of series `name` in an SVG.
    static func pathPoints(_ svg: String, series name: String) throws -> [[(Double, Double)]] {
        let document = try XMLDocument(xmlString: svg)
        let paths = try document.nodes(forXPath: "//path[@data-series='\(name)']")
        #expect(paths.count == 1, "one path for \(name)")
        guard let d = (paths.first as? XMLElement)?.attribute(forName: "d")?.stringValue else { return [] }
        return d.split(separator: "M").map { run in
            run.split(separator: " ").map { pair in
                let xy = pair.split(separator: ",").map { Double($0)! }
                return (xy[0], xy[1])
            }
        }
    }

    @Test func everySVGIsWellFormedXML() throws {
        let data = ReportData(report: try Self.fixedReport(), title: "fixed")
        let page = ReportPage.render(data)
        let svgs = Self.svgElements(page)
        #expect(svgs.count > 20)
        var charts = 0
        for svg in svgs {
            let document = try XMLDocument(xmlString: svg)
            #expect(document.rootElement()?.name == "svg")
            if svg.contains("class=\"chart-svg\"") { charts += 1 }
        }
        // Sessions, sign-in rate, throughput, triggers, 5 over time, 5 spectra, errors, loop lag.
        #expect(charts == 16)
        let b = ReportData(report: try Self.fixedReport(), title: "after")
        for svg in Self.svgElements(ComparePage.render(data, b)) {
            #expect(throws: Never.self) { try XMLDocument(xmlString: svg) }
        }
    }

    @Test func latencySeriesHaveThePointsOfTheData() throws {
        let data = ReportData(report: try Self.fixedReport(), title: "fixed")
        let chart = ReportCharts.latencyOverTime(.response, Self.run(data))
        #expect(chart.series.map(\.name) == ["p50", "p90", "p99", "max"])
        let expectedP99 = (0..<6).map { HistogramSnapshot.of(Self.responseValues($0)).valueAtPercentile(99) }
        let p99 = chart.series[2].points.map { $0!.y }
        #expect(p99 == expectedP99.map { Double($0) })
        #expect(chart.series[2].points.map { $0!.x } == [0, 1, 2, 3, 4, 5])

        let drawn = try Self.pathPoints(chart.svg(), series: "p99")
        #expect(drawn.count == 1 && drawn[0].count == 6)
        for (point, (x, y)) in zip(chart.series[2].points, drawn[0]) {
            #expect(abs(chart.px(point!.x)! - x) < 0.051)
            #expect(abs(chart.py(point!.y)! - y) < 0.051)
        }

        // connect has samples in the first 3 intervals only: the rest are gaps, not zeros.
        let connect = ReportCharts.latencyOverTime(.connect, Self.run(data))
        #expect(connect.series[0].points.map { $0 == nil } == [false, false, false, true, true, true])
        let connectPath = try Self.pathPoints(connect.svg(), series: "p50")
        #expect(connectPath.map(\.count) == [3])

        // A lone point between gaps is a dot; runs of two or more are path segments.
        var lone = chart
        lone.series = [ChartSeries(name: "s", points: [ChartPoint(x: 0, y: 2e6), nil, ChartPoint(x: 2, y: 3e6), ChartPoint(x: 3, y: 4e6)], style: 0)]
        let loneSVG = try XMLDocument(xmlString: lone.svg())
        let dots = try loneSVG.nodes(forXPath: "//circle[@data-series='s']") as! [XMLElement]
        #expect(dots.count == 1)
        #expect(abs(Double(dots[0].attribute(forName: "cx")!.stringValue!)! - lone.px(0)!) < 0.051)
        #expect(try Self.pathPoints(lone.svg(), series: "s").map(\.count) == [2])
    }

    @Test func timelineSeriesAreGaugesAndRates() throws {
        let data = ReportData(report: try Self.fixedReport(), title: "fixed")
        let sessions = ReportCharts.sessions(Self.run(data))
        let signedIn = sessions.series.first { $0.name == "signed in" }!
        #expect(signedIn.points.map { $0!.y } == [30, 60, 90, 100, 100, 100])
        let connecting = sessions.series.first { $0.name == "connecting" }!
        #expect(connecting.points.map { $0!.y } == [70, 40, 10, 0, 0, 0])
        #expect(try Self.pathPoints(sessions.svg(), series: "signed in")[0].count == 6)

        let throughput = ReportCharts.throughput(Self.run(data))
        let responses = throughput.series.first { $0.name == "responses sent" }!
        #expect(responses.points.map { $0!.y } == [0, 39, 39, 39, 39, 39])
        let errors = ReportCharts.errors(Self.run(data))
        #expect(errors.series.map(\.name) == ["tls"])
        #expect(errors.series[0].points.map { $0!.y } == [0, 0, 1, 0, 1, 0])
        let signIns = ReportCharts.signInRate(Self.run(data))
        #expect(signIns.series[0].points.map { $0!.y } == [30, 31, 32, 0, 0, 0])
        let triggers = ReportCharts.triggers(Self.run(data))
        #expect(triggers.series.map { $0.points.map { $0!.y } } == [[2e6, 3e6], [5e6, 6e6], [7e6, 9e6]])
        #expect(triggers.series[0].points.map { $0!.x } == [2, 4])
    }

    @Test func percentileAxisIsHdrHistogramsSpectrum() throws {
        let axis = ChartAxis.percentile(nines: 4)
        #expect(axis.ticks.map(\.label) == ["0%", "90%", "99%", "99.9%", "99.99%"])
        #expect(axis.ticks.map(\.value) == [0, 1, 2, 3, 4])
        #expect(abs(ChartAxis.spectrumPosition(percentile: 99.9) - 3) < 1e-9)
        #expect(abs(ChartAxis.spectrumPosition(percentile: 90) - 1) < 1e-9)
        #expect(ChartAxis.percentile(nines: 5).ticks.last?.label == "99.999%")

        let data = ReportData(report: try Self.fixedReport(), title: "fixed")
        let chart = ReportCharts.spectrum(.response, Self.run(data))
        let svg = chart.svg()
        let document = try XMLDocument(xmlString: svg)
        let labels = try document.nodes(forXPath: "//text[@class='tick']").compactMap { $0.stringValue }
        for label in ["0%", "90%", "99%", "99.9%", "99.99%"] { #expect(labels.contains(label)) }
        // Evenly spaced: each decade of nines is the same width.
        let xs = [0.0, 1, 2, 3, 4].map { chart.px($0)! }
        #expect(zip(xs, xs.dropFirst()).allSatisfy { abs(($1 - $0) - LineChart.plotWidth / 4) < 1e-9 })

        // The points are the whole-run histogram's values at their percentiles.
        let total = HistogramSnapshot.of((0..<6).flatMap(Self.responseValues))
        let points = data.spectra[.response]!
        #expect(points.count == Int((log10(Double(total.totalCount)) / 0.05).rounded(.down)) + 1)
        for point in points { #expect(point.value == total.valueAtPercentile(point.percentile)) }
        #expect(chart.series[0].points.count == points.count)
        #expect(try Self.pathPoints(svg, series: "response")[0].count == points.count)
    }

    @Test func verdictMatchesTheThresholds() throws {
        let passing = ReportPage.render(ReportData(report: try Self.fixedReport(thresholds: ["response.p99<250ms"]), title: "p"))
        #expect(passing.contains("<section class=\"verdict pass\"><div class=\"word\">PASS</div>"))
        #expect(passing.contains("all 1 threshold passed"))

        let report = try Self.fixedReport(thresholds: ["response.p99<250ms", "delivery>=99.9%", "errors==0"])
        #expect(report.summary.verdict == .fail)
        #expect(report.summary.thresholds.map(\.passed) == [true, false, false])
        let failing = ReportPage.render(ReportData(report: report, title: "f"))
        #expect(failing.contains("<section class=\"verdict fail\"><div class=\"word\">FAIL</div>"))
        #expect(failing.contains("2 of 3 thresholds failed"))
        #expect(failing.contains("<td class=\"bad\">FAIL</td><td>delivery&gt;=99.9%</td><td class=\"num\">97.500%</td>"))
        #expect(failing.contains("<td class=\"ok\">PASS</td><td>response.p99&lt;250ms</td>"))

        let none = ReportPage.render(ReportData(report: try Self.fixedReport(thresholds: []), title: "n"))
        #expect(none.contains("NO VERDICT"))
        #expect(!none.contains(">PASS<") && !none.contains(">FAIL<"))
    }

    @Test func bannersSayWhenFiguresNeedCare() throws {
        var report = try Self.fixedReport()
        let calm = ReportPage.render(ReportData(report: report, title: "calm"))
        #expect(!calm.contains("class=\"banner\""))
        report.summary.interrupted = true
        report.summary.generator.saturated = true
        let page = ReportPage.render(ReportData(report: report, title: "busy"))
        #expect(page.contains("<strong>Interrupted.</strong>"))
        #expect(page.contains("<strong>The load generator was saturated</strong>"))
        // A report written before timeline.csv existed still renders, and says why charts are empty.
        report.timeline = []
        let old = ReportCharts.sessions(Self.run(ReportData(report: report, title: "old")))
        #expect(!old.hasData && old.caption.contains("no timeline.csv"))
    }

    @Test func pageReferencesNothingOutsideItself() throws {
        let report = try Self.fixedReport(plan: ["trigger_url": "https://provider.contoso.com/AdminService", "mp": "http://mp01"])
        for page in [ReportPage.render(ReportData(report: report, title: "http://x")),
                     ComparePage.render(ReportData(report: report, title: "a"), ReportData(report: report, title: "HTTPS://b"))] {
            let lower = page.lowercased()
            #expect(!lower.contains("http:"))
            #expect(!lower.contains("https:"))
            #expect(!lower.contains("<script"))
            #expect(!lower.contains("<link"))
            #expect(!lower.contains("src="))
            #expect(!lower.contains("url("))
            #expect(!lower.contains("@import"))
            #expect(!lower.contains("xmlns"))
            // The URL is still there as text.
            #expect(page.contains("https&#58;//provider.contoso.com/AdminService") || !page.contains("provider"))
        }
        #expect(HTMLText.escape("a <b> & \"c\" https://d") == "a &lt;b&gt; &amp; &quot;c&quot; https&#58;//d")
    }

    @Test func longRunIsDownsampledAndStaysSmall() throws {
        // 24 hours of 1-second intervals, small histograms shared copy-on-write.
        let layout = HistogramLayout(lowestDiscernibleValue: 1_000, highestTrackableValue: 3_600_000_000_000, significantDigits: 1)
        let shapes = (0..<4).map { k in HistogramSnapshot.of((0..<20).map { UInt64(($0 + 1) * (k + 1)) * 100_000 }, layout: layout) }
        let n = 86_400
        let intervals = (0..<n).map { HistogramLogInterval(start: Double($0), length: 1, histogram: shapes[$0 % 4]) }
        let empty = HistogramLog(startTime: 0, baseTime: 0, intervals: [])
        var logs = Dictionary(uniqueKeysWithValues: MetricName.allCases.map { ($0, empty) })
        logs[.response] = HistogramLog(startTime: 0, baseTime: 0, intervals: intervals)
        logs[.loopLag] = HistogramLog(startTime: 0, baseTime: 0, intervals: intervals)
        var counters = CounterSnapshot()
        let timeline = (0..<n).map { i -> TimelineRow in
            counters.states[.signedIn] = Int64(10_000 + i % 7)
            counters.counters[.responsesSent] = UInt64(i * 3)
            counters.errors[.reset] = UInt64(i / 1000)
            return TimelineRow(start: Double(i), length: 1, counters: counters)
        }
        let pushes = (0..<1_440).map { i in
            PushReportRow(triggerTime: Date(timeIntervalSince1970: Double(i * 60)), type: "8", taskType: "RequestMachinePolicy",
                          targets: 10_000, reached: 10_000, answered: 9_999, fanoutP50: 1_000_000, fanoutP99: 2_000_000, fanoutMax: 3_000_000)
        }
        let summary = RunSummary(startTime: Date(timeIntervalSince1970: 0), durationSeconds: Double(n),
                                 histograms: [:], counters: counters, plan: ["sessions": "10000"], layout: layout)
        let report = RunReport(summary: summary, logs: logs, sessions: [], pushes: pushes, timeline: timeline)
        let data = ReportData(report: report, title: "soak")
        #expect(data.intervalsPerPoint == 120)
        #expect(data.latency[.response]!.count == 720)
        #expect(data.timeline.count == 720)
        // A point is the merged histogram of its 120 intervals.
        var first = HistogramSnapshot(layout: layout)
        for interval in intervals.prefix(120) { first.merge(interval.histogram) }
        #expect(data.latency[.response]![0].p99 == first.valueAtPercentile(99))
        #expect(data.latency[.response]![0].count == first.totalCount)
        #expect(data.latency[.response]![1].start == 120)
        #expect(data.timeline[1].perSecond[.responsesSent] == 3)

        let page = ReportPage.render(data)
        #expect(page.utf8.count < 2_000_000, "page is \(page.utf8.count) bytes")
        for svg in Self.svgElements(page) where svg.contains("chart-svg") {
            let document = try XMLDocument(xmlString: svg)
            for path in try document.nodes(forXPath: "//path") {
                let d = (path as? XMLElement)?.attribute(forName: "d")?.stringValue ?? ""
                #expect(d.split(separator: " ").count <= 1_440, "at most 720 points per series (trigger chart: one per trigger)")
            }
        }
    }

    @Test func loadStreamsADirectoryLikeTheInMemoryReport() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let report = try Self.fixedReport()
        try report.write(to: directory)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(files.contains("timeline.csv"))

        let loaded = try ReportData.load(from: directory, title: "fixed")
        let memory = ReportData(report: try RunReport.load(from: directory), title: "fixed")
        #expect(loaded.latency == memory.latency)
        #expect(loaded.spectra == memory.spectra)
        #expect(loaded.timeline == memory.timeline)
        #expect(loaded.timeline.map { $0.sessions[.signedIn] } == [30, 60, 90, 100, 100, 100])
        #expect(loaded.summary.thresholds == report.summary.thresholds)
        #expect(loaded.pushes == report.pushes)
        #expect(loaded.mpOnline.isEmpty)

        // The MP's online count, when intervals.csv has the column, is drawn with the sessions.
        let csv = "interval_start_s,metric,count,mp_online\r\n0.000,connect,1,25\r\n0.000,tcp,1,25\r\n1.000,connect,1,\r\n2.000,connect,1,80\r\n"
        try Data(csv.utf8).write(to: directory.appendingPathComponent("intervals.csv"))
        let withMP = try ReportData.load(from: directory)
        #expect(withMP.mpOnline == [ChartPoint(x: 0, y: 25), ChartPoint(x: 2, y: 80)])
        let chart = ReportCharts.sessions(Self.run(withMP))
        #expect(chart.series.last?.name == "online at the MP")

        // A merged run's shard-N/ subdirectories make the per-shard table.
        for shard in 0..<2 {
            var part = report
            part.summary.generator.saturated = shard == 1
            try part.write(to: directory.appendingPathComponent("shard-\(shard)"))
        }
        let merged = try ReportData.load(from: directory)
        #expect(merged.parts.map(\.name) == ["shard-0", "shard-1"])
        let page = ReportPage.render(merged)
        #expect(page.contains("<h2>Shards and inputs</h2>"))
        #expect(page.contains("<tr><td>shard-1</td><td class=\"num\">93</td>"))
        #expect(page.components(separatedBy: ">SATURATED<").count == 2)

        #expect(throws: RunReportError.directoryNotFound(directory.appendingPathComponent("nope").path)) {
            try ReportData.load(from: directory.appendingPathComponent("nope"))
        }
    }

    @Test func comparisonMarksBetterAndWorse() throws {
        #expect(ComparePage.change(from: 100, to: 80, lowerIsBetter: true) == .init(percent: -20, better: true))
        #expect(ComparePage.change(from: 100, to: 120, lowerIsBetter: true) == .init(percent: 20, better: false))
        #expect(ComparePage.change(from: 100, to: 100.5, lowerIsBetter: true) == .init(percent: 0.5, better: nil))
        #expect(ComparePage.change(from: 99, to: 100, lowerIsBetter: false)?.better == true)
        #expect(ComparePage.change(from: 0, to: 5, lowerIsBetter: true) == nil)

        let before = try Self.fixedReport(thresholds: ["response.p99<250ms"])
        var after = before
        // After: every response twice as slow.
        var slow = after.logs[.response]!
        for i in slow.intervals.indices {
            slow.intervals[i].histogram = .of(Self.responseValues(i).map { $0 * 2 })
        }
        after.logs[.response] = slow
        after.summary.metrics[MetricName.response.index] = MetricSummary(metric: .response, histogram: try slow.total())
        after.summary.thresholds = [ThresholdRecord(try Threshold(parsing: "response.p99<5ms").evaluate(after.summary))]
        let page = ComparePage.render(ReportData(report: before, title: "before"), ReportData(report: after, title: "after"))
        let responseRow = page.components(separatedBy: "<tr><td>response</td>")[1].components(separatedBy: "</tr>")[0]
        let cells = responseRow.components(separatedBy: "<td class=\"num\">").dropFirst().map { $0.components(separatedBy: "</td>")[0] }
        #expect(cells.count == 6) // samples, p50, p90, p99, p99.9, max
        let p99A = HistogramSnapshot.of((0..<6).flatMap(Self.responseValues)).valueAtPercentile(99)
        let p99B = HistogramSnapshot.of((0..<6).flatMap { Self.responseValues($0).map { $0 * 2 } }).valueAtPercentile(99)
        #expect(cells[3].hasPrefix(Format.ms(p99A) + " → " + Format.ms(p99B)))
        #expect(cells[3].contains("worse") && !cells[3].contains("better"))
        let unchanged = page.components(separatedBy: "<tr><td>loop_lag</td>")[1].components(separatedBy: "</tr>")[0]
        #expect(unchanged.contains("same") && !unchanged.contains("worse"))
        #expect(page.contains("Thresholds of A") && page.contains("Thresholds of B"))
        #expect(page.contains("response.p99&lt;250ms") && page.contains("response.p99&lt;5ms"))
        #expect(page.contains("<section class=\"verdict pass\">") && page.contains("<section class=\"verdict fail\">"))
        // Overlaid: A and B series in the same chart.
        let chart = ReportCharts.latencyOverTime(.response, [ReportCharts.Run(data: ReportData(report: before, title: "a"), prefix: "A: ", style: 0),
                                                             ReportCharts.Run(data: ReportData(report: after, title: "b"), prefix: "B: ", style: 1)])
        #expect(chart.series.map(\.name) == ["A: p99", "B: p99"])
        #expect(zip(chart.series[0].points, chart.series[1].points).allSatisfy { $1!.y > $0!.y })
    }

    @Test func summaryJSONCarriesVerdictVersionTimesAndInterruption() throws {
        var summary = try Self.fixedReport(thresholds: ["response.p99<250ms", "errors==0"]).summary
        summary.interrupted = true
        let json = try JSONSerialization.jsonObject(with: summary.jsonData()) as! [String: Any]
        #expect(json["tool_version"] as? String == BGBFleetVersion.current)
        #expect(json["verdict"] as? String == "fail")
        #expect(json["interrupted"] as? Bool == true)
        #expect(json["end_time"] as? Double == Self.start.timeIntervalSince1970 + 6)
        #expect((json["end_time_iso"] as? String)?.hasPrefix("2025-11-24T") == true)
        let thresholds = json["thresholds"] as! [[String: Any]]
        #expect(thresholds.map { $0["expression"] as? String } == ["response.p99<250ms", "errors==0"])
        #expect(thresholds.map { $0["passed"] as? Bool } == [true, false])
        #expect(thresholds[1]["observed"] as? Double == 2)
        let decoded = try RunSummary.decode(json: summary.jsonData())
        #expect(decoded.thresholds == summary.thresholds)
        #expect(decoded.interrupted && decoded.toolVersion == BGBFleetVersion.current)
        #expect(summary.csv().contains("threshold,errors==0,fail"))

        // A summary written before these keys existed still loads.
        var old = try JSONSerialization.jsonObject(with: summary.jsonData()) as! [String: Any]
        for key in ["thresholds", "tool_version", "interrupted", "verdict", "end_time", "end_time_iso"] { old.removeValue(forKey: key) }
        let legacy = try RunSummary.decode(json: JSONSerialization.data(withJSONObject: old))
        #expect(legacy.thresholds.isEmpty && !legacy.interrupted && legacy.toolVersion == "unknown")
        #expect(legacy.verdict == .none)
    }

    @Test func mergeReevaluatesThresholdsAndSumsTimelines() throws {
        let a = try Self.fixedReport(thresholds: ["sessions.signed_in>=150"])
        var b = a
        b.summary.startTime = a.summary.startTime.addingTimeInterval(2)
        for metric in MetricName.allCases {
            b.logs[metric]!.baseTime = b.summary.startTime.timeIntervalSince1970
            b.logs[metric]!.startTime = b.summary.startTime.timeIntervalSince1970
        }
        #expect(a.summary.verdict == .fail) // 100 signed in per run
        let merged = try RunReport.merge([a, b])
        #expect(merged.summary.thresholds.map(\.passed) == [true]) // 200 together
        #expect(merged.timeline.count == 8)
        // b starts at slot 2: before it, a alone; after a ends (slot 5), a's last row carries on.
        #expect(merged.timeline.map { $0.counters[state: .signedIn] } == [30, 60, 120, 160, 190, 200, 200, 200])
        #expect(merged.timeline.last!.counters[.responsesSent] == 2 * 5 * 39)
    }
}
