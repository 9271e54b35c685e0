/// Why an HTTP exchange of the generator's client codec failed.
public enum HTTPClientError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The status line and headers exceed the decoder's limit.
    case headTooLarge(maximum: Int)
    /// The body exceeds the decoder's limit.
    case bodyTooLarge(length: Int, maximum: Int)
    case malformedStatusLine(String)
    case malformedHeader(String)
    case invalidContentLength(String)
    /// `Transfer-Encoding` other than identity (BGB and registration answers carry `Content-Length`).
    case unsupportedTransferEncoding(String)
    /// The connection ended before the response was complete.
    case connectionClosed
    /// A response arrived that no request asked for.
    case unsolicitedResponse(status: Int)
    /// No complete response within the request's timeout.
    case timeout(seconds: Int64)

    public var description: String {
        switch self {
        case .headTooLarge(let maximum): "the response head is larger than \(maximum) bytes"
        case .bodyTooLarge(let length, let maximum): "the response body (\(length) bytes) is larger than \(maximum) bytes"
        case .malformedStatusLine(let line): "malformed status line \"\(line)\""
        case .malformedHeader(let line): "malformed header line \"\(line)\""
        case .invalidContentLength(let value): "invalid Content-Length \"\(value)\""
        case .unsupportedTransferEncoding(let value): "unsupported Transfer-Encoding \"\(value)\""
        case .connectionClosed: "the connection closed before the response was complete"
        case .unsolicitedResponse(let status): "a response (status \(status)) arrived with no request outstanding"
        case .timeout(let seconds): "no response within \(seconds) s"
        }
    }
}
