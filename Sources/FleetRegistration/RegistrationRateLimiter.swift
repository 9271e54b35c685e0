/// Spaces registration requests evenly: at most `perSecond` request starts per second across
/// every task that shares the limiter (spec §5.7: default 50/s). Retries count too.
public actor RegistrationRateLimiter {
    public nonisolated let perSecond: Double
    private let spacing: Duration
    private var next: ContinuousClock.Instant

    public init(perSecond: Double) {
        precondition(perSecond > 0, "the registration rate must be positive")
        self.perSecond = perSecond
        self.spacing = .nanoseconds(Int64((1e9 / perSecond).rounded()))
        self.next = .now
    }

    /// Waits for this caller's slot. Throws `CancellationError` when the task is cancelled.
    public func acquire() async throws {
        let now = ContinuousClock.now
        let slot = max(now, next)
        next = slot + spacing
        if slot > now { try await Task.sleep(until: slot, clock: .continuous) }
    }
}
