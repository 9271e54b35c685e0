import Crypto
import Foundation
import SwiftASN1
import X509

/// A P-256 certificate authority generated in-test (P-256 keys are cheap): it issues server and
/// client certificates and writes itself as PEM files for the tools that read files.
public struct TestCertificateAuthority: Sendable {
    public let key: P256.Signing.PrivateKey
    public let name: DistinguishedName
    public let certificate: Certificate

    /// A self-signed CA named `commonName`, valid from `validFor.0` to `validFor.1` seconds
    /// from now; with `isCA` false, a plain self-signed certificate (no basic constraints).
    public init(commonName: String, isCA: Bool = true, validFor interval: (TimeInterval, TimeInterval) = (-3600, 86_400)) throws {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName(commonName) }
        let now = Date()
        self.key = key
        self.name = name
        self.certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: now.addingTimeInterval(interval.0),
            notValidAfter: now.addingTimeInterval(interval.1),
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                if isCA {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                    KeyUsage(keyCertSign: true)
                }
            },
            issuerPrivateKey: Certificate.PrivateKey(key)
        )
    }

    /// The CA certificate's DER.
    public var certificateDER: [UInt8] { (try? Self.der(certificate)) ?? [] }

    /// The CA certificate as PEM text.
    public var pem: String { (try? certificate.serializeAsPEM().pemString).map { $0 + "\n" } ?? "" }

    /// A certificate for `commonName` with `extensions`, signed by this CA, and its new key.
    public func issue(
        commonName: String,
        extensions: Certificate.Extensions,
        validFor interval: (TimeInterval, TimeInterval) = (-3600, 86_400)
    ) throws -> (certificate: Certificate, key: P256.Signing.PrivateKey) {
        let leafKey = P256.Signing.PrivateKey()
        let now = Date()
        let leaf = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: Certificate.PublicKey(leafKey.publicKey),
            notValidBefore: now.addingTimeInterval(interval.0),
            notValidAfter: now.addingTimeInterval(interval.1),
            issuer: name,
            subject: try DistinguishedName { CommonName(commonName) },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: extensions,
            issuerPrivateKey: Certificate.PrivateKey(key)
        )
        return (leaf, leafKey)
    }

    /// An MP (server authentication) certificate for `127.0.0.1` and `localhost`, and its key.
    public func issueServerCertificate(commonName: String = "mp.lab.test") throws -> (certificate: Certificate, key: P256.Signing.PrivateKey) {
        try issue(
            commonName: commonName,
            extensions: try Certificate.Extensions {
                SubjectAlternativeNames([.dnsName("localhost"), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))])
                try ExtendedKeyUsage([.serverAuth])
            }
        )
    }

    /// ``issueServerCertificate(commonName:)`` as DER: the certificate and the PKCS#8 key.
    public func issueServer(commonName: String) throws -> (certificateDER: [UInt8], privateKeyDER: [UInt8]) {
        let (leaf, leafKey) = try issueServerCertificate(commonName: commonName)
        return (try Self.der(leaf), Array(leafKey.derRepresentation))
    }

    /// Writes the CA's certificate and key as `NAME.pem` and `NAME-key.pem` in `directory`.
    public func writePEM(in directory: URL, name: String = "ca") throws -> (certificate: String, key: String) {
        try Self.writePEM((certificate, key), in: directory, name: name)
    }

    /// Writes a certificate and its key as `NAME.pem` and `NAME-key.pem` in `directory`.
    public static func writePEM(
        _ pair: (certificate: Certificate, key: P256.Signing.PrivateKey),
        in directory: URL,
        name: String
    ) throws -> (certificate: String, key: String) {
        let certificatePath = directory.appendingPathComponent("\(name).pem").path
        let keyPath = directory.appendingPathComponent("\(name)-key.pem").path
        try pair.certificate.serializeAsPEM().pemString.write(toFile: certificatePath, atomically: true, encoding: .utf8)
        try pair.key.pemRepresentation.write(toFile: keyPath, atomically: true, encoding: .utf8)
        return (certificatePath, keyPath)
    }

    /// The DER encoding of `certificate`.
    public static func der(_ certificate: Certificate) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return serializer.serializedBytes
    }
}
