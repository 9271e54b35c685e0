import Foundation

/// Where a run's identities come from and what the run may do to get them.
///
/// A pool the user named (`--identities`) must already exist and hold every identity the run
/// reads: it is never created or extended behind the user's back. The default pool (in the
/// cache directory) is created on first use and filled up to the run's session count, so that
/// later runs reuse it.
public struct IdentityPoolPolicy: Sendable, Hashable {
    /// The pool's directory.
    public var path: String
    /// Whether the user named the pool; otherwise it is the default pool.
    public var isExplicit: Bool
    /// The key type of a default pool created here (ConfigMgr's RSA-2048 unless told otherwise).
    public var defaultKeyType: IdentityKeyType

    /// The pool at `explicitPath` when the user named one, else the default pool at `defaultPath`.
    public init(explicitPath: String?, defaultPath: String, defaultKeyType: IdentityKeyType = .rsa2048) {
        self.path = explicitPath ?? defaultPath
        self.isExplicit = explicitPath != nil
        self.defaultKeyType = defaultKeyType
    }

    /// What opening the pool takes.
    public enum Decision: Sendable, Hashable {
        /// The pool holds enough identities.
        case use
        /// Generate the default pool up to `count` identities (creating it when missing).
        case generate(upTo: Int)
    }

    /// The decision for a run of `sessions` sessions that reads `needed` identities (its shard's
    /// share), given the pool's size (`nil`: there is no pool yet).
    ///
    /// - Throws: ``IdentityPoolPolicyError`` when a pool the user named is missing or too small.
    public func decision(available: Int?, sessions: Int, needed: Int) throws(IdentityPoolPolicyError) -> Decision {
        if isExplicit {
            guard let available else { throw .missing(path: path, sessions: sessions) }
            guard available >= needed else {
                throw .tooSmall(path: path, sessions: sessions, needed: needed, available: available)
            }
            return .use
        }
        guard let available, available >= sessions else { return .generate(upTo: sessions) }
        return .use
    }

    /// Opens the pool for a run of `sessions` sessions that reads `needed` identities, creating
    /// and filling the default pool when it falls short.
    ///
    /// - Parameters:
    ///   - willGenerate: called with the number of identities about to be generated, before
    ///     generation starts (only for the default pool, only when it falls short).
    ///   - progress: generation progress, from worker threads.
    /// - Throws: ``IdentityPoolPolicyError``, the errors of ``IdentityPool/open(at:)``,
    ///   ``IdentityPool/openOrCreate(at:keyType:chunkSize:namePrefix:)`` and generation, and those
    ///   of creating the default pool's parent directories.
    public func open(
        sessions: Int,
        needed: Int,
        willGenerate: (_ count: Int) -> Void = { _ in },
        progress: (@Sendable (GenerationProgress) -> Void)? = nil
    ) async throws -> IdentityPool {
        let directory = URL(fileURLWithPath: path)
        if isExplicit {
            guard FileManager.default.fileExists(atPath: path + "/manifest.json") else {
                throw IdentityPoolPolicyError.missing(path: path, sessions: sessions)
            }
            let pool = try IdentityPool.open(at: directory)
            _ = try decision(available: pool.count, sessions: sessions, needed: needed)
            return pool
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var pool = try IdentityPool.openOrCreate(at: directory, keyType: defaultKeyType)
        if case .generate(let count) = try decision(available: pool.count, sessions: sessions, needed: needed) {
            willGenerate(count - pool.count)
            try await pool.generate(count: count, progress: progress)
        }
        return pool
    }
}

/// Why a pool the user named cannot serve a run.
public enum IdentityPoolPolicyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The directory holds no pool (no `manifest.json`).
    case missing(path: String, sessions: Int)
    /// The pool holds fewer identities than the run reads.
    case tooSmall(path: String, sessions: Int, needed: Int, available: Int)

    public var description: String {
        switch self {
        case .missing(let path, let sessions):
            "identity pool \(path): no manifest.json (create it with `bgbfleet identities generate --count \(sessions) --identities \(path)`)"
        case .tooSmall(let path, let sessions, let needed, let available):
            "\(sessions) sessions need \(needed) identities; the pool \(path) has \(available): "
                + "run `bgbfleet identities generate --count \(sessions) --identities \(path)`"
        }
    }
}
