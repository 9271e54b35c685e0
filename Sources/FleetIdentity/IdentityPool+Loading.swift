import Foundation

extension IdentityPool {
    /// Reads identity `index` with its registration (reads and verifies its whole chunk; for
    /// many identities use ``load(range:)``).
    ///
    /// - Throws: ``IdentityPoolError/indexOutOfRange(index:count:)`` and the errors of ``load(range:)``.
    public func identity(at index: Int) throws -> Identity {
        guard index >= 0, index < count else { throw IdentityPoolError.indexOutOfRange(index: index, count: count) }
        return try load(range: index ..< index + 1)[0]
    }

    /// Reads the identities of `range` with their registrations, in index order.
    ///
    /// Chunk files are read on all cores and checked (header, size, SHA-256, record layout);
    /// certificates and keys are not parsed. 100,000 identities load in a few seconds.
    ///
    /// - Throws: ``IdentityPoolError/indexOutOfRange(index:count:)`` when `range` leaves
    ///   `0 ..< count`; ``IdentityPoolError/chunkMissing(path:)``,
    ///   ``IdentityPoolError/chunkTruncated(path:expectedBytes:actualBytes:)``,
    ///   ``IdentityPoolError/chunkCorrupt(path:reason:)``, ``IdentityPoolError/ioFailed(path:reason:)``.
    public func load(range: Range<Int>) throws -> [Identity] {
        guard range.lowerBound >= 0 else { throw IdentityPoolError.indexOutOfRange(index: range.lowerBound, count: count) }
        guard range.upperBound <= count else {
            throw IdentityPoolError.indexOutOfRange(index: range.upperBound - 1, count: count)
        }
        if range.isEmpty { return [] }
        let firstChunk = chunk(containing: range.lowerBound)
        let lastChunk = chunk(containing: range.upperBound - 1)
        let perChunk = try concurrentMap(count: lastChunk - firstChunk + 1) { offset -> [Identity] in
            let chunk = firstChunk + offset
            let wanted = indexes(ofChunk: chunk, total: count).clamped(to: range)
            return try readIdentities(chunk: chunk, wanted: wanted)
        }
        var identities = [Identity]()
        identities.reserveCapacity(range.count)
        for part in perChunk { identities.append(contentsOf: part) }
        return identities
    }

    /// Reads all `count` identities.
    public func loadAll() throws -> [Identity] {
        try load(range: 0 ..< count)
    }

    /// Reads one chunk's identities `wanted` (a sub-range of the chunk) with registrations.
    func readIdentities(chunk: Int, wanted: Range<Int>) throws -> [Identity] {
        let path = identityChunkPath(chunk)
        guard let bytes = try PoolFileSystem.read(path) else { throw IdentityPoolError.chunkMissing(path: path) }
        let chunkStart = chunk * chunkSize
        var identities = [Identity]()
        identities.reserveCapacity(wanted.count)
        try bytes.withUnsafeBytes { buffer in
            try ChunkFile.withVerifiedPayload(of: buffer, kind: .identities, chunkNumber: chunk, path: path) { header, payload in
                try checkKeyType(header, path: path)
                guard header.recordCount >= wanted.upperBound - chunkStart, header.recordCount <= chunkSize else {
                    throw IdentityPoolError.chunkCorrupt(
                        path: path,
                        reason: "holds \(header.recordCount) identities; the pool needs \(wanted.upperBound - chunkStart) (chunk size \(chunkSize))")
                }
                try ChunkFile.forEachRecord(in: payload, count: header.recordCount, path: path) { position, record in
                    let index = chunkStart + position
                    guard wanted.contains(index) else { return }
                    identities.append(try Identity(record: record, expectedIndex: index, keyType: keyType, path: path))
                }
            }
        }
        let registrations = try readRegistrations(chunk: chunk)
        if !registrations.isEmpty {
            for position in identities.indices {
                identities[position].registration = registrations[identities[position].index]
            }
        }
        return identities
    }

    func checkKeyType(_ header: ChunkFile.Header, path: String) throws {
        guard header.keyTypeCode == keyType.fileCode else {
            let found = IdentityKeyType(fileCode: header.keyTypeCode).map(\.rawValue) ?? "unknown key type \(header.keyTypeCode)"
            throw IdentityPoolError.chunkCorrupt(path: path, reason: "holds \(found) identities, the pool is \(keyType)")
        }
    }

    /// Checks every chunk the pool's count needs (header, size, SHA-256, records) without
    /// keeping identities; returns the number of identities checked.
    public func verify() throws -> Int {
        let counts = try concurrentMap(count: chunkCount(for: count)) { chunk in
            try readIdentities(chunk: chunk, wanted: indexes(ofChunk: chunk, total: count)).count
        }
        return counts.reduce(0, +)
    }
}
