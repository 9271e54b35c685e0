import Foundation

/// Reads HdrHistogram interval logs (`.hlog`) written by ``HistogramLogWriter`` or by the
/// Java/Go/Python/C tools: comment lines, `#[StartTime: …]`, `#[BaseTime: …]`, the legend, and
/// `[Tag=…,]start,length,max,BASE64` interval lines with compressed V2 histograms.
public enum HistogramLogReader {
    /// Reads and parses the log at `url`.
    public static func read(contentsOf url: URL) throws -> HistogramLog {
        let data = try Data(contentsOf: url)
        return try parse(String(decoding: data, as: UTF8.self))
    }

    /// The largest time stamp or length accepted, in seconds (about 31,700 years): larger values
    /// are not times any tool writes, and would overflow the arithmetic that aligns intervals.
    public static let maximumSeconds: Double = 1e12

    /// Parses the text of a log.
    public static func parse(_ text: String) throws -> HistogramLog {
        var startTime: Double?
        var baseTime: Double?
        var intervals: [HistogramLogInterval] = []
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine[...]
            if line.isEmpty { continue }
            if line.hasPrefix("#[StartTime: ") {
                startTime = try headerNumber(line.dropFirst("#[StartTime: ".count), line: lineNumber)
                continue
            }
            if line.hasPrefix("#[BaseTime: ") {
                baseTime = try headerNumber(line.dropFirst("#[BaseTime: ".count), line: lineNumber)
                continue
            }
            if line.hasPrefix("#") || line.hasPrefix("\"StartTimestamp\"") || line.hasPrefix("StartTimestamp") {
                continue
            }
            intervals.append(try parseInterval(line, line: lineNumber))
        }
        return HistogramLog(startTime: startTime, baseTime: baseTime, intervals: intervals)
    }

    private static func headerNumber(_ rest: Substring, line: Int) throws -> Double {
        let number = rest.prefix { !$0.isWhitespace && $0 != "]" }
        guard let value = Double(number) else {
            throw HistogramCodingError.malformedLogLine(line: line, reason: "header time '\(number)' is not a number")
        }
        guard value.isFinite, abs(value) <= maximumSeconds else {
            throw HistogramCodingError.malformedLogLine(line: line, reason: "header time '\(number)' is out of range")
        }
        return value
    }

    private static func parseInterval(_ line: Substring, line lineNumber: Int) throws -> HistogramLogInterval {
        var rest = line
        var tag: String?
        if rest.hasPrefix("Tag=") {
            guard let comma = rest.firstIndex(of: ",") else {
                throw HistogramCodingError.malformedLogLine(line: lineNumber, reason: "tag without fields")
            }
            tag = String(rest[rest.index(rest.startIndex, offsetBy: 4)..<comma])
            rest = rest[rest.index(after: comma)...]
        }
        let fields = rest.split(separator: ",", omittingEmptySubsequences: false)
        guard fields.count == 4 else {
            throw HistogramCodingError.malformedLogLine(line: lineNumber, reason: "expected 4 comma-separated fields, found \(fields.count)")
        }
        guard let start = Double(fields[0]), let length = Double(fields[1]), let max = Double(fields[2]) else {
            throw HistogramCodingError.malformedLogLine(line: lineNumber, reason: "start, length or max is not a number")
        }
        // NaN, infinities and absurd magnitudes parse as Doubles but break every later use
        // (interval alignment converts start / length to a slot number).
        guard start.isFinite, abs(start) <= maximumSeconds else {
            throw HistogramCodingError.malformedLogLine(line: lineNumber, reason: "start '\(fields[0])' is not a finite time in range")
        }
        guard length.isFinite, length >= 0, length <= maximumSeconds else {
            throw HistogramCodingError.malformedLogLine(line: lineNumber, reason: "length '\(fields[1])' is not a finite, non-negative duration in range")
        }
        guard max.isFinite else {
            throw HistogramCodingError.malformedLogLine(line: lineNumber, reason: "max '\(fields[2])' is not finite")
        }
        let histogram: HistogramSnapshot
        do {
            histogram = try HistogramSnapshot.decodeCompressedBase64(fields[3])
        } catch let error as HistogramCodingError {
            throw HistogramCodingError.malformedLogLine(line: lineNumber, reason: error.description)
        }
        return HistogramLogInterval(start: start, length: length, tag: tag, histogram: histogram)
    }
}
