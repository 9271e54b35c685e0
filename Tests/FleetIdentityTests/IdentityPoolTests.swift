import Foundation
import TestSupport
import Testing
import X509

@testable import FleetIdentity

@Suite struct IdentityPoolTests {
    /// A P-256 pool of `count` identities with a small chunk size, so a few identities span
    /// several chunk files.
    func makePool(in directory: TemporaryDirectory, count: Int, chunkSize: Int = 4) async throws -> IdentityPool {
        var pool = try IdentityPool.create(at: directory.child("pool"), keyType: .p256, chunkSize: chunkSize)
        let report = try await pool.generate(count: count, jobs: 2)
        #expect(report.generated == count)
        #expect(!report.cancelled)
        #expect(pool.count == count)
        return pool
    }

    @Test func roundTrip() async throws {
        try await withTemporaryDirectory { directory in
            let progress = ProgressLog()
            var pool = try IdentityPool.create(at: directory.child("pool"), keyType: .p256, chunkSize: 4)
            let report = try await pool.generate(count: 10, keyType: .p256, jobs: 2) { progress.record($0) }
            #expect(report.generated == 10)
            #expect(report.existing == 0)
            #expect(report.chunksWritten == 3)
            #expect(report.poolCount == 10)
            #expect(progress.values.count == 10)
            #expect(progress.values.map(\.done).sorted() == Array(1 ... 10))
            #expect(progress.values.allSatisfy { $0.total == 10 })

            let reopened = try IdentityPool.open(at: directory.child("pool"))
            #expect(reopened.count == 10)
            #expect(reopened.keyType == .p256)
            #expect(reopened.chunkSize == 4)
            #expect(reopened.unfinishedGenerationCount == nil)
            #expect(reopened.created == pool.created)

            let all = try reopened.loadAll()
            #expect(all.map(\.index) == Array(0 ..< 10))
            #expect(Set(all.map(\.mintedSMSID)).count == 10)
            #expect(Set(all.map(\.thumbprint)).count == 10)
            for identity in all {
                #expect(identity.netbiosName == Identity.netbiosName(forIndex: identity.index))
                #expect(identity.smsid == identity.mintedSMSID)
                #expect(identity.registration == nil)
                #expect(identity.keyType == .p256)
                let certificate = try identity.certificate()
                #expect(certificate.publicKey.isValidSignature(certificate.signature, for: certificate))
                #expect(try identity.privateKey().publicKey == certificate.publicKey)
            }
            #expect(try reopened.identity(at: 5) == all[5])
            #expect(try reopened.load(range: 3 ..< 9) == Array(all[3 ..< 9]))
            #expect(try reopened.load(range: 4 ..< 4).isEmpty)
            #expect(try reopened.verify() == 10)
            #expect(throws: IdentityPoolError.indexOutOfRange(index: 10, count: 10)) { try reopened.identity(at: 10) }
            #expect(throws: IdentityPoolError.indexOutOfRange(index: 10, count: 10)) { try reopened.load(range: 8 ..< 11) }
        }
    }

    @Test func smallRSAPool() async throws {
        try await withTemporaryDirectory { directory in
            var pool = try IdentityPool.openOrCreate(at: directory.child("rsa"), keyType: nil)
            #expect(pool.keyType == .rsa2048)
            #expect(pool.chunkSize == IdentityPool.defaultChunkSize)
            try await pool.generate(count: 3, jobs: 2)
            let identities = try IdentityPool.open(at: directory.child("rsa")).loadAll()
            #expect(identities.count == 3)
            for identity in identities {
                let certificate = try identity.certificate()
                #expect(certificate.signatureAlgorithm == .sha256WithRSAEncryption)
                #expect(certificate.publicKey.isValidSignature(certificate.signature, for: certificate))
                #expect(try identity.privateKey().publicKey == certificate.publicKey)
            }
        }
    }

    @Test func resumeFillsMissingChunksOnly() async throws {
        try await withTemporaryDirectory { directory in
            var pool = try await makePool(in: directory, count: 10)
            let before = try (0 ..< 3).map { try fileBytes(pool.identityChunkPath($0)) }
            let original = try pool.loadAll()
            try FileManager.default.removeItem(atPath: pool.identityChunkPath(1))
            #expect(throws: IdentityPoolError.chunkMissing(path: pool.identityChunkPath(1))) { try pool.loadAll() }

            let report = try await pool.generate(count: 10, jobs: 2)
            #expect(report.generated == 4)
            #expect(report.existing == 6)
            #expect(report.chunksWritten == 1)
            #expect(try fileBytes(pool.identityChunkPath(0)) == before[0])
            #expect(try fileBytes(pool.identityChunkPath(2)) == before[2])
            #expect(try fileBytes(pool.identityChunkPath(1)) != before[1])
            let after = try pool.loadAll()
            #expect(Array(after[0 ..< 4]) == Array(original[0 ..< 4]))
            #expect(Array(after[8 ..< 10]) == Array(original[8 ..< 10]))
            #expect(after[4].mintedSMSID != original[4].mintedSMSID)
        }
    }

    @Test func interruptedGenerationResumes() async throws {
        try await withTemporaryDirectory { directory in
            var pool = try IdentityPool.create(at: directory.child("pool"), keyType: .p256, chunkSize: 4)
            let stop = GenerationStopFlag()
            // Stop after the 6th identity: chunk 0 is complete, the later ones are not.
            let report = try await pool.generate(count: 12, jobs: 1, stop: stop) { progress in
                if progress.done == 6 { stop.stop() }
            }
            #expect(report.cancelled)
            #expect(report.generated == 4)
            #expect(report.discarded == 2)
            #expect(report.chunksWritten == 1)
            #expect(report.poolCount == 0)
            #expect(pool.count == 0)
            let reopened = try IdentityPool.open(at: directory.child("pool"))
            #expect(reopened.count == 0)
            #expect(reopened.unfinishedGenerationCount == 12)
            #expect(FileManager.default.fileExists(atPath: pool.identityChunkPath(0)))
            #expect(!FileManager.default.fileExists(atPath: pool.identityChunkPath(1)))
            let chunk0 = try fileBytes(pool.identityChunkPath(0))

            let resumed = try await pool.generate(count: 12, jobs: 2)
            #expect(!resumed.cancelled)
            #expect(resumed.existing == 4)
            #expect(resumed.generated == 8)
            #expect(pool.count == 12)
            #expect(try fileBytes(pool.identityChunkPath(0)) == chunk0)
            #expect(try IdentityPool.open(at: directory.child("pool")).unfinishedGenerationCount == nil)
            #expect(try pool.loadAll().count == 12)
        }
    }

    @Test func taskCancellationStopsGeneration() async throws {
        try await withTemporaryDirectory { directory in
            let url = directory.child("pool")
            _ = try IdentityPool.create(at: url, keyType: .p256, chunkSize: 4)
            let task = Task {
                var pool = try IdentityPool.open(at: url)
                return try await pool.generate(count: 20_000, jobs: 2)
            }
            try await Task.sleep(for: .milliseconds(200))
            task.cancel()
            let report = try await task.value
            #expect(report.cancelled)
            #expect(report.generated < 20_000)
            #expect(try IdentityPool.open(at: url).count == 0)
        }
    }

    @Test func extensionKeepsExistingIdentities() async throws {
        try await withTemporaryDirectory { directory in
            // Chunk size 16: the first 10 identities sit in a partial chunk that must be extended.
            var pool = try await makePool(in: directory, count: 10, chunkSize: 16)
            let first = try pool.loadAll()
            let report = try await pool.generate(count: 20, jobs: 2)
            #expect(report.existing == 10)
            #expect(report.generated == 10)
            #expect(pool.count == 20)
            let all = try IdentityPool.open(at: directory.child("pool")).loadAll()
            #expect(all.count == 20)
            #expect(Array(all[0 ..< 10]) == first)
            #expect(Set(all.map(\.mintedSMSID)).count == 20)
        }
    }

    @Test func neverShrinks() async throws {
        try await withTemporaryDirectory { directory in
            var pool = try await makePool(in: directory, count: 6)
            await #expect(throws: IdentityPoolError.cannotShrink(path: pool.manifestPath, existing: 6, requested: 5)) {
                try await pool.generate(count: 5)
            }
            let same = try await pool.generate(count: 6)
            #expect(same.generated == 0)
            #expect(same.existing == 6)
        }
    }

    @Test func keyTypeMismatch() async throws {
        try await withTemporaryDirectory { directory in
            var pool = try await makePool(in: directory, count: 2)
            await #expect(throws: IdentityPoolError.keyTypeMismatch(path: pool.manifestPath, pool: .p256, requested: .rsa2048)) {
                try await pool.generate(count: 4, keyType: .rsa2048)
            }
            #expect(throws: IdentityPoolError.keyTypeMismatch(path: pool.manifestPath, pool: .p256, requested: .rsa2048)) {
                try IdentityPool.openOrCreate(at: directory.child("pool"), keyType: .rsa2048)
            }
            #expect(try IdentityPool.openOrCreate(at: directory.child("pool"), keyType: nil).keyType == .p256)
            #expect(throws: IdentityPoolError.poolExists(path: pool.manifestPath)) {
                try IdentityPool.create(at: directory.child("pool"), keyType: .p256)
            }
        }
    }

    @Test func corruptionIsDetected() async throws {
        try await withTemporaryDirectory { directory in
            let pool = try await makePool(in: directory, count: 8)
            let path = pool.identityChunkPath(1)
            var bytes = try fileBytes(path)
            bytes[bytes.count / 2] ^= 0x01
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let error = #expect(throws: IdentityPoolError.self) { try pool.loadAll() }
            #expect(error == .chunkCorrupt(path: path, reason: "SHA-256 checksum mismatch"))
            #expect(error?.description.contains(path) == true)
            // Chunk 0 alone is still readable.
            #expect(try pool.load(range: 0 ..< 4).count == 4)
        }
    }

    @Test func truncatedChunkIsDetected() async throws {
        try await withTemporaryDirectory { directory in
            var pool = try await makePool(in: directory, count: 8)
            let path = pool.identityChunkPath(0)
            let bytes = try fileBytes(path)
            try Data(bytes.prefix(bytes.count - 100)).write(to: URL(fileURLWithPath: path))
            #expect(throws: IdentityPoolError.chunkTruncated(path: path, expectedBytes: bytes.count, actualBytes: bytes.count - 100)) {
                try pool.identity(at: 1)
            }
            // Generation refuses to build on it rather than silently replacing identities.
            await #expect(throws: IdentityPoolError.chunkTruncated(path: path, expectedBytes: bytes.count, actualBytes: bytes.count - 100)) {
                try await pool.generate(count: 8)
            }
            try Data(bytes.prefix(10)).write(to: URL(fileURLWithPath: path))
            #expect(throws: IdentityPoolError.chunkTruncated(path: path, expectedBytes: 64, actualBytes: 10)) {
                try pool.identity(at: 1)
            }
        }
    }

    @Test func chunkOfAnotherKeyTypeIsRejected() async throws {
        try await withTemporaryDirectory { directory in
            let pool = try await makePool(in: directory, count: 4)
            // Re-label the pool as RSA: the chunk's own key type must give it away.
            var manifest = pool.manifest
            manifest.keyType = .rsa2048
            try Data(manifest.encoded()).write(to: URL(fileURLWithPath: pool.manifestPath))
            let relabelled = try IdentityPool.open(at: directory.child("pool"))
            #expect(throws: IdentityPoolError.chunkCorrupt(path: pool.identityChunkPath(0), reason: "holds p256 identities, the pool is rsa2048")) {
                try relabelled.loadAll()
            }
        }
    }

    @Test func otherFormatVersionIsRejected() async throws {
        try await withTemporaryDirectory { directory in
            let pool = try await makePool(in: directory, count: 1)
            let text = try String(contentsOfFile: pool.manifestPath, encoding: .utf8)
                .replacingOccurrences(of: "\"formatVersion\" : 1", with: "\"formatVersion\" : 7")
            #expect(text.contains("\"formatVersion\" : 7"))
            try text.write(toFile: pool.manifestPath, atomically: true, encoding: .utf8)
            let error = #expect(throws: IdentityPoolError.unsupportedFormatVersion(path: pool.manifestPath, found: 7, supported: 1)) {
                try IdentityPool.open(at: directory.child("pool"))
            }
            #expect(error?.description.contains(pool.manifestPath) == true)

            try "{\"count\": 3}".write(toFile: pool.manifestPath, atomically: true, encoding: .utf8)
            let unreadable = #expect(throws: IdentityPoolError.self) { try IdentityPool.open(at: directory.child("pool")) }
            guard case .manifestUnreadable(let path, _) = unreadable else {
                Issue.record("expected manifestUnreadable, got \(String(describing: unreadable))")
                return
            }
            #expect(path == pool.manifestPath)
        }
    }

    @Test func missingDirectoriesAndFiles() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let missing = directory.child("nope")
        #expect(throws: IdentityPoolError.directoryMissing(path: missing.path)) { try IdentityPool.open(at: missing) }
        #expect(throws: IdentityPoolError.manifestMissing(path: directory.url.path + "/manifest.json")) {
            try IdentityPool.open(at: directory.url)
        }
        let deep = missing.appendingPathComponent("deeper")
        #expect(throws: IdentityPoolError.directoryMissing(path: missing.path)) {
            try IdentityPool.create(at: deep, keyType: .p256)
        }
        let file = directory.url.appendingPathComponent("file")
        try Data("x".utf8).write(to: file)
        #expect(throws: IdentityPoolError.notADirectory(path: file.path)) { try IdentityPool.open(at: file) }
        #expect(throws: IdentityPoolError.notADirectory(path: file.path)) { try IdentityPool.create(at: file, keyType: .p256) }
    }

    @Test func permissions() async throws {
        try await withTemporaryDirectory { directory in
            let pool = try await makePool(in: directory, count: 5)
            try pool.updateRegistration(index: 0, state: RegistrationState(
                mp: "mp.example", assignedSMSID: .random(), approvalStatus: .approved, registeredAt: Date()))
            #expect(try posixPermissions(pool.directory.path) == 0o700)
            #expect(try posixPermissions(pool.directory.path + "/identities") == 0o700)
            #expect(try posixPermissions(pool.directory.path + "/registrations") == 0o700)
            #expect(try posixPermissions(pool.manifestPath) == 0o600)
            #expect(try posixPermissions(pool.identityChunkPath(0)) == 0o600)
            #expect(try posixPermissions(pool.identityChunkPath(1)) == 0o600)
            #expect(try posixPermissions(pool.registrationChunkPath(0)) == 0o600)
            // No temporary files are left behind.
            let names = try FileManager.default.contentsOfDirectory(atPath: pool.directory.path + "/identities")
            #expect(names.sorted() == ["chunk-000000.bin", "chunk-000001.bin"])
        }
    }

    @Test func registrations() async throws {
        try await withTemporaryDirectory { directory in
            let pool = try await makePool(in: directory, count: 10)
            let identitiesBefore = try (0 ..< 3).map { try fileBytes(pool.identityChunkPath($0)) }
            let assigned = try #require(PoolSMSID("GUID:ED8C13AF-496B-4188-8633-DBA3120DA6EC"))
            let at = Date(timeIntervalSince1970: 1_795_715_161.123_456)
            let approved = RegistrationState(mp: "http://mp.example", assignedSMSID: assigned, approvalStatus: .approved, registeredAt: at)
            let pending = RegistrationState(mp: "http://mp.example", assignedSMSID: .random(), approvalStatus: .pending, registeredAt: at)
            try pool.updateRegistrations([1: approved, 5: pending, 9: approved])
            try pool.updateRegistration(index: 2, state: approved)

            let all = try IdentityPool.open(at: directory.child("pool")).loadAll()
            #expect(all[1].registration == approved)
            #expect(all[1].smsid == assigned)
            #expect(all[1].mintedSMSID != assigned)
            #expect(all[5].registration == pending)
            #expect(all[2].registration == approved)
            #expect(all[0].registration == nil)
            #expect(all[1].registration?.registeredAt.timeIntervalSince1970 == 1_795_715_161.123)
            #expect(try pool.registration(at: 9) == approved)
            #expect(try pool.registrationSummary() == RegistrationSummary(registered: 4, approved: 3, pending: 1, other: 0, unregistered: 6))

            try pool.updateRegistrations([(index: 5, state: nil), (index: 9, state: nil)])
            #expect(try pool.registration(at: 5) == nil)
            #expect(!FileManager.default.fileExists(atPath: pool.registrationChunkPath(2)))
            #expect(try pool.registrationSummary().registered == 2)
            // Registering never touches identity files.
            #expect(try (0 ..< 3).map { try fileBytes(pool.identityChunkPath($0)) } == identitiesBefore)
            #expect(throws: IdentityPoolError.indexOutOfRange(index: 10, count: 10)) {
                try pool.updateRegistration(index: 10, state: approved)
            }

            let path = pool.registrationChunkPath(0)
            var bytes = try fileBytes(path)
            bytes[40] ^= 0xFF
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            #expect(throws: IdentityPoolError.chunkCorrupt(path: path, reason: "SHA-256 checksum mismatch")) {
                try pool.loadAll()
            }
        }
    }
}

/// Collects progress callbacks from worker threads.
final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var log = [GenerationProgress]()

    func record(_ progress: GenerationProgress) {
        lock.withLock { log.append(progress) }
    }

    var values: [GenerationProgress] { lock.withLock { log } }
}
