import BGBProtocol
import Foundation
import NIOCore
import NIOSSL
import TestSupport
import Testing

@testable import MPSimulator

/// The notification listener's behaviour on both TLS engines (`tlsEngine: lean|niossl`): every
/// other simulator test runs on the default (lean); these compare the two directly.
@Suite("TLS engines of the notification listener")
struct TLSEngineTests {
    @Test("lean is the default; tlsEngine reads lean, niossl and nio-ssl; anything else names the choices")
    func configuration() throws {
        #expect(MPSimulatorConfiguration().tlsEngine == .lean)
        #expect(try MPSimulatorConfiguration.load(yaml: "tlsEngine: niossl").tlsEngine == .nioSSL)
        #expect(try MPSimulatorConfiguration.load(yaml: "tlsEngine: nio-ssl").tlsEngine == .nioSSL)
        #expect(try MPSimulatorConfiguration.load(yaml: "tlsEngine: lean").tlsEngine == .lean)
        #expect(throws: MPSimulatorConfigurationError.self) { try MPSimulatorConfiguration.load(yaml: "tlsEngine: openssl") }
        do {
            _ = try MPSimulatorConfiguration.load(yaml: "tlsEngine: openssl")
        } catch {
            #expect(error.description.contains("lean, niossl"))
        }
        #expect(MPSimulatorConfiguration.TLSEngine.nioSSL.rawValue == "niossl")
    }

    @Test("SignIn with the registered certificate under strict identity, a push answered, a certificate mismatch closed, the client's close counted as such", arguments: MPSimulatorConfiguration.TLSEngine.allCases)
    func sessionLifecycle(engine: MPSimulatorConfiguration.TLSEngine) async throws {
        try await Fixture.with({
            $0.tlsEngine = engine
            $0.identityCheck = .strict
        }) { fixture in
            // RSA-2048 client certificate, as the fleet's and the SDK's.
            let identity = try TestIdentity.rsa()
            fixture.simulator.registerClient(smsID: identity.smsID, certificateDER: identity.certificateDER)
            let client = try await fixture.connectTCP(identity)
            try await client.signIn()
            let id = try fixture.simulator.initiateClientOperation(type: 8)
            try await client.answerPush()
            #expect(await eventually { fixture.simulator.operationStatus(id: id)?.completedClients == 1 })

            // The thumbprint is the TLS certificate's: another certificate for the same SMSID is refused.
            let impostor = try await fixture.connectTCP(try TestIdentity.p256())
            try await impostor.send(.signIn(BGBSignIn(timeStamp: .now(.utcWholeSeconds), clientID: identity.smsID)))
            #expect(await impostor.waitForClose())
            #expect(await eventually { fixture.simulator.counters().closes(.certificateMismatch) == 1 })

            await client.close()
            #expect(await eventually { fixture.simulator.counters().sessionsOnlineTCP == 0 })
            #expect(fixture.simulator.counters().closes(.clientClosed) == 1)
            #expect(fixture.simulator.counters().closes(.tlsError) == 0)
        }
    }

    @Test("TLS 1.0 with ECDHE-RSA-AES256-SHA (the SDK's choice) and TLS 1.3 are served", arguments: MPSimulatorConfiguration.TLSEngine.allCases)
    func versions(engine: MPSimulatorConfiguration.TLSEngine) async throws {
        try await Fixture.with({ $0.tlsEngine = engine }) { fixture in
            let cases: [(TLSVersion, String?)] = [(.tlsv1, "ECDHE-RSA-AES256-SHA"), (.tlsv13, nil)]
            for (version, suites) in cases {
                let client = try await TestTCPClient.connect(
                    to: fixture.addresses.tls,
                    identity: try TestIdentity.p256(),
                    minimumTLS: version,
                    maximumTLS: version,
                    cipherSuites: suites
                )
                try await client.signIn()
                #expect(try await client.channel.nioSSL_tlsVersion().get() == version)
                await client.close()
            }
        }
    }

    @Test("without a client certificate: closed when required, served (no thumbprint) when optional", arguments: MPSimulatorConfiguration.TLSEngine.allCases)
    func clientCertificatePolicy(engine: MPSimulatorConfiguration.TLSEngine) async throws {
        try await Fixture.with({ $0.tlsEngine = engine }) { fixture in
            let client = try await fixture.connectTCP(nil)
            #expect(await client.waitForClose())
            #expect(await eventually { fixture.simulator.counters().closes(.tlsError) == 1 })
        }
        try await Fixture.with({
            $0.tlsEngine = engine
            $0.clientCertificate = .optional
        }) { fixture in
            let client = try await fixture.connectTCP(nil)
            try await client.signIn(as: .random())
            #expect(fixture.simulator.counters().sessionsOnlineTCP == 1)
            await client.close()
        }
    }

    @Test("the server's close sends close_notify: the client sees a clean TLS end", arguments: MPSimulatorConfiguration.TLSEngine.allCases)
    func serverClose(engine: MPSimulatorConfiguration.TLSEngine) async throws {
        try await Fixture.with({ $0.tlsEngine = engine }) { fixture in
            let client = try await fixture.onlineClient()
            #expect(fixture.simulator.closeSessions(fraction: 1) == 1)
            var errors: [String] = []
            var closed = false
            while !closed, let event = await client.nextEvent() {
                switch event {
                case .closed: closed = true
                case .error(let error): errors.append(error)
                case .frame: continue
                }
            }
            #expect(closed)
            #expect(!errors.contains { $0.contains("uncleanShutdown") }, "\(errors)")
        }
    }
}
