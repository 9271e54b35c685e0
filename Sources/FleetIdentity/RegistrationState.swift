import Foundation

/// What an MP answered when an identity registered (protocol §5): stored in the pool next to
/// the identity, in separate files, so registering never rewrites identities.
///
/// Written with ``IdentityPool/updateRegistration(index:state:)`` or, batched,
/// ``IdentityPool/updateRegistrations(_:)``; read back in ``Identity/registration``.
public struct RegistrationState: Sendable, Hashable, Codable {
    /// The management point registered against, as given to the registering command
    /// (a URL or host name; at most 65,535 UTF-8 bytes).
    public var mp: String
    /// The SMSID the MP assigned; it replaces the minted one in ``Identity/smsid``.
    public var assignedSMSID: PoolSMSID
    /// The approval status of the reply.
    public var approvalStatus: ApprovalStatus
    /// When the registration reply arrived (kept to whole milliseconds).
    public var registeredAt: Date

    /// Creates a registration state.
    public init(mp: String, assignedSMSID: PoolSMSID, approvalStatus: ApprovalStatus, registeredAt: Date) {
        precondition(mp.utf8.count <= Int(UInt16.max), "management point text is too long")
        self.mp = mp
        self.assignedSMSID = assignedSMSID
        self.approvalStatus = approvalStatus
        // Stored as whole milliseconds; normalise now so a value read back compares equal.
        self.registeredAt = Date(
            timeIntervalSince1970: (registeredAt.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }
}
