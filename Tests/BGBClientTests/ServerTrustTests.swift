import BGBClient
import BGBProtocol
import Crypto
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import SwiftASN1
import TestSupport
import Testing
import X509

@Suite("MP trust: CA roots, public-key pins, both TLS engines")
struct ServerTrustTests {
    let authority = try! TestCertificateAuthority(commonName: "bgbfleet test CA")
    let client = try! TLSTestIdentity(commonName: "trust test client")

    func writeTemporary(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "bgbfleet-trust-\(UUID().uuidString).pem"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("pins parse as sha256/BASE64 of 32 bytes; anything else is refused with the text")
    func pinParsing() throws {
        let digest = [UInt8](repeating: 7, count: 32)
        let text = "sha256/" + Data(digest).base64EncodedString()
        #expect(try BGBPublicKeyPin(parsing: text).sha256 == digest)
        #expect(try BGBPublicKeyPin(parsing: text).description == text)
        for bad in ["", "sha1/" + Data(digest).base64EncodedString(), "sha256/not-base64!", "sha256/" + Data([1, 2, 3]).base64EncodedString()] {
            #expect(throws: BGBTrustError.malformedPin(bad)) { try BGBPublicKeyPin(parsing: bad) }
        }
    }

    @Test("a CA file that is missing or holds no certificate is an error naming the file")
    func badCAFiles() throws {
        #expect(throws: BGBTrustError.self) { try BGBTrustRoots(pemFile: "/nonexistent/ca.pem") }
        do {
            _ = try BGBTrustRoots(pemFile: "/nonexistent/ca.pem")
        } catch {
            #expect(error.description.contains("/nonexistent/ca.pem"))
        }
        let empty = try writeTemporary("not a certificate\n")
        defer { try? FileManager.default.removeItem(atPath: empty) }
        #expect(throws: BGBTrustError.noCertificates(path: empty)) { try BGBTrustRoots(pemFile: empty) }
    }

    @Test("a chain to the CA validates for the names it carries; another CA, another name, another key fail with subject and thumbprint")
    func chainAndPins() throws {
        let path = try writeTemporary(authority.pem)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let roots = try BGBTrustRoots(pemFile: path)
        let (leaf, _) = try authority.issueServer(commonName: "mp.lab.test")
        let trust = BGBServerTrust(roots: roots)
        #expect(trust.verify(chain: [leaf], hostname: "127.0.0.1") == nil)
        #expect(trust.verify(chain: [leaf], hostname: "localhost") == nil)
        let wrongHost = try #require(trust.verify(chain: [leaf], hostname: "mp.contoso.com"))
        #expect(wrongHost.subject == "CN=mp.lab.test")

        let other = try TestCertificateAuthority(commonName: "another CA")
        let (stranger, _) = try other.issueServer(commonName: "impostor")
        let refused = try #require(trust.verify(chain: [stranger], hostname: "127.0.0.1"))
        #expect(refused.subject == "CN=impostor")
        let info = try #require(BGBCertificateInfo(der: stranger))
        #expect(refused.sha256Thumbprint == info.sha256Thumbprint)
        #expect(refused.sha256Thumbprint.count == 64)
        #expect(refused.description.contains(refused.sha256Thumbprint))

        let pin = try BGBPublicKeyPin(certificateDER: leaf)
        #expect(BGBServerTrust(pins: [pin]).verify(chain: [leaf], hostname: nil) == nil)
        let pinRefusal = try #require(BGBServerTrust(pins: [pin]).verify(chain: [stranger], hostname: nil))
        #expect(pinRefusal.reason.contains("not pinned"))
        // Both: the chain and the pin must hold.
        #expect(BGBServerTrust(roots: roots, pins: [try BGBPublicKeyPin(certificateDER: stranger)]).verify(chain: [leaf], hostname: "127.0.0.1") != nil)
    }

    /// A NIOSSL server presenting `certificate`, requiring (and accepting any) client certificate.
    func startServer(certificateDER: [UInt8], privateKeyDER: [UInt8]) async throws -> Channel {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: certificateDER, format: .der))],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: privateKeyDER, format: .der))
        )
        configuration.certificateVerification = .noHostnameVerification
        let context = try NIOSSLContext(configuration: configuration)
        return try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    let tls = NIOSSLServerHandler(context: context) { _, promise in promise.succeed(.certificateVerified) }
                    try child.pipeline.syncOperations.addHandler(tls)
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    /// Connects with `tls` and returns the probe once the handshake completed or the channel closed.
    func handshake(_ tls: BGBConnectionTLS, to address: SocketAddress) async throws -> ClientProbe {
        let box = NIOLockedValueBox<ClientProbe?>(nil)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let probe = ClientProbe(eventLoop: channel.eventLoop, expectedBytes: 1)
                    box.withLockedValue { $0 = probe }
                    try channel.pipeline.syncOperations.addHandlers(tls.makeHandlers(serverHostname: "127.0.0.1"))
                    try channel.pipeline.syncOperations.addHandler(probe)
                }
            }
            .connect(to: address).get()
        let probe = box.withLockedValue { $0! }
        do {
            try await probe.handshake.futureResult.get()
            try await channel.close()
        } catch {
            try await probe.inactive.futureResult.get()
        }
        return probe
    }

    func connectionTLS(_ engine: BGBTLSOptions.Engine, trust: BGBServerTrust) throws -> BGBConnectionTLS {
        let options = BGBTLSOptions(serverValidation: .verified(trust), engine: engine)
        switch engine {
        case .lean:
            return .lean(try #require(try options.makeLeanContext()), certificateDER: client.certificateDER, privateKeyDER: client.privateKeyDER)
        case .niossl:
            let credentials = try BGBClientCredentials(
                smsID: SMSID("GUID:00000000-0000-0000-0000-000000000001"),
                certificateDER: client.certificateDER,
                privateKeyDER: client.privateKeyDER
            )
            return .nioSSL(try options.makeContext(credentials: credentials), options)
        }
    }

    @Test("both engines: the right CA or pin completes the handshake; a wrong CA or pin closes it with BGBTLSVerificationError", arguments: BGBTLSOptions.Engine.allCases)
    func engines(engine: BGBTLSOptions.Engine) async throws {
        let (leaf, key) = try authority.issueServer(commonName: "mp.lab.test")
        let listener = try await startServer(certificateDER: leaf, privateKeyDER: key)
        defer { try? listener.close().wait() }
        let address = try #require(listener.localAddress)
        let path = try writeTemporary(authority.pem)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let other = try TestCertificateAuthority(commonName: "another CA")
        let otherPath = try writeTemporary(other.pem)
        defer { try? FileManager.default.removeItem(atPath: otherPath) }

        let good = try await handshake(connectionTLS(engine, trust: BGBServerTrust(roots: BGBTrustRoots(pemFile: path))), to: address)
        #expect(good.errors.isEmpty)
        let pinned = try await handshake(connectionTLS(engine, trust: BGBServerTrust(pins: [BGBPublicKeyPin(certificateDER: leaf)])), to: address)
        #expect(pinned.errors.isEmpty)

        let wrongCA = try await handshake(connectionTLS(engine, trust: BGBServerTrust(roots: BGBTrustRoots(pemFile: otherPath))), to: address)
        let caError = try #require(wrongCA.errors.first as? BGBTLSVerificationError)
        #expect(caError.subject == "CN=mp.lab.test")
        #expect(caError.sha256Thumbprint == BGBCertificateInfo(der: leaf)?.sha256Thumbprint)
        let wrongPin = try await handshake(connectionTLS(engine, trust: BGBServerTrust(pins: [BGBPublicKeyPin(sha256: [UInt8](repeating: 1, count: 32))])), to: address)
        let pinError = try #require(wrongPin.errors.first as? BGBTLSVerificationError)
        #expect(pinError.reason.contains("not pinned"))
    }
}
