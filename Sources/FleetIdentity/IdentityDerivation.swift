import Crypto
import Foundation

/// How a pool's identities are derived from a seed instead of drawn at random: identity `i` of
/// the pool is session `firstIndex + i` of the fleet, and its SMSID, NetBIOS name and (for
/// P-256) its private key follow from the seed and that session index alone.
///
/// A worker of a multi-host run generates its slice with the run ID as the seed and its first
/// session as `firstIndex` (`bgbfleet worker --generate-identities`): a worker restarted on any
/// host, or on a fresh volume, presents the same clients again, and no two workers of the run
/// ever mint the same SMSID. RSA-2048 keys stay random — BoringSSL's RSA key generation takes no
/// seed — so an RSA slice has the same SMSIDs and names but new keys (and certificates) when it
/// is generated anew. Certificates are always issued fresh (the validity window starts at the
/// generation time; ECDSA signatures are randomized).
public struct IdentityDerivation: Codable, Sendable, Hashable {
    /// The seed: the run ID of a multi-host run.
    public var seed: String
    /// The fleet's session index of the pool's identity 0.
    public var firstIndex: Int

    public init(seed: String, firstIndex: Int) {
        precondition(firstIndex >= 0, "firstIndex must not be negative")
        self.seed = seed
        self.firstIndex = firstIndex
    }

    /// The fleet's session index of the pool's identity `index`.
    public func sessionIndex(_ index: Int) -> Int { firstIndex + index }

    /// The SMSID of the pool's identity `index`: a version-4-shaped GUID from
    /// SHA-256(`"bgbfleet-smsid"`, seed, session index).
    public func smsid(forIndex index: Int) -> PoolSMSID {
        var bytes = Array(digest("bgbfleet-smsid", sessionIndex(index)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { String(format: "%02X", $0) }.joined()
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
        return PoolSMSID(uncheckedCanonical: "GUID:" + parts.joined(separator: "-"))
    }

    /// The P-256 private key of the pool's identity `index`: the scalar SHA-256(`"bgbfleet-p256"`,
    /// seed, session index, attempt), the first attempt that is a valid scalar (all but one in
    /// 2³² are).
    public func p256Key(forIndex index: Int) throws -> P256.Signing.PrivateKey {
        var lastError: Error?
        for attempt in 0..<16 {
            do {
                return try P256.Signing.PrivateKey(rawRepresentation: digest("bgbfleet-p256", sessionIndex(index), attempt: attempt))
            } catch {
                lastError = error
            }
        }
        throw lastError!
    }

    /// A directory name for a pool of this derivation: the seed (letters, digits, `-`, `_` and
    /// `.` kept, anything else `_`, at most 64), a short hash of it so that different seeds never
    /// share one, and the first session.
    public var directoryName: String {
        let safe = String(seed.unicodeScalars.prefix(64).map { scalar -> Character in
            let kept = scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "-_.".unicodeScalars.contains(scalar))
            return kept ? Character(scalar) : "_"
        })
        let hash = SHA256.hash(data: Data(seed.utf8)).prefix(4).map { String(format: "%02x", $0) }.joined()
        return "\(safe)-\(hash)-from-\(firstIndex)"
    }

    private func digest(_ label: String, _ session: Int, attempt: Int = 0) -> [UInt8] {
        var hasher = SHA256()
        for field in [label, seed, String(session), String(attempt)] {
            let bytes = Array(field.utf8)
            withUnsafeBytes(of: UInt32(bytes.count).bigEndian) { hasher.update(bufferPointer: $0) }
            hasher.update(data: bytes)
        }
        return Array(hasher.finalize())
    }
}
