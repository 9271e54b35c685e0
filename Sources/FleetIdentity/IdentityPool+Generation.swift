import Foundation

extension IdentityPool {
    /// Fills the pool up to `count` identities, on `jobs` threads.
    ///
    /// Resumable: chunks already complete are kept as they are (identity *i* never changes);
    /// a chunk holding fewer identities than `count` needs is extended, keeping its records;
    /// missing chunks are generated. The manifest's count becomes `count` only when every
    /// chunk is complete; until then it records the unfinished target.
    ///
    /// Stopping: set `stop`, or cancel the calling task. Workers check between identities,
    /// chunks completed so far are written, partly generated ones are dropped, and the report
    /// says `cancelled`; calling again with the same count resumes.
    ///
    /// Complete chunks are checked by header and size only (``verify()`` reads them all).
    /// Run one generation per pool at a time; readers may load concurrently, they see
    /// complete chunk files only.
    ///
    /// - Parameters:
    ///   - count: the total number of identities wanted (not the number to add).
    ///   - keyType: `nil` or the pool's key type.
    ///   - jobs: worker threads; defaults to the number of active cores.
    ///   - stop: an optional flag to stop the run from outside.
    ///   - issuer: a CA issuing PKI client certificates (nil: self-signed SMS certificates).
    ///   - progress: called from worker threads after every identity; keep it cheap.
    /// - Throws: ``IdentityPoolError/keyTypeMismatch(path:pool:requested:)``,
    ///   ``IdentityPoolError/cannotShrink(path:existing:requested:)``,
    ///   ``IdentityPoolError/countOutOfRange(requested:maximum:)``, the errors of reading the
    ///   existing chunks, of writing files and of key generation.
    @discardableResult
    public mutating func generate(
        count: Int,
        keyType: IdentityKeyType? = nil,
        jobs: Int = ProcessInfo.processInfo.activeProcessorCount,
        stop: GenerationStopFlag? = nil,
        issuer: IdentityIssuer? = nil,
        progress: (@Sendable (GenerationProgress) -> Void)? = nil
    ) async throws -> GenerationReport {
        precondition(jobs >= 1, "jobs must be at least 1")
        let start = ContinuousClock.now
        if let keyType, keyType != self.keyType {
            throw IdentityPoolError.keyTypeMismatch(path: manifestPath, pool: self.keyType, requested: keyType)
        }
        guard count >= 0, count <= Self.maximumCount else {
            throw IdentityPoolError.countOutOfRange(requested: count, maximum: Self.maximumCount)
        }
        guard count >= self.count else {
            throw IdentityPoolError.cannotShrink(path: manifestPath, existing: self.count, requested: count)
        }
        guard PoolFileSystem.isWritableDirectory(directoryPath) else {
            throw IdentityPoolError.directoryNotWritable(path: directoryPath, reason: "permission denied")
        }
        try PoolFileSystem.ensurePrivateDirectory(identitiesPath)
        try PoolFileSystem.ensurePrivateDirectory(registrationsPath)
        PoolFileSystem.removeStaleTemporaries(in: identitiesPath)
        PoolFileSystem.removeStaleTemporaries(in: registrationsPath)

        let plans = try generationPlans(for: count)
        let existing = count - plans.reduce(0) { $0 + $1.newIndexes.count }
        if plans.isEmpty {
            if manifest.count != count || manifest.generatingCount != nil {
                manifest.count = count
                manifest.generatingCount = nil
                try writeManifest()
            }
            return GenerationReport(
                requestedCount: count, existing: existing, generated: 0, chunksWritten: 0,
                cancelled: false, poolCount: count, elapsed: ContinuousClock.now - start)
        }

        manifest.generatingCount = count
        try writeManifest()

        let cancellation = GenerationStopFlag()
        let run = GenerationRun(
            plans: plans, pieceSize: 16, stopFlags: [cancellation] + (stop.map { [$0] } ?? []))
        let pool = self
        let workers = min(jobs, plans.reduce(0) { $0 + ($1.newIndexes.count + 15) / 16 })
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let group = DispatchGroup()
                for _ in 0 ..< workers {
                    group.enter()
                    let thread = Thread {
                        pool.generationWorker(run, issuer: issuer, progress: progress)
                        group.leave()
                    }
                    thread.name = "bgbfleet-identities"
                    thread.start()
                }
                group.notify(queue: .global()) { continuation.resume() }
            }
        } onCancel: {
            cancellation.stop()
        }

        let outcome = run.outcome()
        if let failure = outcome.failure { throw failure }
        if outcome.complete {
            manifest.count = count
            manifest.generatingCount = nil
            try writeManifest()
        }
        return GenerationReport(
            requestedCount: count, existing: existing, generated: outcome.generated,
            discarded: outcome.discarded, chunksWritten: outcome.chunksWritten, cancelled: !outcome.complete,
            poolCount: manifest.count, elapsed: ContinuousClock.now - start)
    }

    /// What each chunk up to `count` still needs. Complete chunks are checked by header and
    /// size only; chunks to extend are read and verified in full.
    func generationPlans(for count: Int) throws -> [ChunkGenerationPlan] {
        var plans = [ChunkGenerationPlan]()
        for chunk in 0 ..< chunkCount(for: count) {
            let needed = indexes(ofChunk: chunk, total: count)
            let path = identityChunkPath(chunk)
            guard let fileSize = try PoolFileSystem.fileSize(at: path),
                let prefix = try PoolFileSystem.readPrefix(path, count: ChunkFile.headerSize)
            else {
                plans.append(ChunkGenerationPlan(chunk: chunk, existingPayload: [], existingCount: 0, newIndexes: needed))
                continue
            }
            let header = try prefix.withUnsafeBytes {
                try ChunkFile.header(of: $0, fileSize: fileSize, kind: .identities, chunkNumber: chunk, path: path)
            }
            try checkKeyType(header, path: path)
            guard header.recordCount <= chunkSize else {
                throw IdentityPoolError.chunkCorrupt(path: path, reason: "holds \(header.recordCount) identities, more than the chunk size \(chunkSize)")
            }
            if header.recordCount >= needed.count { continue }
            // Extend: keep the existing records byte for byte after verifying them.
            guard let bytes = try PoolFileSystem.read(path) else { throw IdentityPoolError.chunkMissing(path: path) }
            let payload = try bytes.withUnsafeBytes { buffer in
                try ChunkFile.withVerifiedPayload(of: buffer, kind: .identities, chunkNumber: chunk, path: path) { header, payload in
                    try ChunkFile.forEachRecord(in: payload, count: header.recordCount, path: path) { position, record in
                        _ = try Identity(record: record, expectedIndex: needed.lowerBound + position, keyType: keyType, path: path)
                    }
                    return (Array(payload), header.recordCount)
                }
            }
            plans.append(ChunkGenerationPlan(
                chunk: chunk, existingPayload: payload.0, existingCount: payload.1,
                newIndexes: needed.lowerBound + payload.1 ..< needed.upperBound))
        }
        return plans
    }

    /// One worker thread: takes pieces until none is left or the run stops.
    func generationWorker(_ run: GenerationRun, issuer: IdentityIssuer?, progress: (@Sendable (GenerationProgress) -> Void)?) {
        while let piece = run.take() {
            var records = [UInt8]()
            for index in piece.indexes {
                if run.shouldStop { return }
                do {
                    try Identity.generate(index: index, keyType: keyType, namePrefix: namePrefix, issuer: issuer, derivation: derivation)
                        .appendRecord(to: &records)
                } catch {
                    run.fail(error)
                    return
                }
                let current = run.tick()
                progress?(current)
            }
            guard let chunk = run.finish(piece, records: records) else { continue }
            let file = ChunkFile.encode(
                kind: .identities, keyTypeCode: keyType.fileCode, chunkNumber: chunk.plan.chunk,
                recordCount: chunk.recordCount, payload: chunk.payload)
            do {
                try PoolFileSystem.writeAtomically(file, to: identityChunkPath(chunk.plan.chunk))
                run.chunkWritten(newIdentities: chunk.plan.newIndexes.count)
            } catch {
                run.fail(error)
                return
            }
        }
    }
}
