import Foundation

/// Shared state of the worker threads of one generation: the queue of pieces, the chunks
/// being assembled, counters and the first error.
final class GenerationRun: @unchecked Sendable {
    private struct Assembly {
        var plan: ChunkGenerationPlan
        var parts: [Int: [UInt8]] = [:]
        var remainingPieces: Int
    }

    private let lock = NSLock()
    private let pieces: [GenerationPiece]
    private var nextPiece = 0
    private var assemblies: [Int: Assembly] = [:]
    private var done = 0
    private var written = 0
    private var chunksWritten = 0
    private var failure: (any Error)?
    private let stopFlags: [GenerationStopFlag]
    let total: Int

    init(plans: [ChunkGenerationPlan], pieceSize: Int, stopFlags: [GenerationStopFlag]) {
        var pieces = [GenerationPiece]()
        for plan in plans {
            var start = plan.newIndexes.lowerBound
            var count = 0
            while start < plan.newIndexes.upperBound {
                let end = min(start + pieceSize, plan.newIndexes.upperBound)
                pieces.append(GenerationPiece(chunk: plan.chunk, indexes: start ..< end))
                start = end
                count += 1
            }
            assemblies[plan.chunk] = Assembly(plan: plan, remainingPieces: count)
        }
        self.pieces = pieces
        self.total = plans.reduce(0) { $0 + $1.newIndexes.count }
        self.stopFlags = stopFlags
    }

    /// Whether workers should stop: a stop flag is set or a worker failed.
    var shouldStop: Bool {
        if lock.withLock({ failure != nil }) { return true }
        return stopFlags.contains { $0.isStopped }
    }

    /// The next piece to generate, or `nil` when all are taken or the run is stopping.
    func take() -> GenerationPiece? {
        if shouldStop { return nil }
        return lock.withLock {
            guard nextPiece < pieces.count else { return nil }
            defer { nextPiece += 1 }
            return pieces[nextPiece]
        }
    }

    /// Counts one generated identity; returns the progress.
    func tick() -> GenerationProgress {
        lock.withLock {
            done += 1
            return GenerationProgress(done: done, total: total)
        }
    }

    /// Stores a finished piece's records; returns the chunk file's content when this piece
    /// completed its chunk.
    func finish(_ piece: GenerationPiece, records: [UInt8]) -> (plan: ChunkGenerationPlan, payload: [UInt8], recordCount: Int)? {
        lock.withLock {
            guard var assembly = assemblies[piece.chunk] else { preconditionFailure("piece of an unknown chunk") }
            assembly.parts[piece.indexes.lowerBound] = records
            assembly.remainingPieces -= 1
            guard assembly.remainingPieces == 0 else {
                assemblies[piece.chunk] = assembly
                return nil
            }
            assemblies[piece.chunk] = nil
            var payload = assembly.plan.existingPayload
            for start in assembly.parts.keys.sorted() {
                payload.append(contentsOf: assembly.parts[start]!)
            }
            let recordCount = assembly.plan.existingCount + assembly.plan.newIndexes.count
            return (assembly.plan, payload, recordCount)
        }
    }

    /// Counts a chunk file written.
    func chunkWritten(newIdentities: Int) {
        lock.withLock {
            chunksWritten += 1
            written += newIdentities
        }
    }

    /// Records a failure (the first one wins) and makes the other workers stop.
    func fail(_ error: any Error) {
        lock.withLock {
            if failure == nil { failure = error }
        }
    }

    /// The outcome once all workers have returned.
    func outcome() -> (failure: (any Error)?, generated: Int, discarded: Int, chunksWritten: Int, complete: Bool) {
        lock.withLock {
            (failure, written, done - written, chunksWritten, assemblies.isEmpty)
        }
    }
}
