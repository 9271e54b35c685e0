import Foundation
import Testing
@testable import FleetMetrics

@Suite struct RunReportTests {
    /// Samples for one simulated run: per interval, per metric.
    struct RunData {
        var start: Date
        var intervals: [[MetricName: [UInt64]]]
        var counters: CounterSnapshot
        var sessions: [SessionReportRow]
        var pushes: [PushReportRow]
    }

    func makeRun(seed: UInt64, start: Date, intervals: Int) -> RunData {
        var data: [[MetricName: [UInt64]]] = []
        for i in 0..<intervals {
            var perMetric: [MetricName: [UInt64]] = [:]
            for metric in [MetricName.connect, .fanout, .response, .loopLag] {
                perMetric[metric] = latencySamples(count: 200 + i * 10, seed: seed &* 1_000 &+ UInt64(i * 17 + metric.index))
            }
            data.append(perMetric)
        }
        var counters = CounterSnapshot()
        counters.counters[.pushesTargeted] = 100 * seed
        counters.counters[.responsesSent] = 99 * seed
        counters.errors[.tls] = seed
        counters.states[.signedIn] = Int64(1_000 * seed)
        let sessions = [SessionReportRow(smsid: "GUID:\(seed)", sourceAddress: "127.0.0.\(seed)", transport: "tcp",
                                         connects: 1, reconnects: 0, keepalives: 3, pushes: 1, responses: 1, lastError: nil)]
        let pushes = [PushReportRow(triggerTime: Date(timeIntervalSince1970: 1_764_000_010), type: "8", taskType: "RequestMachinePolicy",
                                    targets: 100, reached: 100, answered: 99,
                                    fanoutP50: 1_000_000 * seed, fanoutP99: 2_000_000 * seed, fanoutMax: 3_000_000 * seed)]
        return RunData(start: start, intervals: data, counters: counters, sessions: sessions, pushes: pushes)
    }

    /// Equal, allowing for the ms round trip of the two floating-point fields in summary.json.
    func sameMetrics(_ a: MetricSummary, _ b: MetricSummary) -> Bool {
        var x = a
        x.mean = b.mean
        x.stdDev = b.stdDev
        return x == b && abs(a.mean - b.mean) <= 1e-6 * Swift.max(1, b.mean) && abs(a.stdDev - b.stdDev) <= 1e-6 * Swift.max(1, b.stdDev)
    }

    func sameSummary(_ a: RunSummary, _ b: RunSummary) -> Bool {
        var x = a
        x.metrics = b.metrics
        return x == b && zip(a.metrics, b.metrics).allSatisfy { sameMetrics($0, $1) }
    }

    @discardableResult
    func write(_ run: RunData, to directory: URL, plan: [String: String]) throws -> RunSummary {
        let writer = try RunReportWriter(directory: directory, startTime: run.start)
        for (i, samples) in run.intervals.enumerated() {
            var histograms: [MetricName: HistogramSnapshot] = [:]
            for (metric, values) in samples { histograms[metric] = .of(values) }
            try writer.append(IntervalRecord(start: Double(i), length: 1, histograms: histograms, counters: run.counters))
        }
        return try writer.finish(counters: run.counters, endTime: run.start.addingTimeInterval(Double(run.intervals.count)),
                                 plan: plan, sessions: run.sessions, pushes: run.pushes)
    }

    @Test func writesEveryFileAndLoadsItBack() throws {
        let directory = try makeTemporaryDirectory().appendingPathComponent("nested/run")
        defer { try? FileManager.default.removeItem(at: directory.deletingLastPathComponent().deletingLastPathComponent()) }
        let run = makeRun(seed: 3, start: Date(timeIntervalSince1970: 1_764_000_000), intervals: 3)
        let summary = try write(run, to: directory, plan: ["sessions": "1000", "profile": "smoke"])

        let files = try Set(FileManager.default.contentsOfDirectory(atPath: directory.path))
        #expect(files == Set(["intervals.csv", "summary.csv", "summary.json", "sessions.csv", "pushes.csv", "timeline.csv"]
            + MetricName.allCases.map(\.hlogFileName)))

        let intervals = try CSVTable(parsing: String(contentsOf: directory.appendingPathComponent("intervals.csv"), encoding: .utf8))
        #expect(intervals.header == RunReportWriter.intervalsHeader)
        #expect(intervals.rows.count == 3 * MetricName.allCases.count)
        let responseRows = intervals.records.filter { $0["metric"] == "response" }
        #expect(responseRows.map { $0["count"] } == ["200", "210", "220"])
        #expect(responseRows.map { $0["interval_start_s"] } == ["0.000", "1.000", "2.000"])
        let expectedP99 = HistogramSnapshot.of(run.intervals[1][.response]!).valueAtPercentile(99)
        #expect(responseRows[1]["p99_ms"] == String(format: "%.3f", Double(expectedP99) / 1e6))

        let summaryCSV = try CSVTable(parsing: String(contentsOf: directory.appendingPathComponent("summary.csv"), encoding: .utf8))
        #expect(summaryCSV.header == RunSummary.csvHeader)
        let records = summaryCSV.records
        #expect(records.first { $0["kind"] == "latency" && $0["name"] == "response" }?["count"] == "630")
        #expect(records.first { $0["kind"] == "error" && $0["name"] == "tls" }?["count"] == "3")
        #expect(records.first { $0["kind"] == "derived" && $0["name"] == "delivery_pct" }?["value"] == "99.000")
        #expect(records.first { $0["kind"] == "plan" && $0["name"] == "profile" }?["value"] == "smoke")
        #expect(records.contains { $0["kind"] == "health" && $0["name"] == "saturated" })

        let report = try RunReport.load(from: directory)
        #expect(sameSummary(report.summary, summary))
        #expect(report.summary.deliveryPercent == 99)
        #expect(report.sessions == run.sessions)
        #expect(report.pushes == run.pushes)
        let all = run.intervals.flatMap { $0[.response]! }
        #expect(try report.total(.response) == .of(all))
        #expect(sameMetrics(report.summary[.response], MetricSummary(metric: .response, histogram: .of(all))))
        #expect(try report.total(.e2e).isEmpty)
    }

    @Test func mergeOfTwoRunsEqualsOneRunOverTheSameSamples() throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let start = Date(timeIntervalSince1970: 1_764_000_000)
        let a = makeRun(seed: 1, start: start, intervals: 3)
        let b = makeRun(seed: 2, start: start.addingTimeInterval(1.002), intervals: 2)
        try write(a, to: root.appendingPathComponent("a"), plan: ["shard": "0", "profile": "steady"])
        try write(b, to: root.appendingPathComponent("b"), plan: ["shard": "1", "profile": "steady"])

        // The same samples as one run, interval by interval (b starts one interval later).
        var combined = a
        for (i, interval) in b.intervals.enumerated() {
            for (metric, values) in interval { combined.intervals[i + 1][metric, default: []] += values }
        }
        combined.counters.merge(b.counters)
        let single = try write(combined, to: root.appendingPathComponent("single"), plan: [:])

        let merged = try RunReport.merge([
            RunReport.load(from: root.appendingPathComponent("a")),
            RunReport.load(from: root.appendingPathComponent("b")),
        ])
        #expect(merged.summary.metrics == single.metrics)
        #expect(merged.summary.counters == single.counters)
        #expect(merged.summary.generator == single.generator)
        #expect(merged.summary.plan == ["shard": "0|1", "profile": "steady", "merged_runs": "2"])
        #expect(abs(merged.summary.durationSeconds - 3.002) < 1e-3)
        for metric in MetricName.allCases {
            let singleLog = try HistogramLogReader.read(contentsOf: root.appendingPathComponent("single/\(metric.hlogFileName)"))
            #expect(merged.logs[metric]!.intervals.map(\.histogram) == singleLog.intervals.map(\.histogram))
            #expect(merged.logs[metric]!.intervals.map(\.start) == [0, 1, 2])
        }
        #expect(merged.sessions.count == 2)
        #expect(merged.pushes.count == 1)
        #expect(merged.pushes[0].targets == 200 && merged.pushes[0].answered == 198)
        #expect(merged.pushes[0].fanoutMax == 6_000_000)

        // Written out and read back, the merged set is the same report.
        let output = root.appendingPathComponent("merged")
        try merged.write(to: output)
        let reloaded = try RunReport.load(from: output)
        #expect(zip(reloaded.summary.metrics, single.metrics).allSatisfy { sameMetrics($0, $1) })
        #expect(reloaded.summary.counters == single.counters)
        #expect(reloaded.sessions == merged.sessions)
        for metric in MetricName.allCases {
            #expect(try reloaded.total(metric) == merged.total(metric))
        }
    }

    @Test func loadNamesTheMissingPath() throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let missing = root.appendingPathComponent("nope")
        #expect(throws: RunReportError.directoryNotFound(missing.path)) { try RunReport.load(from: missing) }
        #expect(throws: RunReportError.missingFile(root.appendingPathComponent("summary.json").path)) {
            try RunReport.load(from: root)
        }
        #expect(RunReportError.directoryNotFound("/x/y").description.contains("/x/y"))
        #expect(throws: RunReportError.nothingToMerge) { try RunReport.merge([]) }
    }

    @Test("a report written before start_late existed (no start_late.hlog) still loads, start_late empty")
    func reportWithoutStartLateLoads() throws {
        let directory = try makeTemporaryDirectory().appendingPathComponent("run")
        defer { try? FileManager.default.removeItem(at: directory.deletingLastPathComponent()) }
        _ = try write(makeRun(seed: 5, start: Date(timeIntervalSince1970: 1_764_000_000), intervals: 2), to: directory, plan: [:])
        try FileManager.default.removeItem(at: directory.appendingPathComponent(MetricName.startLate.hlogFileName))
        let report = try RunReport.load(from: directory)
        #expect(try report.total(.startLate).totalCount == 0)
        try FileManager.default.removeItem(at: directory.appendingPathComponent(MetricName.connect.hlogFileName))
        #expect(throws: RunReportError.self) { try RunReport.load(from: directory) }
    }

    @Test func summaryTableListsEveryMetricAndTheHealthVerdict() throws {
        var lag = HistogramSnapshot()
        lag.record(50_000_000, count: 10) // p99 50 ms > 10 ms
        let summary = RunSummary(startTime: Date(timeIntervalSince1970: 0), durationSeconds: 10,
                                 histograms: [.loopLag: lag, .response: .of([1_000_000, 2_000_000])],
                                 counters: CounterSnapshot(), plan: ["sessions": "10"])
        #expect(summary.generator.saturated)
        let text = SummaryTable.render(summary)
        let lines = text.split(separator: "\n").map(String.init)
        let header = lines[1]
        #expect(header.hasPrefix("metric"))
        for metric in MetricName.allCases {
            #expect(lines.contains { $0.hasPrefix(metric.rawValue + " ") })
        }
        let response = lines.first { $0.hasPrefix("response ") }!
        #expect(response.count == header.count) // right-aligned columns end together
        #expect(text.contains("SATURATED"))
        #expect(text.contains("delivery: n/a"))
        #expect(text.contains("plan: sessions=10"))
        let healthy = GeneratorHealth(loopLag: .of([1_000_000]))
        #expect(!healthy.saturated)
    }
}
