import Crypto
import Foundation
import SwiftASN1
import X509
import _CryptoExtras

/// A self-signed ConfigMgr "SMS" client certificate and its private key, generated to the
/// profile of protocol §6.1.
///
/// The same certificate is the registration `Encryption` and `Signing` certificate, the TLS
/// client certificate and the key behind every PayloadSignature. Values hold raw DER only;
/// ``certificate()`` and ``privateKey()`` parse on demand.
public struct SMSCertificate: Sendable, Hashable {
    /// The certificate, DER.
    public let certificateDER: [UInt8]
    /// The private key, PKCS#8 DER (RSA and P-256 alike).
    public let privateKeyDER: [UInt8]
    /// The key algorithm.
    public let keyType: IdentityKeyType

    /// Wraps existing DER without checking it; parsing happens in ``certificate()`` and
    /// ``privateKey()``.
    public init(certificateDER: [UInt8], privateKeyDER: [UInt8], keyType: IdentityKeyType) {
        self.certificateDER = certificateDER
        self.privateKeyDER = privateKeyDER
        self.keyType = keyType
    }

    /// Generates a new key and a self-signed certificate for it:
    /// X.509 v3, subject = issuer = `CN=<commonName>` (PrintableString), a positive random
    /// 16-byte serial, validity `now − 1 day … now + 1 year` (whole seconds),
    /// keyUsage digitalSignature + dataEncipherment (DER `03 02 04 90`) and extendedKeyUsage
    /// `1.3.6.1.4.1.311.101.2`, `1.3.6.1.4.1.311.101`, both not critical, no other extension.
    ///
    /// - Parameters:
    ///   - keyType: RSA 2048 (e = 65537, sha256WithRSAEncryption) or P-256 (ecdsa-with-SHA256).
    ///   - commonName: the subject and issuer CN; must be a valid PrintableString.
    ///   - now: the generation time the validity window is built around.
    ///   - p256Key: the key of a P-256 certificate (a derived identity); nil: a new one.
    public static func generate(
        keyType: IdentityKeyType = .rsa2048,
        commonName: String = SMSCertificate.defaultCommonName,
        now: Date = Date(),
        p256Key: P256.Signing.PrivateKey? = nil
    ) throws -> SMSCertificate {
        let (privateKey, privateKeyDER) = try newKey(keyType, p256Key: p256Key)

        let name = try DistinguishedName([
            RelativeDistinguishedName(
                RelativeDistinguishedName.Attribute(type: .RDNAttributeType.commonName, printableString: commonName)
            )
        ])
        let wholeSecondsNow = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        let certificate = try Certificate(
            version: .v3,
            serialNumber: randomSerialNumber(),
            publicKey: privateKey.publicKey,
            notValidBefore: wholeSecondsNow.addingTimeInterval(-86_400),
            notValidAfter: oneYear(after: wholeSecondsNow),
            issuer: name,
            subject: name,
            signatureAlgorithm: keyType.signatureAlgorithm,
            extensions: try profileExtensions(),
            issuerPrivateKey: privateKey
        )
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return SMSCertificate(
            certificateDER: serializer.serializedBytes,
            privateKeyDER: privateKeyDER,
            keyType: keyType
        )
    }

    /// A new private key (or `p256Key` for a P-256 one) and its PKCS#8 DER.
    static func newKey(_ keyType: IdentityKeyType, p256Key: P256.Signing.PrivateKey? = nil) throws -> (Certificate.PrivateKey, [UInt8]) {
        precondition(p256Key == nil || keyType == .p256, "a P-256 key for a \(keyType) certificate")
        switch keyType {
        case .rsa2048:
            // BoringSSL generates RSA-2048 keys faster than OpenSSL 3 here (0.14 s against 0.24 s of
            // CPU per key, measured in docs/performance.md); OpenSSL wins at signing instead.
            let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            return (Certificate.PrivateKey(key), Array(key.pkcs8DERRepresentation))
        case .p256:
            let key = p256Key ?? P256.Signing.PrivateKey()
            return (Certificate.PrivateKey(key), Array(key.derRepresentation))
        }
    }

    /// Generates a new key and a client authentication certificate for it issued by `issuer`
    /// (a PKI identity: ``IdentityIssuer/issue(publicKey:dnsName:now:)``).
    public static func issued(
        keyType: IdentityKeyType, dnsName: String, now: Date = Date(), issuer: IdentityIssuer, p256Key: P256.Signing.PrivateKey? = nil
    ) throws -> SMSCertificate {
        let (privateKey, privateKeyDER) = try newKey(keyType, p256Key: p256Key)
        let certificateDER = try issuer.issue(publicKey: privateKey.publicKey, dnsName: dnsName, now: now)
        return SMSCertificate(certificateDER: certificateDER, privateKeyDER: privateKeyDER, keyType: keyType)
    }

    /// Parses the certificate DER.
    public func certificate() throws -> Certificate {
        try Certificate(derEncoded: certificateDER)
    }

    /// Parses the PKCS#8 private key.
    public func privateKey() throws -> Certificate.PrivateKey {
        try Certificate.PrivateKey(derBytes: privateKeyDER)
    }

    /// The SHA-1 thumbprint of the certificate DER, 40 upper-case hex digits.
    public var thumbprint: String { Self.thumbprint(ofDER: certificateDER) }

    /// The SHA-1 thumbprint of any DER, 40 upper-case hex digits (protocol §6.1 convention).
    public static func thumbprint(ofDER der: [UInt8]) -> String {
        upperHex(Insecure.SHA1.hash(data: der))
    }

    /// A random serial of exactly 16 content bytes that is positive as a DER INTEGER: the top
    /// bit is cleared (positive) and the next one set (no leading zero byte to strip).
    static func randomSerialNumber() -> Certificate.SerialNumber {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        bytes[0] = (bytes[0] & 0x7F) | 0x40
        return Certificate.SerialNumber(bytes: bytes)
    }

    /// The same month and day one year later, in UTC (the vector's `2026-11-25 … 2027-11-26`
    /// window for a certificate made on 2026-11-26).
    static func oneYear(after date: Date) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(byAdding: .year, value: 1, to: date) ?? date.addingTimeInterval(365 * 86_400)
    }

    /// keyUsage then extendedKeyUsage, both not critical, exactly as §6.1 lists them.
    static func profileExtensions() throws -> Certificate.Extensions {
        let keyUsage = KeyUsage(digitalSignature: true, dataEncipherment: true)
        let extendedKeyUsage = try ExtendedKeyUsage(Self.extendedKeyUsageOIDs.map { ExtendedKeyUsage.Usage(oid: $0) })
        return try Certificate.Extensions([
            Certificate.Extension(keyUsage, critical: false),
            Certificate.Extension(extendedKeyUsage, critical: false),
        ])
    }
}

/// Upper-case hexadecimal of a byte sequence.
func upperHex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
    let digits = Array("0123456789ABCDEF".utf8)
    var out = [UInt8]()
    out.reserveCapacity(bytes.underestimatedCount * 2)
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: out, as: UTF8.self)
}
