/// Why ``BGBHTTPSession/start()`` failed other than with a connect error.
public enum BGBHTTPSessionError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The session was closed before its first connection was up.
    case closedBeforeConnecting(BGBCloseReason)

    public var description: String {
        switch self {
        case .closedBeforeConnecting(let reason): "the HTTP session closed before connecting: \(reason)"
        }
    }
}
