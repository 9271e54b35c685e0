import Crypto
import _CryptoExtras

extension ClientRegistrationRequest {
    /// Signs ``dataXML`` (UTF-16LE) with SHA-256 and sets ``signatureValue`` (reversed, upper-case hex).
    public mutating func sign(with key: _RSA.Signing.PrivateKey) throws {
        signatureValue = ReversedSignature.hex(try ReversedSignature.sign(signedBytes, with: key))
    }

    /// The result of checking a registration signature.
    public enum SignatureCheck: Hashable, Sendable {
        case valid(ReversedSignature.Digest)
        case invalid
        case unsupportedHashAlgorithm(String)
        case malformed(String)
    }

    /// Verifies ``signatureValue`` against `publicKey` over the exact `<Data>` text received
    /// (or ``dataXML`` for a request built in code), with the digest ``hashAlgorithm`` names.
    public func verifySignature(publicKey: _RSA.Signing.PublicKey) -> SignatureCheck {
        guard let digest = HashAlgorithmOID.digest(for: hashAlgorithm) else {
            return .unsupportedHashAlgorithm(hashAlgorithm)
        }
        let signature: [UInt8]
        do {
            signature = try ReversedSignature.bytes(fromHex: signatureValue)
        } catch {
            return .malformed(error.description)
        }
        let data = UTF16LE.encode(signedDataText ?? dataXML)
        return ReversedSignature.isValid(signature, for: data, publicKey: publicKey, digest: digest)
            ? .valid(digest) : .invalid
    }
}
