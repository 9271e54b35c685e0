import Foundation

/// Writes an HdrHistogram interval log (`.hlog`, format version 1.3) that Java's
/// `HistogramLogProcessor`/`HistogramLogReader` and the Go, Python and C readers accept.
///
/// Header: `#[StartTime: <s.mmm> (seconds since epoch), <date>]`, `#[BaseTime: <s.mmm> (seconds
/// since epoch)]` (equal to StartTime, so interval starts are seconds since the run started),
/// `#[Histogram log format version 1.3]` and the CSV legend. Each interval line is
/// `start,length,max,BASE64` with the Base64 compressed V2 histogram.
///
/// **Max column unit**: the histogram max (nanoseconds) divided by ``maxValueUnitRatio``
/// (1,000,000), i.e. **milliseconds** with 3 decimals — the default of Java's
/// `HistogramLogWriter.outputIntervalHistogram`. Readers ignore this column; the histogram is
/// authoritative.
public final class HistogramLogWriter {
    /// Divisor applied to the max (ns) in the third column: 1e6, so the column is in ms.
    public static let maxValueUnitRatio = 1_000_000.0
    /// The log format version written in the header.
    public static let formatVersion = "1.3"

    private let handle: FileHandle

    /// Creates (or truncates) `url` and writes the header.
    public init(url: URL, startTime: Date, comment: String? = nil) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        handle = try FileHandle(forWritingTo: url)
        try handle.write(contentsOf: Data(Self.header(startTime: startTime, comment: comment).utf8))
    }

    deinit {
        try? handle.close()
    }

    /// Appends one interval; `start` is seconds since the start time given at creation.
    public func append(start: Double, length: Double, histogram: HistogramSnapshot, tag: String? = nil) throws {
        let line = try Self.intervalLine(start: start, length: length, histogram: histogram, tag: tag)
        try handle.write(contentsOf: Data(line.utf8))
    }

    /// Flushes and closes the file.
    public func close() throws {
        try handle.synchronize()
        try handle.close()
    }

    /// The header lines, each ending in `\n`.
    public static func header(startTime: Date, comment: String? = nil) -> String {
        let seconds = startTime.timeIntervalSince1970
        var text = ""
        if let comment {
            for line in comment.split(separator: "\n", omittingEmptySubsequences: false) {
                text += "#\(line)\n"
            }
        }
        text += "#[StartTime: \(Format.fixed(seconds, 3)) (seconds since epoch), \(javaDateString(startTime))]\n"
        text += "#[BaseTime: \(Format.fixed(seconds, 3)) (seconds since epoch)]\n"
        text += "#[Histogram log format version \(formatVersion)]\n"
        text += "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n"
        return text
    }

    /// One interval line ending in `\n`. A tag must not contain commas, spaces or line breaks.
    public static func intervalLine(start: Double, length: Double, histogram: HistogramSnapshot, tag: String? = nil) throws -> String {
        var line = ""
        if let tag {
            precondition(!tag.contains { $0 == "," || $0 == " " || $0.isNewline }, "hlog tags cannot contain commas, spaces or line breaks")
            line += "Tag=\(tag),"
        }
        line += Format.fixed(start, 3) + "," + Format.fixed(length, 3) + ","
        line += Format.fixed(Double(histogram.max) / maxValueUnitRatio, 3) + ","
        line += try histogram.encodeCompressedBase64()
        line += "\n"
        return line
    }

    /// `Date.toString()` as Java prints it, in UTC: `Wed Nov 26 19:03:00 UTC 2025`.
    static func javaDateString(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE MMM dd HH:mm:ss 'UTC' yyyy"
        return formatter.string(from: date)
    }
}
