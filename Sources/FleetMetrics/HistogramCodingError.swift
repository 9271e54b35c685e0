/// Why a histogram encoding or an interval log could not be read or written.
public enum HistogramCodingError: Error, Equatable, CustomStringConvertible, Sendable {
    /// zlib reported a failure, or the inflated data was too large.
    case compression(String)
    /// The binary encoding is malformed (wrong cookie, bad lengths, counts out of range…).
    case malformedEncoding(String)
    /// A line of an interval log could not be parsed (1-based line number).
    case malformedLogLine(line: Int, reason: String)

    public var description: String {
        switch self {
        case .compression(let reason): "histogram compression error: \(reason)"
        case .malformedEncoding(let reason): "malformed histogram encoding: \(reason)"
        case .malformedLogLine(let line, let reason): "malformed histogram log line \(line): \(reason)"
        }
    }
}
