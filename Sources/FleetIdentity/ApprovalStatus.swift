/// The `ApprovalStatus` of a `ClientRegistrationResponse` (protocol §5.6).
public enum ApprovalStatus: Int, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// −1, the MP did not say.
    case unknown = -1
    /// 0, waiting for an administrator to approve the client.
    case pending = 0
    /// 1, approved.
    case approved = 1
    /// 2, approval does not apply.
    case notApplicable = 2

    public var description: String {
        switch self {
        case .unknown: return "unknown"
        case .pending: return "pending"
        case .approved: return "approved"
        case .notApplicable: return "not-applicable"
        }
    }
}
