/// What a generation did.
public struct GenerationReport: Sendable, Hashable {
    /// The count that was asked for.
    public var requestedCount: Int
    /// Identities that were already in the pool and were kept as they are.
    public var existing: Int
    /// Identities generated and written in this run (in complete chunks only).
    public var generated: Int
    /// Identities generated in this run but dropped because the run stopped before their
    /// chunk was complete.
    public var discarded: Int
    /// Chunk files written in this run.
    public var chunksWritten: Int
    /// Whether the run stopped early (stop flag or task cancellation). The pool then still has
    /// its previous count; running the same generation again completes it.
    public var cancelled: Bool
    /// The pool's count afterwards: `requestedCount` when complete, unchanged when cancelled.
    public var poolCount: Int
    /// Wall time of the run.
    public var elapsed: Duration

    /// Creates a report.
    public init(
        requestedCount: Int, existing: Int, generated: Int, discarded: Int = 0, chunksWritten: Int,
        cancelled: Bool, poolCount: Int, elapsed: Duration
    ) {
        self.requestedCount = requestedCount
        self.existing = existing
        self.generated = generated
        self.discarded = discarded
        self.chunksWritten = chunksWritten
        self.cancelled = cancelled
        self.poolCount = poolCount
        self.elapsed = elapsed
    }

    /// Identities generated per second of wall time, written or discarded.
    public var rate: Double {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return seconds > 0 ? Double(generated + discarded) / seconds : 0
    }
}
