import Crypto
import FleetIdentity
import Foundation
import NIOSSL
import SwiftASN1
import TestSupport
import Testing
import X509

@Suite("PKI identities issued by a CA")
struct IdentityIssuerTests {
    /// Writes a P-256 CA (certificate and key PEM) valid `from … to`, or a non-CA certificate.
    static func writeCA(in directory: TemporaryDirectory, name: String = "ca", isCA: Bool = true, validFor interval: (TimeInterval, TimeInterval) = (-3600, 86_400)) throws -> (certificate: String, key: String) {
        try TestCertificateAuthority(commonName: "test CA \(name)", isCA: isCA, validFor: interval).writePEM(in: directory.url, name: name)
    }

    @Test("a pool generated from a CA holds client authentication certificates the CA signed, recorded as PKI", arguments: [IdentityKeyType.p256, .rsa2048])
    func generateFromCA(keyType: IdentityKeyType) async throws {
        try await withTemporaryDirectory { directory in
            let ca = try Self.writeCA(in: directory)
            let issuer = try IdentityIssuer.load(certificateFile: ca.certificate, keyFile: ca.key)
            var pool = try IdentityPool.create(at: directory.child("pool"), keyType: keyType, chunkSize: 4)
            try await pool.generate(count: 3, issuer: issuer)
            let identities = try pool.load(range: 0..<3)
            for identity in identities {
                #expect(identity.certificateKind == .pki)
                let certificate = try identity.smsCertificate.certificate()
                #expect(certificate.issuer == issuer.certificate.subject)
                #expect(try certificate.extensions.extendedKeyUsage?.contains(.clientAuth) == true)
                #expect(try certificate.publicKey == identity.smsCertificate.privateKey().publicKey)
                #expect(issuer.certificate.publicKey.isValidSignature(certificate.signature, for: certificate))
            }
            let selfSigned = try Identity.generate(index: 9, keyType: .p256)
            #expect(selfSigned.certificateKind == .selfSignedSMS)
        }
    }

    @Test("a missing file, a key of another certificate, a certificate that is not a CA or has expired: errors naming the file")
    func badCA() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let good = try Self.writeCA(in: directory, name: "good")
        let other = try Self.writeCA(in: directory, name: "other")
        let leaf = try Self.writeCA(in: directory, name: "leaf", isCA: false)
        let expired = try Self.writeCA(in: directory, name: "expired", validFor: (-7200, -3600))
        let cases: [(String, String, String)] = [
            ("/nonexistent/ca.pem", good.key, "/nonexistent/ca.pem"),
            (good.certificate, "/nonexistent/ca.key", "/nonexistent/ca.key"),
            (good.certificate, other.key, "does not belong"),
            (leaf.certificate, leaf.key, "not a CA"),
            (expired.certificate, expired.key, "not valid now"),
            (good.key, good.key, good.key),
        ]
        for (certificate, key, fragment) in cases {
            do {
                _ = try IdentityIssuer.load(certificateFile: certificate, keyFile: key)
                Issue.record("accepted \(certificate) with \(key)")
            } catch {
                #expect(error.description.contains(fragment), "\(error)")
            }
        }
    }
}


@Suite("PKI certificates imported into a pool")
struct PKIImportTests {
    /// A client certificate from a fresh CA: with the client authentication EKU or without, valid or expired.
    static func clientCertificate(clientAuth: Bool = true, expired: Bool = false) throws -> (Certificate, P256.Signing.PrivateKey) {
        try TestCertificateAuthority(commonName: "import CA").issue(
            commonName: "client.lab.test",
            extensions: try Certificate.Extensions {
                if clientAuth { try ExtendedKeyUsage([.clientAuth]) } else { try ExtendedKeyUsage([.serverAuth]) }
            },
            validFor: expired ? (-7200, -3600) : (-3600, 86_400)
        )
    }

    static func writePEM(_ pair: (Certificate, P256.Signing.PrivateKey), in directory: TemporaryDirectory, name: String) throws -> (String, String) {
        try TestCertificateAuthority.writePEM(pair, in: directory.url, name: name)
    }

    static func writePFX(_ pair: (Certificate, P256.Signing.PrivateKey), in directory: TemporaryDirectory, name: String, password: String) throws -> String {
        var serializer = DER.Serializer()
        try serializer.serialize(pair.0)
        let bundle = NIOSSLPKCS12Bundle(
            certificateChain: [try NIOSSLCertificate(bytes: serializer.serializedBytes, format: .der)],
            privateKey: try NIOSSLPrivateKey(bytes: Array(pair.1.derRepresentation), format: .der)
        )
        let path = directory.url.appendingPathComponent("\(name).pfx").path
        try Data(try bundle.serialize(passphrase: Array(password.utf8))).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("PEM and PFX certificates join a pool as PKI identities with their keys, after the existing ones")
    func importIntoPool() async throws {
        try await withTemporaryDirectory { directory in
            var pool = try IdentityPool.create(at: directory.child("pool"), keyType: .p256, chunkSize: 2)
            try await pool.generate(count: 3)
            let pem = try Self.writePEM(try Self.clientCertificate(), in: directory, name: "a")
            let pfx = try Self.writePFX(try Self.clientCertificate(), in: directory, name: "b", password: "pfx-pass")
            let imported = [
                try PKICertificateImport.certificate(pemFile: pem.0, keyFile: pem.1),
                try PKICertificateImport.certificate(pfxFile: pfx, password: "pfx-pass"),
            ]
            #expect(try pool.append(imported) == 3..<5)
            let reopened = try IdentityPool.open(at: directory.child("pool"))
            #expect(reopened.count == 5)
            let identities = try reopened.load(range: 0..<5)
            #expect(identities.map(\.certificateKind) == [.selfSignedSMS, .selfSignedSMS, .selfSignedSMS, .pki, .pki])
            #expect(identities[3].certificateDER == imported[0].certificateDER)
            #expect(identities[4].privateKeyDER == imported[1].privateKeyDER)
            #expect(try identities[4].smsCertificate.privateKey().publicKey == identities[4].smsCertificate.certificate().publicKey)
        }
    }

    @Test("a wrong PFX password, a certificate without the client authentication EKU, an expired one, another key: errors naming the file")
    func badImports() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pfx = try Self.writePFX(try Self.clientCertificate(), in: directory, name: "p", password: "right")
        #expect(throws: IdentityIssuerError.self) { try PKICertificateImport.certificate(pfxFile: pfx, password: "wrong") }
        do {
            _ = try PKICertificateImport.certificate(pfxFile: pfx, password: "wrong")
        } catch {
            #expect(error.description.contains(pfx) && error.description.contains("wrong password"))
        }
        let serverOnly = try Self.writePEM(try Self.clientCertificate(clientAuth: false), in: directory, name: "server")
        let expired = try Self.writePEM(try Self.clientCertificate(expired: true), in: directory, name: "expired")
        let mismatched = try Self.writePEM(try Self.clientCertificate(), in: directory, name: "one")
        let other = try Self.writePEM(try Self.clientCertificate(), in: directory, name: "two")
        for (certificate, key, fragment) in [
            (serverOnly.0, serverOnly.1, "Client Authentication EKU"),
            (expired.0, expired.1, "expired"),
            (mismatched.0, other.1, "does not belong"),
            ("/nonexistent/c.pem", other.1, "/nonexistent/c.pem"),
        ] {
            do {
                _ = try PKICertificateImport.certificate(pemFile: certificate, keyFile: key)
                Issue.record("accepted \(certificate)")
            } catch {
                #expect(error.description.contains(fragment), "\(error)")
                #expect(error.description.contains(certificate))
            }
        }
    }
}
