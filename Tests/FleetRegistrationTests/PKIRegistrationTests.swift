import BGBClient
import Crypto
import FleetIdentity
import FleetRegistration
import Foundation
import Logging
import MPSimulator
import NIOPosix
import SwiftASN1
import TestSupport
import Testing
import X509

/// Registration over HTTPS with `--mp-ca`: PKI identities from a test CA, the simulator as a PKI
/// MP (server certificate from the CA, client certificates required to chain to it).
@Suite("Registration against a PKI MP over HTTPS")
struct PKIRegistrationTests {
    @Test("identities issued by the CA register over HTTPS when the MP chains to the CA; against another CA the MP is refused")
    func registerOverHTTPS() async throws {
        try await withTemporaryDirectory { directory in
            let authority = try TestCertificateAuthority(commonName: "test CA ca")
            let ca = try authority.writePEM(in: directory.url, name: "ca")
            let other = try TestCertificateAuthority(commonName: "test CA other").writePEM(in: directory.url, name: "other")
            let server = try TestCertificateAuthority.writePEM(authority.issueServerCertificate(), in: directory.url, name: "server")
            var pool = try IdentityPool.create(at: directory.child("pool"), keyType: .rsa2048, chunkSize: 2)
            try await pool.generate(count: 1, issuer: try IdentityIssuer.load(certificateFile: ca.certificate, keyFile: ca.key))

            var configuration = MPSimulatorConfiguration.ephemeral(stateDirectory: directory.url.appendingPathComponent("sim").path)
            configuration.httpTLS = true
            configuration.serverCertificateFile = server.0
            configuration.serverKeyFile = server.1
            configuration.clientCAFile = ca.certificate
            configuration.signatureVerification = .enforce
            let (simulator, bound) = try await startQuietSimulator(configuration)
            let port = bound.http!.port!

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
