import CCMMessaging
import Crypto
import SwiftASN1
import X509
import _CryptoExtras

/// What the simulator keeps of a client certificate: the DER, its SHA-1 thumbprint and, parsed on
/// first use, the public key. Certificates are never judged (spec §6.1): only the key is read.
struct ClientCertificate: Sendable, Hashable {
    let der: [UInt8]
    /// SHA-1 of the DER, upper-case hex.
    let thumbprint: String

    init(der: [UInt8]) {
        self.der = der
        self.thumbprint = Self.thumbprint(of: der)
    }

    static func thumbprint(of der: [UInt8]) -> String {
        ReversedSignature.hex(Array(Insecure.SHA1.hash(data: der)))
    }

    /// The certificate's public key, read leniently.
    func verificationKey() -> VerificationKey {
        VerificationKey(certificateDER: der)
    }
}

/// A public key the simulator can verify signatures with.
enum VerificationKey: Sendable {
    case rsa(_RSA.Signing.PublicKey)
    case p256(P256.Signing.PublicKey)
    case unsupported(String)

    /// Extracts the key: through swift-certificates, or — when the certificate does not parse (bad
    /// extension DER) — straight from the SubjectPublicKeyInfo.
    init(certificateDER der: [UInt8]) {
        if let certificate = try? Certificate(derEncoded: der) {
            if let key = _RSA.Signing.PublicKey(certificate.publicKey) {
                self = .rsa(key)
                return
            }
            if let key = P256.Signing.PublicKey(certificate.publicKey) {
                self = .p256(key)
                return
            }
        }
        guard let spki = Self.subjectPublicKeyInfo(in: der) else {
            self = .unsupported("the certificate's SubjectPublicKeyInfo cannot be read")
            return
        }
        if let key = try? _RSA.Signing.PublicKey(derRepresentation: spki) {
            self = .rsa(key)
        } else if let key = try? P256.Signing.PublicKey(derRepresentation: spki) {
            self = .p256(key)
        } else {
            self = .unsupported("the public key is neither RSA nor P-256")
        }
    }

    /// Walks Certificate → TBSCertificate → the seventh field (or sixth without `[0] version`).
    static func subjectPublicKeyInfo(in der: [UInt8]) -> [UInt8]? {
        guard let root = try? DER.parse(der), case .constructed(let fields) = root.content,
            let tbs = fields.first(where: { _ in true }), case .constructed(let tbsFields) = tbs.content
        else { return nil }
        var children = Array(tbsFields)
        if let first = children.first, first.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific) {
            children.removeFirst()
        }
        // serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo
        guard children.count >= 6 else { return nil }
        return Array(children[5].encodedBytes)
    }

    /// Verifies a reversed (CryptoAPI-order) signature over `data`: RSA PKCS#1 v1.5 with `digest`,
    /// or P-256 ECDSA with SHA-256 (raw or DER, reversed or not).
    func verify(reversed: [UInt8], data: [UInt8], digest: ReversedSignature.Digest) -> Bool {
        switch self {
        case .rsa(let key):
            return ReversedSignature.isValid(reversed, for: data, publicKey: key, digest: digest)
        case .p256(let key):
            let hash = SHA256.hash(data: data)
            for candidate in [Array(reversed.reversed()), reversed] {
                if let signature = try? P256.Signing.ECDSASignature(rawRepresentation: candidate),
                    key.isValidSignature(signature, for: hash)
                {
                    return true
                }
                if let signature = try? P256.Signing.ECDSASignature(derRepresentation: candidate),
                    key.isValidSignature(signature, for: hash)
                {
                    return true
                }
            }
            return false
        case .unsupported:
            return false
        }
    }

    /// Verifies an HTTP `PayloadSignature` (base64 of the reversed signature) over `payload`:
    /// RSA with SHA-256, then SHA-1 (spec §4.5); P-256 with SHA-256 in raw or DER form, reversed or not.
    func verifyPayloadSignature(_ base64: String, payload: [UInt8]) -> Bool {
        guard let reversed = try? ReversedSignature.bytes(fromBase64: base64) else { return false }
        if case .rsa = self {
            return verify(reversed: reversed, data: payload, digest: .sha256)
                || verify(reversed: reversed, data: payload, digest: .sha1)
        }
        return verify(reversed: reversed, data: payload, digest: .sha256)
    }
}
