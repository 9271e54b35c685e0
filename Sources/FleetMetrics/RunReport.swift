import Foundation

/// A run's report loaded back from its directory: `summary.json`, every `<metric>.hlog`, and
/// `sessions.csv` / `pushes.csv` when present.
public struct RunReport: Sendable, Equatable {
    /// The summary as written (or as merged).
    public var summary: RunSummary
    /// The interval log of each latency metric.
    public var logs: [MetricName: HistogramLog]
    public var sessions: [SessionReportRow]
    public var pushes: [PushReportRow]
    /// The counters of each interval from `timeline.csv` (empty for reports written without one).
    public var timeline: [TimelineRow]

    /// Creates a report.
    public init(summary: RunSummary, logs: [MetricName: HistogramLog], sessions: [SessionReportRow], pushes: [PushReportRow],
                timeline: [TimelineRow] = []) {
        self.summary = summary
        self.logs = logs
        self.sessions = sessions
        self.pushes = pushes
        self.timeline = timeline
    }

    /// Loads a report directory.
    public static func load(from directory: URL) throws(RunReportError) -> RunReport {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .directoryNotFound(directory.path)
        }
        func read(_ name: String) throws(RunReportError) -> String? {
            let url = directory.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: url.path) else { return nil }
            do {
                return String(decoding: try Data(contentsOf: url), as: UTF8.self)
            } catch {
                throw .unreadable(url.path, String(describing: error))
            }
        }
        let summaryPath = directory.appendingPathComponent(RunReportWriter.FileName.summaryJSON).path
        guard let summaryText = try read(RunReportWriter.FileName.summaryJSON) else { throw .missingFile(summaryPath) }
        let summary: RunSummary
        do {
            summary = try RunSummary.decode(json: Data(summaryText.utf8))
        } catch {
            throw .invalidFile(summaryPath, Self.describe(error))
        }
        var logs: [MetricName: HistogramLog] = [:]
        for metric in MetricName.allCases {
            let path = directory.appendingPathComponent(metric.hlogFileName).path
            guard let text = try read(metric.hlogFileName) else {
                if metric.isOptionalInReports {
                    logs[metric] = HistogramLog(startTime: summary.startTime.timeIntervalSince1970, baseTime: summary.startTime.timeIntervalSince1970, intervals: [])
                    continue
                }
                throw .missingFile(path)
            }
            do {
                logs[metric] = try HistogramLogReader.parse(text)
            } catch {
                throw .invalidFile(path, String(describing: error))
            }
        }
        var sessions: [SessionReportRow] = []
        if let text = try read(RunReportWriter.FileName.sessions) {
            do { sessions = try SessionReportRow.parse(csv: text) } catch {
                throw .invalidFile(directory.appendingPathComponent(RunReportWriter.FileName.sessions).path, String(describing: error))
            }
        }
        var pushes: [PushReportRow] = []
        if let text = try read(RunReportWriter.FileName.pushes) {
            do { pushes = try PushReportRow.parse(csv: text) } catch {
                throw .invalidFile(directory.appendingPathComponent(RunReportWriter.FileName.pushes).path, String(describing: error))
            }
        }
        var timeline: [TimelineRow] = []
        if let text = try read(RunReportWriter.FileName.timeline) {
            do { timeline = try TimelineRow.parse(csv: text) } catch {
                throw .invalidFile(directory.appendingPathComponent(RunReportWriter.FileName.timeline).path, String(describing: error))
            }
        }
        return RunReport(summary: summary, logs: logs, sessions: sessions, pushes: pushes, timeline: timeline)
    }

    /// The whole-run histogram of `metric`: the exact sum of its intervals.
    public func total(_ metric: MetricName) throws(RunReportError) -> HistogramSnapshot {
        guard let log = logs[metric] else { return HistogramSnapshot() }
        do { return try log.total() } catch { throw .layoutMismatch(metric.rawValue) }
    }

    /// Writes the full set of files (intervals.csv, every .hlog, summaries, sessions, pushes)
    /// into `directory`, replaying the interval logs. Intervals of all metrics are grouped by
    /// start time (to the millisecond); each gets the counters of the ``timeline`` row at or before
    /// it (`timeline.csv` is written only when the report has a timeline).
    public func write(to directory: URL) throws {
        let layout = logs.values.lazy.compactMap { $0.intervals.first?.histogram.layout }.first ?? .latency
        let writer = try RunReportWriter(directory: directory, startTime: summary.startTime, layout: layout,
                                         writesTimeline: !timeline.isEmpty)
        var slots: [Int64: IntervalRecord] = [:]
        for (metric, log) in logs {
            let base = log.effectiveBaseTime - summary.startTime.timeIntervalSince1970
            for interval in log.intervals {
                let start = interval.start + base
                let key = Int64((start * 1000).rounded())
                slots[key, default: IntervalRecord(start: start, length: interval.length, histograms: [:], counters: summary.counters)]
                    .histograms[metric, default: HistogramSnapshot(layout: layout)].merge(interval.histogram)
            }
        }
        let timelineKeys = timeline.map { Int64(($0.start * 1000).rounded()) }
        var next = 0
        for key in slots.keys.sorted() {
            var record = slots[key]!
            while next < timeline.count, timelineKeys[next] <= key { next += 1 }
            if next > 0 { record.counters = timeline[next - 1].counters }
            try writer.append(record)
        }
        try writer.finish(summary: summary, sessions: sessions, pushes: pushes)
    }
}

/// Why a report directory could not be loaded or merged. Every case names the path or metric.
public enum RunReportError: Error, Equatable, Sendable, CustomStringConvertible {
    case directoryNotFound(String)
    case missingFile(String)
    case unreadable(String, String)
    case invalidFile(String, String)
    case layoutMismatch(String)
    case nothingToMerge
    /// An interval that cannot be placed on the merge grid (its start is too far from the
    /// earliest start for the shortest interval length).
    case unalignable(String, start: Double, grid: Double)

    public var description: String {
        switch self {
        case .directoryNotFound(let path): "report directory not found: \(path)"
        case .missingFile(let path): "report file missing: \(path)"
        case .unreadable(let path, let reason): "cannot read \(path): \(reason)"
        case .invalidFile(let path, let reason): "invalid report file \(path): \(reason)"
        case .layoutMismatch(let metric): "histograms of metric '\(metric)' use different layouts and cannot be merged"
        case .nothingToMerge: "no reports to merge"
        case .unalignable(let metric, let start, let grid):
            "an interval of metric '\(metric)' starting at \(start) s cannot be aligned on a grid of \(grid) s (times or lengths out of range)"
        }
    }
}

extension RunReport {
    /// A decoding error as "at KEY.PATH: what is wrong" (JSONDecoder's own description is a dump
    /// of its internal types).
    static func describe(_ error: any Error) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.isEmpty ? "the top level" : keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        guard let error = error as? DecodingError else { return String(describing: error) }
        switch error {
        case .dataCorrupted(let context):
            return "at \(path(context.codingPath)): \(context.debugDescription)\(context.underlyingError.map { " (\($0))" } ?? "")"
        case .keyNotFound(let key, let context):
            return "at \(path(context.codingPath)): key '\(key.stringValue)' is missing"
        case .typeMismatch(let type, let context):
            return "at \(path(context.codingPath)): expected \(type)"
        case .valueNotFound(let type, let context):
            return "at \(path(context.codingPath)): expected \(type), found null"
        @unknown default:
            return String(describing: error)
        }
    }
}
