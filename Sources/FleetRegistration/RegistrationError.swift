import FleetIdentity

/// Why registering one identity failed (spec §5).
public enum RegistrationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The MP URL cannot be used.
    case invalidURL(String, String)
    /// ConfigMgr registers RSA certificates signed with RSA; this identity has another key.
    case unsupportedKey(IdentityKeyType)
    /// The identity's key or certificate could not be used.
    case identity(String)
    /// The MP answered with a registration status other than Registered or Pending.
    case refused(status: String)
    /// The answer is not a registration reply.
    case malformedReply(String)
    /// The MP answered with this HTTP status (4xx at once; 5xx after the last retry).
    case httpStatus(Int)
    /// The connection failed (after the last retry).
    case transport(String)
    /// The registration was stopped (Ctrl-C) before an answer arrived.
    case cancelled

    /// The failure class counted in reports.
    public var reason: String {
        switch self {
        case .invalidURL: "invalid_url"
        case .unsupportedKey: "unsupported_key"
        case .identity: "identity"
        case .refused: "refused"
        case .malformedReply: "malformed_reply"
        case .httpStatus: "http_status"
        case .transport: "transport"
        case .cancelled: "cancelled"
        }
    }

    /// Whether a retry may succeed (connection errors and 5xx, spec §5.7).
    public var isTransient: Bool {
        switch self {
        case .transport: true
        case .httpStatus(let status): (500...599).contains(status)
        default: false
        }
    }

    public var description: String {
        switch self {
        case .invalidURL(let url, let reason): "invalid MP URL \(url): \(reason)"
        case .unsupportedKey(let keyType):
            "a \(keyType) identity cannot register: ConfigMgr registration needs RSA keys (generate the pool with --key rsa2048)"
        case .identity(let reason): "unusable identity: \(reason)"
        case .refused(let status): "the MP refused the registration (Status \(status))"
        case .malformedReply(let reason): "malformed registration reply: \(reason)"
        case .httpStatus(let status): "the MP answered HTTP \(status)"
        case .transport(let reason): "connection failed: \(reason)"
        case .cancelled: "stopped before the MP answered"
        }
    }
}
