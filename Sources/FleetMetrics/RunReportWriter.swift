import Foundation

/// Writes a run's report directory as the run goes: `intervals.csv` and one `<metric>.hlog` per
/// latency metric grow with every interval (so memory stays fixed however long the run), and
/// ``finish(counters:endTime:plan:sessions:pushes:)`` adds `summary.csv`, `summary.json`,
/// `sessions.csv` and `pushes.csv`.
///
/// `intervals.csv` columns: interval_start_s (seconds since the run start), metric, count,
/// mean_ms, p50_ms, p90_ms, p99_ms, p99_9_ms, max_ms — a row per interval per metric — then, on
/// every row of the interval, signed_in (sessions signed in here at its end) and mp_online (the
/// fleet's clients the MP reports online at its latest poll; empty when not polled).
public final class RunReportWriter {
    /// File names inside a report directory.
    public enum FileName {
        public static let intervals = "intervals.csv"
        public static let summaryCSV = "summary.csv"
        public static let summaryJSON = "summary.json"
        public static let sessions = "sessions.csv"
        public static let pushes = "pushes.csv"
        public static let timeline = "timeline.csv"
        public static let html = "report.html"
    }

    /// Column names of `intervals.csv`.
    public static let intervalsHeader = ["interval_start_s", "metric", "count", "mean_ms", "p50_ms",
                                         "p90_ms", "p99_ms", "p99_9_ms", "max_ms", "signed_in", "mp_online"]

    /// The report directory.
    public let directory: URL
    /// When the run started: the base of every interval start.
    public let startTime: Date
    /// Histogram layout of every metric.
    public let layout: HistogramLayout
    /// Running whole-run histogram per metric: the exact sum of the intervals appended so far.
    public private(set) var totals: [MetricName: HistogramSnapshot]

    private let intervalsHandle: FileHandle
    private let logs: [MetricName: HistogramLogWriter]
    private let timelineHandle: FileHandle?

    /// Creates `directory` (and parents) and starts `intervals.csv`, the `.hlog` files and, with
    /// `writesTimeline`, `timeline.csv` (the counters of each interval, see ``TimelineRow``),
    /// replacing any existing ones.
    public init(directory: URL, startTime: Date, layout: HistogramLayout = .latency, writesTimeline: Bool = true) throws {
        self.directory = directory
        self.startTime = startTime
        self.layout = layout
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let intervalsURL = directory.appendingPathComponent(FileName.intervals)
        guard FileManager.default.createFile(atPath: intervalsURL.path, contents: Data(CSV.encodeRow(Self.intervalsHeader).utf8)) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: intervalsURL.path])
        }
        intervalsHandle = try FileHandle(forWritingTo: intervalsURL)
        try intervalsHandle.seekToEnd()
        var logs: [MetricName: HistogramLogWriter] = [:]
        for metric in MetricName.allCases {
            logs[metric] = try HistogramLogWriter(
                url: directory.appendingPathComponent(metric.hlogFileName),
                startTime: startTime,
                comment: "[bgbfleet \(metric.rawValue) latency, values in nanoseconds, Interval_Max in ms]"
            )
        }
        self.logs = logs
        timelineHandle = writesTimeline ? try Self.startFile(directory.appendingPathComponent(FileName.timeline), header: TimelineRow.header) : nil
        totals = Dictionary(uniqueKeysWithValues: MetricName.allCases.map { ($0, HistogramSnapshot(layout: layout)) })
    }

    deinit {
        try? intervalsHandle.close()
        try? timelineHandle?.close()
    }

    private static func startFile(_ url: URL, header: [String]) throws -> FileHandle {
        guard FileManager.default.createFile(atPath: url.path, contents: Data(CSV.encodeRow(header).utf8)) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        let handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        return handle
    }

    /// Appends one interval to `intervals.csv` and every `.hlog`, and adds it to ``totals``.
    /// A metric missing from the record is written as an empty interval.
    public func append(_ interval: IntervalRecord) throws {
        var rows = ""
        for metric in MetricName.allCases {
            let histogram = interval.histograms[metric] ?? HistogramSnapshot(layout: layout)
            precondition(histogram.layout == layout, "interval histogram layout differs from the writer's")
            rows += CSV.encodeRow([
                Format.fixed(interval.start, 3), metric.rawValue, String(histogram.totalCount),
                Format.ms(histogram.mean), Format.ms(histogram.valueAtPercentile(50)),
                Format.ms(histogram.valueAtPercentile(90)), Format.ms(histogram.valueAtPercentile(99)),
                Format.ms(histogram.valueAtPercentile(99.9)), Format.ms(histogram.max),
                String(interval.counters[state: .signedIn]), interval.mpOnline.map(String.init) ?? "",
            ])
            try logs[metric]!.append(start: interval.start, length: interval.length, histogram: histogram)
            totals[metric]!.merge(histogram)
        }
        try intervalsHandle.write(contentsOf: Data(rows.utf8))
        let timelineRow = TimelineRow(start: interval.start, length: interval.length, counters: interval.counters)
        try timelineHandle?.write(contentsOf: Data(CSV.encodeRow(timelineRow.fields).utf8))
    }

    /// Writes the summary and per-session / per-push files, closes the streams and returns the
    /// summary (computed from ``totals``).
    @discardableResult
    public func finish(counters: CounterSnapshot, endTime: Date, plan: [String: String],
                       sessions: [SessionReportRow], pushes: [PushReportRow],
                       interrupted: Bool = false, peakSignedIn: Int64? = nil) throws -> RunSummary {
        var summary = RunSummary(startTime: startTime, durationSeconds: endTime.timeIntervalSince(startTime),
                                 histograms: totals, counters: counters, plan: plan, layout: layout)
        summary.interrupted = interrupted
        summary.peakSignedIn = peakSignedIn
        try finish(summary: summary, sessions: sessions, pushes: pushes)
        return summary
    }

    /// Writes a given summary (e.g. a merged one) and the per-session / per-push files, and
    /// closes the streams.
    public func finish(summary: RunSummary, sessions: [SessionReportRow], pushes: [PushReportRow]) throws {
        try intervalsHandle.synchronize()
        try intervalsHandle.close()
        try timelineHandle?.synchronize()
        try timelineHandle?.close()
        for log in logs.values { try log.close() }
        try Data(summary.csv().utf8).write(to: directory.appendingPathComponent(FileName.summaryCSV), options: .atomic)
        try summary.jsonData().write(to: directory.appendingPathComponent(FileName.summaryJSON), options: .atomic)
        try Data(CSV.encode(header: SessionReportRow.header, rows: sessions.map(\.fields)).utf8)
            .write(to: directory.appendingPathComponent(FileName.sessions), options: .atomic)
        try Data(CSV.encode(header: PushReportRow.header, rows: pushes.map(\.fields)).utf8)
            .write(to: directory.appendingPathComponent(FileName.pushes), options: .atomic)
    }
}
