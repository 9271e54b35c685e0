import BGBClient
import Crypto
import FleetIdentity
import Foundation
import Logging
import MPSimulator
import NIOPosix
import SwiftASN1
import Testing
import X509

/// Registration over HTTPS with `--mp-ca`: PKI identities from a test CA, the simulator as a PKI
/// MP (server certificate from the CA, client certificates required to chain to it).
@Suite("Registration against a PKI MP over HTTPS")
struct PKIRegistrationTests {
    /// An MP certificate for 127.0.0.1 issued by the CA at `ca`, written next to it.
    static func writeServerCertificate(ca: (certificate: String, key: String), in directory: TemporaryDirectory) throws -> (String, String) {
        let caCertificate = try Certificate(pemEncoded: String(contentsOfFile: ca.certificate, encoding: .utf8))
        let caKey = try Certificate.PrivateKey(pemEncoded: String(contentsOfFile: ca.key, encoding: .utf8))
        let key = P256.Signing.PrivateKey()
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(86_400),
            issuer: caCertificate.subject, subject: try DistinguishedName { CommonName("mp.lab.test") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                SubjectAlternativeNames([.ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))])
                try ExtendedKeyUsage([.serverAuth])
            },
            issuerPrivateKey: caKey
        )
        let certificatePath = directory.url.appendingPathComponent("server.pem").path
        let keyPath = directory.url.appendingPathComponent("server-key.pem").path
        try certificate.serializeAsPEM().pemString.write(toFile: certificatePath, atomically: true, encoding: .utf8)
        try key.pemRepresentation.write(toFile: keyPath, atomically: true, encoding: .utf8)
        return (certificatePath, keyPath)
    }

    @Test("identities issued by the CA register over HTTPS when the MP chains to the CA; against another CA the MP is refused")
    func registerOverHTTPS() async throws {
        try await withTemporaryDirectory { directory in
            let ca = try IdentityIssuerTests.writeCA(in: directory)
            let other = try IdentityIssuerTests.writeCA(in: directory, name: "other")
            let server = try Self.writeServerCertificate(ca: ca, in: directory)
            var pool = try IdentityPool.create(at: directory.child("pool"), keyType: .rsa2048, chunkSize: 2)
            try await pool.generate(count: 1, issuer: try IdentityIssuer.load(certificateFile: ca.certificate, keyFile: ca.key))

            var configuration = MPSimulatorConfiguration.ephemeral(stateDirectory: directory.url.appendingPathComponent("sim").path)
            configuration.httpTLS = true
            configuration.serverCertificateFile = server.0
            configuration.serverKeyFile = server.1
            configuration.clientCAFile = ca.certificate
            configuration.signatureVerification = .enforce
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            let simulator = MPSimulator(configuration: configuration, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger)
            let port = try await simulator.start().http!.port!

            func client(_ caFile: String) throws -> RegistrationClient {
                var tls = BGBTLSOptions(minimumVersion: .tls12, maximumVersion: .tls13)
                tls.serverValidation = .verified(BGBServerTrust(roots: try BGBTrustRoots(pemFile: caFile)))
                return try RegistrationClient(
                    target: RegistrationTarget(url: "https://127.0.0.1:\(port)"),
                    options: .init(attempts: 1, timeout: .seconds(10)),
                    rateLimiter: nil,
                    tls: tls
                )
            }
            let identity = try #require(try pool.load(range: 0..<1).first)
            #expect(identity.certificateKind == .pki)
            let refused = try await pool.register(range: 0..<1, client: try client(other.certificate))
            #expect(refused.approved == 0)
            #expect(refused.failures.count == 1)
            #expect("\(refused.failures)".contains("not trusted"))
            let report = try await pool.register(range: 0..<1, client: try client(ca.certificate))
            try await simulator.shutdown()
            #expect(report.approved == 1)
            #expect(report.failures.isEmpty)
            #expect(simulator.counters().clientCertificatesRefused.isEmpty)
        }
    }
}
