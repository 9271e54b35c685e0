import Foundation

/// `manifest.json`: what a pool is. Rewritten atomically; identities live in chunk files.
///
/// ```json
/// {"formatVersion":1,"count":100000,"keyType":"rsa2048","created":"2026-11-26T17:46:01Z",
///  "chunkSize":1024,"generatingCount":null}
/// ```
/// `count` identities are complete. `generatingCount`, when present, is the target of a
/// generation that has not finished (interrupted or running); chunks beyond `count` may
/// already exist for it.
struct PoolManifest: Codable, Equatable, Sendable {
    var formatVersion: Int
    var count: Int
    var keyType: IdentityKeyType
    var created: Date
    var chunkSize: Int
    var generatingCount: Int?
    /// The NetBIOS name prefix of the pool's identities (`identities generate --name-prefix`);
    /// absent in pools made before it could be chosen: `BGBSIM`.
    var namePrefix: String?
    /// Present when the identities are derived from a seed (``IdentityDerivation``); absent:
    /// random SMSIDs and keys, names from the pool's own indexes.
    var derivation: IdentityDerivation?

    private struct VersionProbe: Decodable {
        var formatVersion: Int
    }

    static func decode(_ bytes: [UInt8], path: String) throws -> PoolManifest {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let data = Data(bytes)
        let version: Int
        do {
            version = try decoder.decode(VersionProbe.self, from: data).formatVersion
        } catch {
            throw IdentityPoolError.manifestUnreadable(path: path, reason: "not a pool manifest (\(error))")
        }
        guard version == IdentityPool.formatVersion else {
            throw IdentityPoolError.unsupportedFormatVersion(
                path: path, found: version, supported: IdentityPool.formatVersion)
        }
        let manifest: PoolManifest
        do {
            manifest = try decoder.decode(PoolManifest.self, from: data)
        } catch {
            throw IdentityPoolError.manifestUnreadable(path: path, reason: "\(error)")
        }
        guard manifest.count >= 0, manifest.count <= IdentityPool.maximumCount else {
            throw IdentityPoolError.manifestUnreadable(path: path, reason: "count \(manifest.count) out of range")
        }
        guard manifest.chunkSize >= 1, manifest.chunkSize <= IdentityPool.maximumChunkSize else {
            throw IdentityPoolError.manifestUnreadable(path: path, reason: "chunkSize \(manifest.chunkSize) out of range")
        }
        if let prefix = manifest.namePrefix, let problem = Identity.checkNamePrefix(prefix) {
            throw IdentityPoolError.manifestUnreadable(path: path, reason: "namePrefix \(prefix) \(problem)")
        }
        return manifest
    }

    func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        // Encoding these plain fields cannot fail.
        return Array(try! encoder.encode(self)) + [0x0A]
    }
}
