extension BGBHTTPSession {
    /// Maps a request failure to a close reason.
    static func reason(for error: Error) -> BGBCloseReason {
        switch error {
        case HTTPClientError.connectionClosed: return .eof
        case let error as HTTPClientError: return .protocolError(error.description)
        default: return BGBCloseReason(error)
        }
    }
}
