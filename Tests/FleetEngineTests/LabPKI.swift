import BGBProtocol
import Crypto
import FleetEngine
import Foundation
import SwiftASN1
import X509

/// A lab PKI generated in-test (P-256: cheap): a CA, an MP certificate for 127.0.0.1 and client
/// authentication certificates, written as PEM files where the tools read files.
struct LabPKI {
    let directory: URL
    let caKey = P256.Signing.PrivateKey()
    let caName: DistinguishedName
    let caCertificate: Certificate

    init(name: String = "bgbfleet lab CA") throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("bgbfleet-pki-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        caName = try DistinguishedName { CommonName(name) }
        let now = Date()
        caCertificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: Certificate.PublicKey(caKey.publicKey),
            notValidBefore: now.addingTimeInterval(-3600),
            notValidAfter: now.addingTimeInterval(86_400),
            issuer: caName,
            subject: caName,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                KeyUsage(keyCertSign: true)
            },
            issuerPrivateKey: Certificate.PrivateKey(caKey)
        )
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    func write(_ text: String, _ name: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The CA certificate as a PEM file.
    func caFile() throws -> String { try write(caCertificate.serializeAsPEM().pemString, "ca.pem") }

    func issue(commonName: String, extensions: Certificate.Extensions) throws -> (certificate: Certificate, key: P256.Signing.PrivateKey) {
        let key = P256.Signing.PrivateKey()
        let now = Date()
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600),
            notValidAfter: now.addingTimeInterval(86_400),
            issuer: caName,
            subject: try DistinguishedName { CommonName(commonName) },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: extensions,
            issuerPrivateKey: Certificate.PrivateKey(caKey)
        )
        return (certificate, key)
    }

    /// The MP's certificate and key files (for 127.0.0.1 and localhost), and its DER.
    func serverFiles() throws -> (certificate: String, key: String, der: [UInt8]) {
        let (certificate, key) = try issue(
            commonName: "mp.lab.test",
            extensions: try Certificate.Extensions {
                SubjectAlternativeNames([.dnsName("localhost"), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))])
                try ExtendedKeyUsage([.serverAuth])
            }
        )
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return (
            try write(certificate.serializeAsPEM().pemString + "\n" + caCertificate.serializeAsPEM().pemString + "\n", "server.pem"),
            try write(key.pemRepresentation, "server-key.pem"),
            serializer.serializedBytes
        )
    }

    /// `count` client-authentication identities issued by the CA.
    func clients(_ count: Int) throws -> [FleetRawCredentials] {
        try (0..<count).map { index in
            let (certificate, key) = try issue(
                commonName: "client-\(index).lab.test",
                extensions: try Certificate.Extensions { try ExtendedKeyUsage([.clientAuth]) }
            )
            var serializer = DER.Serializer()
            try serializer.serialize(certificate)
            return FleetRawCredentials(
                smsID: try SMSID(guid: UUID().uuidString),
                certificateDER: serializer.serializedBytes,
                privateKeyDER: Array(key.derRepresentation)
            )
        }
    }
}

/// Identities held in memory (a pool issued by a test CA).
struct MemoryIdentitySource: FleetIdentitySource {
    let identities: [FleetRawCredentials]
    var count: Int { identities.count }
    func rawCredentials(for index: Int) throws -> FleetRawCredentials { identities[index] }
}
