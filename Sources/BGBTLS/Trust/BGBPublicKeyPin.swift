import Foundation

/// A pinned server public key: the SHA-256 of the certificate's SubjectPublicKeyInfo (DER), as
/// `curl --pinnedpubkey` and HPKP write it: `sha256/` followed by the Base64 of the 32 bytes.
///
/// `openssl x509 -in mp.pem -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64`
/// prints the Base64 part.
public struct BGBPublicKeyPin: Sendable, Hashable, CustomStringConvertible {
    /// SHA-256 of the SubjectPublicKeyInfo DER (32 bytes).
    public let sha256: [UInt8]

    public init(sha256: [UInt8]) {
        precondition(sha256.count == 32, "a SHA-256 digest has 32 bytes")
        self.sha256 = sha256
    }

    /// Parses `sha256/BASE64`.
    /// - Throws: ``BGBTrustError/malformedPin(_:)`` for anything else.
    public init(parsing text: String) throws(BGBTrustError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("sha256/"),
            let bytes = Data(base64Encoded: String(trimmed.dropFirst("sha256/".count))),
            bytes.count == 32
        else { throw .malformedPin(text) }
        self.init(sha256: Array(bytes))
    }

    /// The pin of a certificate (DER): the SHA-256 of its SubjectPublicKeyInfo.
    public init(certificateDER: [UInt8]) throws(BGBTrustError) {
        guard let info = BGBCertificateInfo(der: certificateDER) else { throw .unparsableCertificate }
        self.init(sha256: info.publicKeySHA256)
    }

    public var description: String { "sha256/" + Data(sha256).base64EncodedString() }
}
