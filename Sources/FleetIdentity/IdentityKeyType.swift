import Crypto
import X509

/// The key algorithm of a pool's identities.
///
/// Every identity in a pool has the same key type; it is fixed when the pool is created.
public enum IdentityKeyType: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// RSA 2048, public exponent 65537, certificates signed with sha256WithRSAEncryption.
    /// What ConfigMgr uses (protocol §6.1); the default.
    case rsa2048
    /// NIST P-256, certificates signed with ecdsa-with-SHA256. For simulator-only runs:
    /// whether a real MP accepts it is unknown.
    case p256

    public var description: String { rawValue }

    /// The signature algorithm of the self-signed certificate.
    public var signatureAlgorithm: Certificate.SignatureAlgorithm {
        switch self {
        case .rsa2048: return .sha256WithRSAEncryption
        case .p256: return .ecdsaWithSHA256
        }
    }

    /// The one-byte code used in the binary chunk files.
    var fileCode: UInt8 {
        switch self {
        case .rsa2048: return 1
        case .p256: return 2
        }
    }

    /// The key type of a chunk-file code, or `nil` for an unknown code.
    init?(fileCode: UInt8) {
        switch fileCode {
        case 1: self = .rsa2048
        case 2: self = .p256
        default: return nil
        }
    }
}
