import Crypto
import Foundation
import Testing
import X509

/// `identities generate --ca-cert/--ca-key` and `identities import` as a user runs them.
@Suite("Command line: PKI identities")
struct PKICLITests {
    @Test("a pool generated from a test CA and a PEM certificate imported into another are PKI identities")
    func generateAndImport() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bgbfleet-pki-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let caKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName { CommonName("cli test CA") }
        let now = Date()
        let ca = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(caKey.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(86_400),
            issuer: caName, subject: caName, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions { Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil)) },
            issuerPrivateKey: Certificate.PrivateKey(caKey)
        )
        let caFile = directory.appendingPathComponent("ca.pem").path
        let caKeyFile = directory.appendingPathComponent("ca-key.pem").path
        try ca.serializeAsPEM().pemString.write(toFile: caFile, atomically: true, encoding: .utf8)
        try caKey.pemRepresentation.write(toFile: caKeyFile, atomically: true, encoding: .utf8)

        let pool = directory.appendingPathComponent("pool").path
        let generate = try await CLITests.run(["identities", "generate", "--count", "2", "--out", pool, "--key", "p256", "--ca-cert", caFile, "--ca-key", caKeyFile])
        #expect(generate.status == 0, "\(generate.stderr)")
        #expect(generate.stderr.contains("PKI certificates issued by"))
        let show = try await CLITests.run(["identities", "show", "--out", pool, "1"])
        #expect(show.stdout.contains("certificate:  PKI"))
        #expect(show.stdout.contains("cli test CA"))

        let clientKey = P256.Signing.PrivateKey()
        let client = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(clientKey.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(86_400),
            issuer: caName, subject: try DistinguishedName { CommonName("imported.lab.test") }, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions { try ExtendedKeyUsage([.clientAuth]) },
            issuerPrivateKey: Certificate.PrivateKey(caKey)
        )
        let certificateFile = directory.appendingPathComponent("client.pem").path
        let keyFile = directory.appendingPathComponent("client-key.pem").path
        try client.serializeAsPEM().pemString.write(toFile: certificateFile, atomically: true, encoding: .utf8)
        try clientKey.pemRepresentation.write(toFile: keyFile, atomically: true, encoding: .utf8)
        let imported = directory.appendingPathComponent("imported").path
        let importRun = try await CLITests.run(["identities", "import", "--identities", imported, "--cert", certificateFile, "--key", keyFile])
        #expect(importRun.status == 0, "\(importRun.stderr)")
        #expect(importRun.stdout.contains("imported 1 PKI identities"))
        let importedShow = try await CLITests.run(["identities", "show", "--out", imported, "0"])
        #expect(importedShow.stdout.contains("certificate:  PKI"))
        #expect(importedShow.stdout.contains("imported.lab.test"))
    }
}
