import Foundation

extension ReportData {
    /// Reads a report directory into page data, streaming each `.hlog` interval by interval so
    /// that memory stays bounded for long runs (a histogram per metric and per point, not per
    /// interval). Also reads `timeline.csv`, `pushes.csv`, the `mp_online` column of
    /// `intervals.csv` when present, and the `summary.json` of each `shard-N/` subdirectory.
    /// `parts`: the inputs of a merge, when they are not `shard-N/` subdirectories.
    public static func load(from directory: URL, title: String? = nil, parts given: [Part]? = nil,
                            maxPoints: Int = ReportData.maxPoints) throws(RunReportError) -> ReportData {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .directoryNotFound(directory.path)
        }
        let summary = try loadSummary(directory)

        var latency: [MetricName: [LatencyPoint]] = [:]
        var spectra: [MetricName: [SpectrumPoint]] = [:]
        var counts: [MetricName: UInt64] = [:]
        var longest = 0
        for metric in MetricName.allCases {
            let url = directory.appendingPathComponent(metric.hlogFileName)
            guard let data = try readIfPresent(url) else { throw .missingFile(url.path) }
            let (accumulator, intervals) = try streamLog(data, path: url.path, runStart: summary.startTime.timeIntervalSince1970,
                                                         maxPoints: maxPoints)
            longest = Swift.max(longest, intervals)
            latency[metric] = accumulator.points
            spectra[metric] = accumulator.total.map(spectrum) ?? []
            counts[metric] = accumulator.total?.totalCount ?? 0
        }

        var timeline: [TimelineRow] = []
        let timelineURL = directory.appendingPathComponent(RunReportWriter.FileName.timeline)
        if let data = try readIfPresent(timelineURL) {
            do { timeline = try TimelineRow.parse(csv: String(decoding: data, as: UTF8.self)) } catch {
                throw .invalidFile(timelineURL.path, error.description)
            }
        }
        var pushes: [PushReportRow] = []
        let pushesURL = directory.appendingPathComponent(RunReportWriter.FileName.pushes)
        if let data = try readIfPresent(pushesURL) {
            do { pushes = try PushReportRow.parse(csv: String(decoding: data, as: UTF8.self)) } catch {
                throw .invalidFile(pushesURL.path, String(describing: error))
            }
        }
        let mpOnline = try loadMPOnline(directory)
        let parts: [Part]
        if let given { parts = given } else { parts = try loadParts(directory) }
        longest = Swift.max(longest, timeline.count)

        return ReportData(
            title: title ?? directory.standardizedFileURL.lastPathComponent,
            summary: summary,
            intervalsPerPoint: intervalsPerPoint(count: longest, maxPoints: maxPoints),
            intervalCount: longest,
            latency: latency, spectra: spectra, sampleCounts: counts,
            timeline: downsample(timeline, perPoint: intervalsPerPoint(count: timeline.count, maxPoints: maxPoints)),
            mpOnline: downsample(mpOnline, perPoint: intervalsPerPoint(count: mpOnline.count, maxPoints: maxPoints)),
            pushes: pushes,
            parts: parts)
    }

    private static func readIfPresent(_ url: URL) throws(RunReportError) -> Data? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do { return try Data(contentsOf: url) } catch { throw .unreadable(url.path, String(describing: error)) }
    }

    private static func loadSummary(_ directory: URL) throws(RunReportError) -> RunSummary {
        let url = directory.appendingPathComponent(RunReportWriter.FileName.summaryJSON)
        guard let data = try readIfPresent(url) else { throw .missingFile(url.path) }
        do { return try RunSummary.decode(json: data) } catch { throw .invalidFile(url.path, String(describing: error)) }
    }

    /// Feeds every interval of an `.hlog` to a ``LatencyAccumulator``; returns it and the
    /// number of intervals.
    private static func streamLog(_ data: Data, path: String, runStart: Double,
                                  maxPoints: Int) throws(RunReportError) -> (LatencyAccumulator, Int) {
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)
        func isInterval(_ line: Data.SubSequence) -> Bool {
            guard let first = line.first, first != UInt8(ascii: "#"), first != UInt8(ascii: "\r") else { return false }
            return !line.starts(with: Array("StartTimestamp".utf8)) && !line.starts(with: Array("\"StartTimestamp\"".utf8))
        }
        let intervalCount = lines.reduce(0) { $0 + (isInterval($1) ? 1 : 0) }
        var accumulator = LatencyAccumulator(perPoint: intervalsPerPoint(count: intervalCount, maxPoints: maxPoints))
        var startTime: Double?
        var baseTime: Double?
        var base: Double?
        for (number, line) in lines.enumerated() {
            let text = String(decoding: line, as: UTF8.self)
            let parsed: HistogramLog
            if text.hasPrefix("#[StartTime: ") || text.hasPrefix("#[BaseTime: ") || isInterval(line) {
                do { parsed = try HistogramLogReader.parse(text) } catch {
                    throw .invalidFile(path, "line \(number + 1): \(error)")
                }
            } else {
                continue
            }
            if let value = parsed.startTime { startTime = value }
            if let value = parsed.baseTime { baseTime = value }
            guard let interval = parsed.intervals.first else { continue }
            if base == nil {
                base = HistogramLog(startTime: startTime, baseTime: baseTime, intervals: [interval]).effectiveBaseTime - runStart
            }
            accumulator.add(start: interval.start + base!, length: interval.length, histogram: interval.histogram)
        }
        accumulator.finish()
        return (accumulator, intervalCount)
    }

    /// The `mp_online` column of `intervals.csv` (one value per interval; empty cells skipped),
    /// or nothing when the file or the column is absent.
    private static func loadMPOnline(_ directory: URL) throws(RunReportError) -> [ChartPoint] {
        let url = directory.appendingPathComponent(RunReportWriter.FileName.intervals)
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        // Look at the header first: the file is large on long runs.
        guard let handle = try? FileHandle(forReadingFrom: url) else { throw .unreadable(url.path, "cannot open") }
        let head = (try? handle.read(upToCount: 4096)) ?? Data()
        try? handle.close()
        let firstLine = head.prefix { $0 != UInt8(ascii: "\n") }
        guard String(decoding: firstLine, as: UTF8.self).split(separator: ",").contains(where: {
            $0.trimmingCharacters(in: .whitespacesAndNewlines) == "mp_online"
        }) else { return [] }
        guard let data = try readIfPresent(url) else { return [] }
        do {
            let table = try CSVTable(parsing: String(decoding: data, as: UTF8.self))
            let start = try table.column("interval_start_s")
            let online = try table.column("mp_online")
            var points: [ChartPoint] = []
            var lastStart: Double?
            for row in table.rows {
                guard let x = Double(row[start]), x != lastStart else { continue }
                let cell = row[online].trimmingCharacters(in: .whitespaces)
                guard !cell.isEmpty else { continue }
                guard let y = Double(cell), y.isFinite else { throw CSVError.invalidValue(column: "mp_online", value: cell) }
                points.append(ChartPoint(x: x, y: y))
                lastStart = x
            }
            return points
        } catch {
            throw .invalidFile(url.path, String(describing: error))
        }
    }

    /// The summaries of `worker-N/` subdirectories (written by `run --processes` and
    /// `run --workers`; `shard-N/` by earlier versions), by N.
    private static func loadParts(_ directory: URL) throws(RunReportError) -> [Part] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let shards = names.compactMap { name -> (Int, String)? in
            for prefix in ["worker-", "shard-"] where name.hasPrefix(prefix) {
                if let index = Int(name.dropFirst(prefix.count)) { return (index, name) }
            }
            return nil
        }.sorted { $0.0 < $1.0 }
        var parts: [Part] = []
        for (_, name) in shards {
            let sub = directory.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: sub.appendingPathComponent(RunReportWriter.FileName.summaryJSON).path) else { continue }
            parts.append(Part(name: name, summary: try loadSummary(sub)))
        }
        return parts
    }
}
