import Foundation

/// A directory of pre-generated client identities, built once by
/// ``generate(count:keyType:jobs:stop:progress:)`` and loaded by every run in seconds.
///
/// On disk (all directories 0700, all files 0600, every file written atomically):
/// ```
/// DIR/manifest.json                     formatVersion, count, keyType, created, chunkSize
/// DIR/identities/chunk-NNNNNN.bin       identities k·chunkSize ..< (k+1)·chunkSize, raw DER
/// DIR/registrations/chunk-NNNNNN.bin    registration states of the same identities (optional)
/// ```
/// Both kinds of `.bin` file share one little-endian layout:
/// ```
///  0   8  magic "BGBIDNT1" (identities) or "BGBREGS1" (registrations)
///  8   2  format version · 10 1 key type (1 rsa2048, 2 p256; 0 in registrations) · 11 1 zero
/// 12   4  chunk number · 16 4 record count · 20 4 zero · 24 8 payload length P
/// 32   P  records, each a u32 length then the record
/// 32+P 32 SHA-256 of everything before it
/// identity record:     u32 index, u8+SMSID, u8+NetBIOS name, u16+certificate DER, u16+PKCS#8 key DER
/// registration record: u32 index, i8 approval, i64 registeredAt ms, u8+assigned SMSID, u16+MP (UTF-8)
/// ```
/// Loading checks sizes, checksums and record indexes but parses no certificate or key.
/// Identity *i* never changes once written; the registration files are separate and
/// rewritten whole, so the pool is never inconsistent.
///
/// The value is a snapshot of the manifest; it is `Sendable` and reading is thread-safe.
public struct IdentityPool: Sendable {
    /// The on-disk format this build reads and writes.
    public static let formatVersion = 1
    /// Identities per chunk file unless a pool was created with another size.
    public static let defaultChunkSize = 1024
    /// The largest chunk size a pool may use.
    public static let maximumChunkSize = 65_536
    /// The largest pool (NetBIOS names stay within 15 characters).
    public static let maximumCount = 100_000_000

    /// The pool directory.
    public let directory: URL
    var manifest: PoolManifest

    /// The number of complete identities, `0 ..< count`.
    public var count: Int { manifest.count }
    /// The key algorithm of every identity.
    public var keyType: IdentityKeyType { manifest.keyType }
    /// When the pool was created.
    public var created: Date { manifest.created }
    /// Identities per chunk file.
    public var chunkSize: Int { manifest.chunkSize }
    /// The NetBIOS name prefix of the pool's identities (`BGBSIM` unless chosen at creation).
    public var namePrefix: String { manifest.namePrefix ?? Identity.defaultNamePrefix }
    /// How the identities are derived from a seed; nil for random ones.
    public var derivation: IdentityDerivation? { manifest.derivation }
    /// The target count of a generation that has not finished, if any (interrupted or running).
    public var unfinishedGenerationCount: Int? { manifest.generatingCount }

    init(directory: URL, manifest: PoolManifest) {
        self.directory = directory
        self.manifest = manifest
    }

    // MARK: Paths

    var directoryPath: String { directory.path }
    /// `DIR/manifest.json`.
    public var manifestPath: String { directoryPath + "/manifest.json" }
    var identitiesPath: String { directoryPath + "/identities" }
    var registrationsPath: String { directoryPath + "/registrations" }

    static func chunkFileName(_ chunk: Int) -> String {
        let digits = String(chunk)
        return "chunk-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits + ".bin"
    }

    /// The identity chunk file of chunk `chunk`.
    public func identityChunkPath(_ chunk: Int) -> String { identitiesPath + "/" + Self.chunkFileName(chunk) }
    /// The registration file of chunk `chunk`.
    public func registrationChunkPath(_ chunk: Int) -> String { registrationsPath + "/" + Self.chunkFileName(chunk) }

    /// The chunk holding identity `index`.
    public func chunk(containing index: Int) -> Int { index / chunkSize }

    /// The identity indexes of chunk `chunk` within `0 ..< total`.
    func indexes(ofChunk chunk: Int, total: Int) -> Range<Int> {
        let start = chunk * chunkSize
        return start ..< min(start + chunkSize, total)
    }

    /// The number of chunk files `total` identities need.
    func chunkCount(for total: Int) -> Int { (total + chunkSize - 1) / chunkSize }

    // MARK: Create and open

    /// Creates an empty pool (count 0) in `directory`, which is created with mode 0700 when
    /// missing (its parent must exist). Fill it with ``generate(count:keyType:jobs:stop:progress:)``.
    ///
    /// - Throws: ``IdentityPoolError/poolExists(path:)`` when a manifest is already there,
    ///   ``IdentityPoolError/directoryMissing(path:)``, ``IdentityPoolError/notADirectory(path:)``,
    ///   ``IdentityPoolError/directoryNotWritable(path:reason:)``.
    public static func create(
        at directory: URL, keyType: IdentityKeyType, chunkSize: Int = IdentityPool.defaultChunkSize,
        namePrefix: String = Identity.defaultNamePrefix, derivation: IdentityDerivation? = nil
    ) throws -> IdentityPool {
        precondition(chunkSize >= 1 && chunkSize <= maximumChunkSize, "chunk size out of range")
        if let problem = Identity.checkNamePrefix(namePrefix) { throw IdentityPoolError.invalidNamePrefix(namePrefix, reason: problem) }
        let path = directory.standardizedFileURL.path
        let manifestPath = path + "/manifest.json"
        switch PoolFileSystem.entry(at: path) {
        case .missing:
            try PoolFileSystem.ensurePrivateDirectory(path)
        case .directory:
            if PoolFileSystem.entry(at: manifestPath) != .missing {
                throw IdentityPoolError.poolExists(path: manifestPath)
            }
            guard PoolFileSystem.isWritableDirectory(path) else {
                throw IdentityPoolError.directoryNotWritable(path: path, reason: "permission denied")
            }
            // A directory made for the pool becomes private; a populated one is left alone.
            if PoolFileSystem.names(in: path).isEmpty {
                try PoolFileSystem.ensurePrivateDirectory(path)
            }
        case .file, .other:
            throw IdentityPoolError.notADirectory(path: path)
        }
        let created = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        let pool = IdentityPool(
            directory: URL(fileURLWithPath: path, isDirectory: true),
            manifest: PoolManifest(
                formatVersion: formatVersion, count: 0, keyType: keyType, created: created,
                chunkSize: chunkSize, generatingCount: nil,
                namePrefix: namePrefix == Identity.defaultNamePrefix ? nil : namePrefix, derivation: derivation))
        try PoolFileSystem.ensurePrivateDirectory(pool.identitiesPath)
        try PoolFileSystem.ensurePrivateDirectory(pool.registrationsPath)
        try pool.writeManifest()
        return pool
    }

    /// Opens an existing pool: reads `manifest.json` only (chunks are read when loaded).
    ///
    /// - Throws: ``IdentityPoolError/directoryMissing(path:)``, ``IdentityPoolError/notADirectory(path:)``,
    ///   ``IdentityPoolError/manifestMissing(path:)``, ``IdentityPoolError/manifestUnreadable(path:reason:)``,
    ///   ``IdentityPoolError/unsupportedFormatVersion(path:found:supported:)``.
    public static func open(at directory: URL) throws -> IdentityPool {
        let path = directory.standardizedFileURL.path
        switch PoolFileSystem.entry(at: path) {
        case .missing: throw IdentityPoolError.directoryMissing(path: path)
        case .file, .other: throw IdentityPoolError.notADirectory(path: path)
        case .directory: break
        }
        let manifestPath = path + "/manifest.json"
        guard let bytes = try PoolFileSystem.read(manifestPath) else {
            throw IdentityPoolError.manifestMissing(path: manifestPath)
        }
        let manifest = try PoolManifest.decode(bytes, path: manifestPath)
        return IdentityPool(directory: URL(fileURLWithPath: path, isDirectory: true), manifest: manifest)
    }

    /// Opens the pool in `directory`, or creates it when there is none.
    ///
    /// - Parameter keyType: the key type for a new pool (default RSA 2048); for an existing
    ///   pool, `nil` accepts its key type and anything else must match it.
    /// - Throws: ``IdentityPoolError/keyTypeMismatch(path:pool:requested:)`` and the errors
    ///   of ``open(at:)`` and ``create(at:keyType:chunkSize:)``.
    public static func openOrCreate(
        at directory: URL, keyType: IdentityKeyType?, chunkSize: Int = IdentityPool.defaultChunkSize, namePrefix: String? = nil,
        derivation: IdentityDerivation? = nil
    ) throws -> IdentityPool {
        let path = directory.standardizedFileURL.path
        if PoolFileSystem.entry(at: path) == .directory, PoolFileSystem.entry(at: path + "/manifest.json") != .missing {
            let pool = try open(at: directory)
            if let keyType, keyType != pool.keyType {
                throw IdentityPoolError.keyTypeMismatch(path: pool.manifestPath, pool: pool.keyType, requested: keyType)
            }
            if let namePrefix, namePrefix != pool.namePrefix {
                throw IdentityPoolError.namePrefixMismatch(path: pool.manifestPath, pool: pool.namePrefix, requested: namePrefix)
            }
            if let derivation, derivation != pool.derivation {
                throw IdentityPoolError.derivationMismatch(path: pool.manifestPath, pool: pool.derivation, requested: derivation)
            }
            return pool
        }
        return try create(at: directory, keyType: keyType ?? .rsa2048, chunkSize: chunkSize,
                          namePrefix: namePrefix ?? Identity.defaultNamePrefix, derivation: derivation)
    }

    func writeManifest() throws {
        try PoolFileSystem.writeAtomically(manifest.encoded(), to: manifestPath)
    }
}
