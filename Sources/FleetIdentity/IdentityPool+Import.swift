import Foundation

extension IdentityPool {
    /// Appends identities holding these certificates (PKI ones from ``PKICertificateImport``), each
    /// with a new minted SMSID and the pool's NetBIOS name for its index; returns their indexes.
    /// Chunks are written atomically and the manifest last, so an interrupted import leaves the
    /// pool as it was.
    ///
    /// - Throws: ``IdentityPoolError/keyTypeMismatch(path:pool:requested:)`` for a certificate
    ///   whose key is not the pool's type, ``IdentityPoolError/countOutOfRange(requested:maximum:)``,
    ///   and the errors of reading and writing chunks.
    @discardableResult
    public mutating func append(_ certificates: [SMSCertificate]) throws -> Range<Int> {
        let start = count
        for certificate in certificates where certificate.keyType != keyType {
            throw IdentityPoolError.keyTypeMismatch(path: manifestPath, pool: keyType, requested: certificate.keyType)
        }
        let total = start + certificates.count
        guard total <= Self.maximumCount else { throw IdentityPoolError.countOutOfRange(requested: total, maximum: Self.maximumCount) }
        guard manifest.generatingCount == nil else {
            throw IdentityPoolError.directoryNotWritable(path: directoryPath, reason: "a generation is unfinished: finish it with identities generate first")
        }
        guard !certificates.isEmpty else { return start..<start }
        try PoolFileSystem.ensurePrivateDirectory(identitiesPath)
        try PoolFileSystem.ensurePrivateDirectory(registrationsPath)
        for plan in try generationPlans(for: total) {
            var payload = plan.existingPayload
            for index in plan.newIndexes {
                Identity(
                    index: index,
                    mintedSMSID: .random(),
                    netbiosName: Identity.netbiosName(forIndex: index, prefix: namePrefix),
                    smsCertificate: certificates[index - start]
                ).appendRecord(to: &payload)
            }
            let file = ChunkFile.encode(
                kind: .identities, keyTypeCode: keyType.fileCode, chunkNumber: plan.chunk,
                recordCount: plan.existingCount + plan.newIndexes.count, payload: payload)
            try PoolFileSystem.writeAtomically(file, to: identityChunkPath(plan.chunk))
        }
        manifest.count = total
        try writeManifest()
        return start..<total
    }
}
