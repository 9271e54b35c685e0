/// Progress of a generation, reported after every identity generated.
public struct GenerationProgress: Sendable, Hashable {
    /// Identities generated so far in this run (including ones of chunks not yet written).
    public var done: Int
    /// Identities this run generates: the requested count minus those already in the pool.
    public var total: Int

    /// Creates a progress value.
    public init(done: Int, total: Int) {
        self.done = done
        self.total = total
    }
}
