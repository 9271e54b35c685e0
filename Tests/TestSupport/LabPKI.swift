import Crypto
import Foundation
import SwiftASN1
import X509

/// A lab PKI generated in-test (P-256: cheap): a CA, an MP certificate for 127.0.0.1 and client
/// authentication certificates, written as PEM files where the tools read files.
public struct LabPKI: Sendable {
    public let directory: URL
    public let authority: TestCertificateAuthority

    public var caKey: P256.Signing.PrivateKey { authority.key }
    public var caName: DistinguishedName { authority.name }
    public var caCertificate: Certificate { authority.certificate }

    public init(name: String = "bgbfleet lab CA") throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("bgbfleet-pki-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        authority = try TestCertificateAuthority(commonName: name)
    }

    public func remove() { try? FileManager.default.removeItem(at: directory) }

    /// Writes `text` as the file `name` in the PKI's directory and returns its path.
    public func write(_ text: String, _ name: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The CA certificate as a PEM file.
    public func caFile() throws -> String { try write(caCertificate.serializeAsPEM().pemString, "ca.pem") }

    /// A certificate for `commonName` with `extensions`, signed by the CA, and its key.
    public func issue(commonName: String, extensions: Certificate.Extensions) throws -> (certificate: Certificate, key: P256.Signing.PrivateKey) {
        try authority.issue(commonName: commonName, extensions: extensions)
    }

    /// The MP's certificate and key files (for 127.0.0.1 and localhost), and its DER.
    public func serverFiles() throws -> (certificate: String, key: String, der: [UInt8]) {
        let (certificate, key) = try authority.issueServerCertificate(commonName: "mp.lab.test")
        return (
            try write(certificate.serializeAsPEM().pemString + "\n" + caCertificate.serializeAsPEM().pemString + "\n", "server.pem"),
            try write(key.pemRepresentation, "server-key.pem"),
            try TestCertificateAuthority.der(certificate)
        )
    }
}
