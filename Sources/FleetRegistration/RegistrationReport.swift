import Foundation

/// The outcome of registering a range of a pool (``IdentityPool/register(range:client:concurrency:force:progress:)``).
public struct RegistrationReport: Sendable {
    /// Registered and recorded, by approval status.
    public var approved = 0
    public var pending = 0
    /// Registered with approval status unknown or not applicable.
    public var otherApproval = 0
    /// Already registered with this MP (not sent again).
    public var skipped = 0
    /// Failures, by identity index, in index order.
    public var failures: [(index: Int, error: RegistrationError)] = []
    /// Not attempted because the run was stopped.
    public var notAttempted = 0
    /// Retries that were needed (attempts beyond the first of every recorded registration).
    public var retries = 0
    /// When the last successful reply arrived.
    public var lastRegisteredAt: Date?

    public init() {}

    /// Registered and recorded in this run.
    public var registered: Int { approved + pending + otherApproval }

    /// Failures counted by ``RegistrationError/reason``.
    public var failuresByReason: [String: Int] {
        failures.reduce(into: [:]) { $0[$1.error.reason, default: 0] += 1 }
    }
}

/// Progress of a registration run, reported after every identity.
public struct RegistrationProgress: Sendable, Hashable {
    public var done: Int
    public var total: Int
    public var registered: Int
    public var failed: Int
}
