/// The work for one chunk file: identities to add after the ones it already holds.
struct ChunkGenerationPlan: Sendable {
    /// The chunk number.
    var chunk: Int
    /// Records already in the file (verified), kept byte for byte, and how many.
    var existingPayload: [UInt8]
    var existingCount: Int
    /// The identity indexes to generate and append.
    var newIndexes: Range<Int>
}

/// A slice of a chunk's new identities, the unit a worker takes.
struct GenerationPiece: Sendable {
    var chunk: Int
    var indexes: Range<Int>
}
