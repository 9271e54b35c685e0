import Foundation

extension IdentityPool {
    /// Serialises read-merge-write cycles of registration files within this process.
    private static let registrationLock = NSLock()

    /// Records (or, with `nil`, removes) the registration of identity `index`.
    ///
    /// Rewrites that identity's registration file atomically; to record many registrations
    /// prefer ``updateRegistrations(_:)``, which rewrites each touched file once.
    ///
    /// - Throws: ``IdentityPoolError/indexOutOfRange(index:count:)``, the errors of reading a
    ///   registration file (``IdentityPoolError/chunkCorrupt(path:reason:)``…) and of writing it
    ///   (``IdentityPoolError/directoryNotWritable(path:reason:)``, ``IdentityPoolError/ioFailed(path:reason:)``).
    public func updateRegistration(index: Int, state: RegistrationState?) throws {
        try updateRegistrations([(index, state)])
    }

    /// Records (or, with a `nil` state, removes) the registrations of many identities: one
    /// atomic rewrite per registration file (per chunk) touched; the last entry for an index wins.
    ///
    /// Identity files are never touched. Safe to call from several threads of one process;
    /// two processes must not update the same pool at once.
    ///
    /// - Throws: as ``updateRegistration(index:state:)``; nothing is written when an index is
    ///   out of range. Chunks written before a failure keep their update.
    public func updateRegistrations(_ updates: [(index: Int, state: RegistrationState?)]) throws {
        for update in updates where update.index < 0 || update.index >= count {
            throw IdentityPoolError.indexOutOfRange(index: update.index, count: count)
        }
        var byChunk = [Int: [(index: Int, state: RegistrationState?)]]()
        for update in updates {
            byChunk[chunk(containing: update.index), default: []].append(update)
        }
        try Self.registrationLock.withLock {
            try PoolFileSystem.ensurePrivateDirectory(registrationsPath)
            for chunk in byChunk.keys.sorted() {
                var states = try readRegistrations(chunk: chunk)
                for update in byChunk[chunk]! {
                    states[update.index] = update.state
                }
                try writeRegistrations(states, chunk: chunk)
            }
        }
    }

    /// Convenience for ``updateRegistrations(_:)`` with states to set.
    public func updateRegistrations(_ states: [Int: RegistrationState]) throws {
        try updateRegistrations(states.sorted { $0.key < $1.key }.map { (index: $0.key, state: Optional($0.value)) })
    }

    /// The registration of identity `index`, or `nil` when it has none.
    public func registration(at index: Int) throws -> RegistrationState? {
        guard index >= 0, index < count else { throw IdentityPoolError.indexOutOfRange(index: index, count: count) }
        return try readRegistrations(chunk: chunk(containing: index))[index]
    }

    /// Counts registrations by approval status, reading the registration files only.
    public func registrationSummary() throws -> RegistrationSummary {
        var summary = RegistrationSummary()
        for chunk in 0 ..< chunkCount(for: count) {
            for (index, state) in try readRegistrations(chunk: chunk) where index < count {
                summary.registered += 1
                switch state.approvalStatus {
                case .approved: summary.approved += 1
                case .pending: summary.pending += 1
                case .unknown, .notApplicable: summary.other += 1
                }
            }
        }
        summary.unregistered = count - summary.registered
        return summary
    }

    /// The registrations stored for chunk `chunk` (empty when it has no registration file).
    func readRegistrations(chunk: Int) throws -> [Int: RegistrationState] {
        let path = registrationChunkPath(chunk)
        guard let bytes = try PoolFileSystem.read(path) else { return [:] }
        let range = indexes(ofChunk: chunk, total: (chunk + 1) * chunkSize)
        var states = [Int: RegistrationState]()
        try bytes.withUnsafeBytes { buffer in
            try ChunkFile.withVerifiedPayload(of: buffer, kind: .registrations, chunkNumber: chunk, path: path) { header, payload in
                try ChunkFile.forEachRecord(in: payload, count: header.recordCount, path: path) { _, record in
                    let (index, state) = try RegistrationState.decode(record: record, path: path)
                    guard range.contains(index) else {
                        throw IdentityPoolError.chunkCorrupt(path: path, reason: "registration of identity \(index) does not belong to chunk \(chunk)")
                    }
                    states[index] = state
                }
            }
        }
        return states
    }

    /// Rewrites (or, when empty, removes) the registration file of chunk `chunk`.
    func writeRegistrations(_ states: [Int: RegistrationState], chunk: Int) throws {
        let path = registrationChunkPath(chunk)
        if states.isEmpty {
            try PoolFileSystem.remove(path)
            return
        }
        var payload = [UInt8]()
        for (index, state) in states.sorted(by: { $0.key < $1.key }) {
            state.appendRecord(index: index, to: &payload)
        }
        let file = ChunkFile.encode(
            kind: .registrations, keyTypeCode: 0, chunkNumber: chunk, recordCount: states.count, payload: payload)
        try PoolFileSystem.writeAtomically(file, to: path)
    }
}
