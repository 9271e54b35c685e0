import Foundation

/// The charts of `report.html`, built from ``ReportData``. Each takes one or more runs so the
/// before/after page overlays the same charts (``Run/style`` picks each run's colour).
enum ReportCharts {
    /// A run as a chart draws it: its data, the prefix of its series names ("" alone, "A: " / "B: "
    /// side by side), and the palette slot of its series when several runs share a chart.
    struct Run {
        var data: ReportData
        var prefix: String
        var style: Int?
    }

    static let latencyMetrics: [MetricName] = [.response, .fanout, .e2e, .connect, .keepaliveLate]

    /// What each latency metric measures, for captions.
    static func meaning(_ metric: MetricName) -> String {
        switch metric {
        case .connect: "scheduled start → SignInConfirm (TCP + TLS + SignIn)"
        case .tcp: "the TCP part of connect"
        case .tls: "the TLS handshake part of connect"
        case .fanout: "trigger accepted by the MP → push received by the client"
        case .response: "push received → Response flushed (includes the configured handling time)"
        case .e2e: "trigger accepted → Response flushed"
        case .mpRTT: "the simulator's push written → Response read"
        case .keepaliveLate: "intended keep-alive time → actual send (the generator's own punctuality)"
        case .loopLag: "the generator's event-loop lag"
        case .startLate: "scheduled session start → connect started (the generator's own punctuality in the ramp)"
        }
    }

    static func timeAxis(_ runs: [Run]) -> ChartAxis {
        let end = runs.map { run in
            Swift.max(run.data.summary.durationSeconds,
                      run.data.timeline.last.map { $0.start + $0.length } ?? 0,
                      run.data.latency.values.compactMap { $0.last.map { $0.start + $0.length } }.max() ?? 0)
        }.max() ?? 1
        return .time(seconds: end)
    }

    static func linearAxis(_ series: [ChartSeries], minimumMaximum: Double = 1) -> ChartAxis {
        let maximum = series.flatMap { $0.points.compactMap { $0?.y } }.max() ?? 0
        return .linear(maximum: Swift.max(maximum, minimumMaximum))
    }

    /// A log axis over the positive values of `series` and `extra` (nanoseconds).
    static func durationAxis(_ series: [ChartSeries], extra: [Double] = []) -> ChartAxis {
        let values = series.flatMap { $0.points.compactMap { $0?.y } }.filter { $0 > 0 } + extra
        return .log(minimum: values.min() ?? 1e6, maximum: values.max() ?? 1e7, format: ChartAxis.durationLabel)
    }

    private static func style(_ run: Run, _ own: Int) -> Int { run.style ?? own }

    /// Sessions per state over time (mean per point), with the MP's own online count when polled.
    static func sessions(_ runs: [Run]) -> LineChart {
        let states: [(String, [SessionState], Int)] = [
            ("signed in", [.signedIn], 0), ("connecting", [.connecting, .tls], 1), ("HTTP fallback", [.httpFallback], 2),
            ("reconnecting", [.reconnecting], 4), ("failed", [.failed], 3),
        ]
        var series: [ChartSeries] = []
        for run in runs {
            for (name, members, own) in states where runs.count == 1 || members == [.signedIn] {
                let points = run.data.timeline.map { point in
                    ChartPoint(x: point.start, y: members.reduce(0) { $0 + (point.sessions[$1] ?? 0) })
                }
                series.append(ChartSeries(name: run.prefix + name, points: points, style: style(run, own)))
            }
            if !run.data.mpOnline.isEmpty {
                series.append(ChartSeries(name: run.prefix + "online at the MP", points: run.data.mpOnline,
                                          style: run.style.map { $0 + 2 } ?? 6))
            }
        }
        let empty = runs.allSatisfy { $0.data.timeline.isEmpty }
        return LineChart(
            title: "Sessions",
            caption: empty
                ? "This report has no timeline.csv (written by bgbfleet before it recorded counters per interval)."
                : runs.count == 1
                    ? "Sessions in each state over time; signed in should climb to the plan and stay flat. Failed and reconnecting should stay near 0."
                    : "Signed-in sessions over time in each run.",
            xAxis: timeAxis(runs), xTitle: "time since start", yAxis: linearAxis(series), yTitle: "sessions",
            series: series)
    }

    /// Successful sign-ins per second (samples of `connect` over time).
    static func signInRate(_ runs: [Run]) -> LineChart {
        let series = runs.map { run in
            ChartSeries(name: run.prefix + "sign-ins/s",
                        points: (run.data.latency[.connect] ?? []).map { ChartPoint(x: $0.start, y: $0.length > 0 ? Double($0.count) / $0.length : 0) },
                        style: style(run, 0))
        }
        return LineChart(
            title: "Sign-in rate",
            caption: "Completed sign-ins (SignInConfirm received) per second: follows the planned arrival rate while the fleet ramps, then reconnects only.",
            xAxis: timeAxis(runs), xTitle: "time since start", yAxis: linearAxis(series), yTitle: "sign-ins per second",
            series: series)
    }

    /// Pushes targeted and received and Responses sent per second.
    static func throughput(_ runs: [Run]) -> LineChart {
        let counters: [(String, FleetCounter, Int)] = [("pushes received", .pushesReceived, 0), ("responses sent", .responsesSent, 1),
                                                       ("pushes targeted", .pushesTargeted, 2)]
        var series: [ChartSeries] = []
        for run in runs {
            for (name, counter, own) in counters where runs.count == 1 || counter == .responsesSent {
                series.append(ChartSeries(name: run.prefix + name,
                                          points: run.data.timeline.map { ChartPoint(x: $0.start, y: $0.perSecond[counter] ?? 0) },
                                          style: style(run, own)))
            }
        }
        return LineChart(
            title: "Pushes and responses",
            caption: runs.count == 1
                ? "Per second. Responses should follow pushes received closely; a gap means clients are not answering (or the generator cannot keep up)."
                : "Responses sent per second in each run.",
            xAxis: timeAxis(runs), xTitle: "time since start", yAxis: linearAxis(series), yTitle: "per second",
            series: series)
    }

    /// Fan-out p50, p99 and max of each trigger, at its trigger time.
    static func triggers(_ runs: [Run]) -> LineChart {
        var series: [ChartSeries] = []
        let stats: [(String, KeyPath<PushReportRow, UInt64>, Int)] = [("fan-out p50", \.fanoutP50, 0), ("fan-out p99", \.fanoutP99, 1),
                                                                      ("fan-out max", \.fanoutMax, 3)]
        for run in runs {
            let start = run.data.summary.startTime
            for (name, path, own) in stats where runs.count == 1 || path == \PushReportRow.fanoutP99 {
                let points = run.data.pushes.map { row -> ChartPoint? in
                    row[keyPath: path] > 0 ? ChartPoint(x: row.triggerTime.timeIntervalSince(start), y: Double(row[keyPath: path])) : nil
                }
                series.append(ChartSeries(name: run.prefix + name, points: points, style: style(run, own),
                                          markers: run.data.pushes.count <= 200))
            }
        }
        return LineChart(
            title: "Fan-out per trigger",
            caption: "How long each trigger took to reach its targets, at the time it was sent: p50 is the typical client, max the last one reached.",
            xAxis: timeAxis(runs), xTitle: "trigger time since start", yAxis: durationAxis(series), yTitle: "fan-out (log scale)",
            series: series)
    }

    /// p50, p90, p99 and max of `metric` per point over time (log scale); with several runs,
    /// p99 of each.
    static func latencyOverTime(_ metric: MetricName, _ runs: [Run]) -> LineChart {
        let series = latencySeries(metric, runs, stats: [("p50", \.p50, 0), ("p90", \.p90, 1), ("p99", \.p99, 2), ("max", \.max, 3)])
        return LineChart(
            title: "\(metric.rawValue) over time",
            caption: "\(meaning(metric)). Per \(pointWord(runs)), log scale; gaps are intervals without samples. Watch for p99 and max climbing while p50 stays flat.",
            xAxis: timeAxis(runs), xTitle: "time since start", yAxis: durationAxis(series), yTitle: "\(metric.rawValue) latency (log scale)",
            series: series)
    }

    /// One series per statistic of `metric` over time (gaps where an interval had no sample);
    /// with several runs, only p99 of each.
    static func latencySeries(_ metric: MetricName, _ runs: [Run],
                              stats: [(name: String, path: KeyPath<ReportData.LatencyPoint, UInt64>, style: Int)]) -> [ChartSeries] {
        var series: [ChartSeries] = []
        for run in runs {
            for stat in stats where runs.count == 1 || stat.path == \ReportData.LatencyPoint.p99 {
                let points = (run.data.latency[metric] ?? []).map { point -> ChartPoint? in
                    point.count > 0 ? ChartPoint(x: point.start, y: Double(point[keyPath: stat.path])) : nil
                }
                series.append(ChartSeries(name: run.prefix + stat.name, points: points, style: style(run, stat.style)))
            }
        }
        return series
    }

    /// The percentile spectrum of `metric` over the whole run, as HdrHistogram's plotter draws it.
    static func spectrum(_ metric: MetricName, _ runs: [Run]) -> LineChart {
        let counts = runs.map { $0.data.sampleCounts[metric] ?? 0 }
        let nines = (counts.max() ?? 0) >= 100_000 ? 5 : 4
        let series = runs.map { run in
            ChartSeries(name: run.prefix + metric.rawValue,
                        points: (run.data.spectra[metric] ?? []).map {
                            ChartPoint(x: ChartAxis.spectrumPosition(percentile: $0.percentile), y: Double($0.value) / 1e6)
                        },
                        style: style(run, 0))
        }
        let maximum = series.flatMap { $0.points.compactMap { $0?.y } }.max() ?? 0
        return LineChart(
            title: "\(metric.rawValue) distribution",
            caption: "Latency at each percentile of all \(counts.map(ChartAxis.groupedCount).joined(separator: " / ")) samples; the right end is the tail a few clients wait for. A steep rise at the right means rare slow outliers.",
            xAxis: .percentile(nines: nines), xTitle: "percentile", yAxis: .linear(maximum: Swift.max(maximum, 0.001)),
            yTitle: "\(metric.rawValue) (ms)", series: series)
    }

    /// Failures per second by reason (reasons that occurred), or the total per run when several.
    static func errors(_ runs: [Run]) -> LineChart {
        var series: [ChartSeries] = []
        for run in runs {
            if runs.count > 1 {
                series.append(ChartSeries(name: run.prefix + "errors/s",
                                          points: run.data.timeline.map { point in
                                              ChartPoint(x: point.start, y: point.errorsPerSecond.values.reduce(0, +))
                                          }, style: style(run, 3)))
                continue
            }
            for (index, reason) in FailureReason.allCases.enumerated() where run.data.summary.counters[error: reason] > 0 {
                series.append(ChartSeries(name: reason.rawValue,
                                          points: run.data.timeline.map { ChartPoint(x: $0.start, y: $0.errorsPerSecond[reason] ?? 0) },
                                          style: index))
            }
            if series.isEmpty {
                // No failure of any kind: the flat line at 0 says so (an empty plot would not).
                series.append(ChartSeries(name: "all kinds",
                                          points: run.data.timeline.map { point in
                                              ChartPoint(x: point.start, y: point.errorsPerSecond.values.reduce(0, +))
                                          }, style: 0))
            }
        }
        let total = runs.map { $0.data.summary.counters.errorsTotal }
        return LineChart(
            title: "Errors",
            caption: total.allSatisfy { $0 == 0 }
                ? "No session failed in this run."
                : "Session failures per second by kind (each failure ends a session attempt; reconnecting sessions are in the Sessions chart).",
            xAxis: timeAxis(runs), xTitle: "time since start", yAxis: linearAxis(series), yTitle: "failures per second",
            series: series)
    }

    /// The generator's own event-loop lag with the saturation limits.
    static func loopLag(_ runs: [Run]) -> LineChart {
        let series = latencySeries(.loopLag, runs, stats: [("loop lag p99", \.p99, 0), ("loop lag max", \.max, 3)])
        let limits = [Double(GeneratorHealth.p99LimitNanoseconds), Double(GeneratorHealth.maxLimitNanoseconds)]
        return LineChart(
            title: "Generator health: event-loop lag",
            caption: "The load generator's own lag, per \(pointWord(runs)). Above the lines (p99 10 ms, max 100 ms) the generator was saturated and its latencies are upper bounds, not the MP's.",
            xAxis: timeAxis(runs), xTitle: "time since start", yAxis: durationAxis(series, extra: limits), yTitle: "loop lag (log scale)",
            series: series,
            references: [ReferenceLine(value: limits[0], label: "p99 limit 10 ms"), ReferenceLine(value: limits[1], label: "max limit 100 ms")])
    }

    /// "second" or "12 s" (when downsampled): what one point covers.
    static func pointWord(_ runs: [Run]) -> String {
        let perPoint = runs.map(\.data.intervalsPerPoint).max() ?? 1
        return perPoint == 1 ? "interval" : "\(perPoint) intervals (merged)"
    }
}

extension ChartAxis {
    /// A count with thin-space thousands separators.
    static func groupedCount(_ value: UInt64) -> String {
        groupedThousands(Int64(clamping: value))
    }
}
