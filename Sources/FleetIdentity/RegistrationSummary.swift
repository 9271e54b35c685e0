/// Counts of a pool's registration states, by approval status.
public struct RegistrationSummary: Sendable, Hashable {
    /// Identities with a registration state.
    public var registered: Int
    /// Registered identities with approval status ``ApprovalStatus/approved``.
    public var approved: Int
    /// Registered identities with approval status ``ApprovalStatus/pending``.
    public var pending: Int
    /// Registered identities with approval status unknown or not applicable.
    public var other: Int
    /// Identities without a registration state.
    public var unregistered: Int

    /// Creates a summary.
    public init(registered: Int = 0, approved: Int = 0, pending: Int = 0, other: Int = 0, unregistered: Int = 0) {
        self.registered = registered
        self.approved = approved
        self.pending = pending
        self.other = other
        self.unregistered = unregistered
    }
}
