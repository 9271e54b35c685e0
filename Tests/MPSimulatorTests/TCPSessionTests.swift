import BGBProtocol
import Foundation
import NIOCore
import NIOSSL
import TestSupport
import Testing

@testable import MPSimulator

@Suite("TCP notification sessions")
struct TCPSessionTests {
    @Test("SignIn is confirmed at once and a KeepAlive marks the client online")
    func signInAndKeepAlive() async throws {
        try await Fixture.with { fixture in
            let identity = try TestIdentity.p256()
            let resourceID = fixture.simulator.registerClient(smsID: identity.smsID, certificateDER: identity.certificateDER)
            let client = try await fixture.connectTCP(identity)
            let confirm = try await client.signIn()
            #expect(confirm.messageVersion == "1.0")
            #expect(confirm.timeStamp.fractionDigits == 0)
            #expect(confirm.timeStamp.zone == .utc)
            try await client.keepAlive()
            #expect(await eventually { fixture.simulator.counters().keepAlives == 1 })
            let row = try #require(fixture.simulator.clientStatus().first { $0.resourceID == resourceID })
            #expect(row.onlineStatus == 1)
            #expect(row.channelType == .tcp)
            #expect(row.lastStatusTimeEpochNanoseconds != nil)
            let counters = fixture.simulator.counters()
            #expect(counters.signInsTCP == 1)
            #expect(counters.sessionsOnlineTCP == 1)
            #expect(counters.certificateMismatchesAccepted == 0)

            let (status, json) = try await fixture.admin.get("/AdminService/wmi/SMS_CN_ClientStatus")
            #expect(status == 200)
            let rows = try #require(json["value"] as? [[String: Any]])
            #expect(rows.count == 1)
            #expect(rows.first?["OnlineStatus"] as? Int == 1)
            #expect(rows.first?["ChannelType"] as? Int == 0)
            #expect(rows.first?["ResourceID"] as? Int == resourceID)
            #expect((rows.first?["LastStatusTime"] as? String)?.hasSuffix("Z") == true)

            await client.close()
            #expect(await eventually { fixture.simulator.counters().sessionsOnlineTCP == 0 })
            #expect(fixture.simulator.clientStatus().first?.onlineStatus == 0)
            #expect(fixture.simulator.counters().closes(.clientClosed) == 1)
        }
    }

    @Test("TLS 1.0 with ECDHE-RSA-AES256-SHA, as the SDK negotiates, is served")
    func tls10() async throws {
        try await Fixture.with { fixture in
            let client = try await TestTCPClient.connect(
                to: fixture.addresses.tls,
                identity: try TestIdentity.p256(),
                minimumTLS: .tlsv1,
                maximumTLS: .tlsv1,
                cipherSuites: "ECDHE-RSA-AES256-SHA"
            )
            try await client.signIn()
            let version = try await client.channel.nioSSL_tlsVersion().get()
            #expect(version == .tlsv1)
            await client.close()
        }
    }

    @Test("a P-256 server key is served with ECDHE-ECDSA on TLS 1.0 and 1.2, and RSA-only clients are refused")
    func p256ServerKey() async throws {
        try await Fixture.with({ $0.serverKey = .p256 }) { fixture in
            for version in [TLSVersion.tlsv1, .tlsv12] {
                let client = try await TestTCPClient.connect(
                    to: fixture.addresses.tls,
                    identity: try TestIdentity.p256(),
                    minimumTLS: version,
                    maximumTLS: version
                )
                try await client.signIn()
                #expect(try await client.channel.nioSSL_tlsVersion().get() == version)
                await client.close()
            }
            let rsaOnly = try await TestTCPClient.connect(
                to: fixture.addresses.tls,
                identity: try TestIdentity.p256(),
                minimumTLS: .tlsv12,
                maximumTLS: .tlsv12,
                cipherSuites: "ECDHE-RSA-AES128-GCM-SHA256"
            )
            #expect(await rsaOnly.waitForClose())
        }
    }

    @Test("a TLS 1.2-only simulator refuses a TLS 1.0 client", arguments: MPSimulatorConfiguration.TLSEngine.allCases)
    func tls12Only(engine: MPSimulatorConfiguration.TLSEngine) async throws {
        try await Fixture.with({
            $0.tlsMinimumVersion = .tls12
            $0.tlsEngine = engine
        }) { fixture in
            let client = try await TestTCPClient.connect(
                to: fixture.addresses.tls,
                identity: try TestIdentity.p256(),
                minimumTLS: .tlsv1,
                maximumTLS: .tlsv1
            )
            #expect(await client.waitForClose())
            #expect(await eventually { fixture.simulator.counters().closes(.tlsError) == 1 })
        }
    }

    @Test("a second SignIn of the same SMSID replaces the older session")
    func secondSignInReplaces() async throws {
        try await Fixture.with { fixture in
            let identity = try TestIdentity.p256()
            fixture.simulator.registerClient(smsID: identity.smsID, certificateDER: identity.certificateDER)
            let first = try await fixture.connectTCP(identity)
            try await first.signIn()
            let second = try await fixture.connectTCP(identity)
            try await second.signIn()
            #expect(await first.waitForClose())
            #expect(await eventually { fixture.simulator.counters().sessionsOnlineTCP == 1 })
            let counters = fixture.simulator.counters()
            #expect(counters.replacedSessions == 1)
            #expect(counters.closes(.replaced) == 1)
            // The newer session holds the identity: a push reaches it.
            let id = try fixture.simulator.initiateClientOperation(type: 8)
            try await second.answerPush()
            #expect(await eventually { fixture.simulator.operationStatus(id: id)?.completedClients == 1 })
            await second.close()
        }
    }

    @Test("strict identity check closes unknown SMSIDs and certificate mismatches, one connection each")
    func strictIdentity() async throws {
        try await Fixture.with({ $0.identityCheck = .strict }) { fixture in
            let good = try await fixture.onlineClient()

            let unknown = try await fixture.connectTCP(try TestIdentity.p256())
            try await unknown.send(.signIn(BGBSignIn(timeStamp: .now(.utcWholeSeconds), clientID: unknown.identity!.smsID)))
            #expect(await unknown.waitForClose())

            let registered = try TestIdentity.p256()
            fixture.simulator.registerClient(smsID: registered.smsID, certificateDER: registered.certificateDER)
            let impostor = try await fixture.connectTCP(try TestIdentity.p256())
            try await impostor.send(.signIn(BGBSignIn(timeStamp: .now(.utcWholeSeconds), clientID: registered.smsID)))
            #expect(await impostor.waitForClose())

            #expect(await eventually {
                let counters = fixture.simulator.counters()
                return counters.closes(.unknownSMSID) == 1 && counters.closes(.certificateMismatch) == 1
            })
            try await good.keepAlive()
            #expect(await eventually { fixture.simulator.counters().keepAlives == 1 })
            #expect(fixture.simulator.counters().sessionsOnlineTCP == 1)
            await good.close()
        }
    }

    @Test("lenient identity check accepts and counts unknown SMSIDs and certificate mismatches")
    func lenientIdentity() async throws {
        try await Fixture.with { fixture in
            let unknown = try await fixture.onlineClient(register: false)
            let registered = try TestIdentity.p256()
            fixture.simulator.registerClient(smsID: registered.smsID, certificateDER: registered.certificateDER)
            let impostor = try await fixture.connectTCP(try TestIdentity.p256())
            try await impostor.signIn(as: registered.smsID)
            let counters = fixture.simulator.counters()
            #expect(counters.unknownSMSIDsAccepted == 1)
            #expect(counters.certificateMismatchesAccepted == 1)
            #expect(counters.sessionsOnlineTCP == 2)
            // The implicitly known client is a push target.
            #expect(fixture.simulator.clientStatus().count == 2)
            await unknown.close()
            await impostor.close()
        }
    }

    @Test("a Disconnect from the client closes its session")
    func clientDisconnect() async throws {
        try await Fixture.with { fixture in
            let client = try await fixture.onlineClient()
            try await client.send(.disconnect(timeStamp: .now(.utcWholeSeconds)))
            #expect(await client.waitForClose())
            #expect(await eventually { fixture.simulator.counters().closes(.clientDisconnect) == 1 })
        }
    }

    @Test("no frame within tcpIdleTimeout takes the session offline")
    func idleTimeout() async throws {
        try await Fixture.with({ $0.tcpIdleTimeout = .seconds(1) }) { fixture in
            let client = try await fixture.onlineClient()
            #expect(await client.waitForClose(timeout: .seconds(5)))
            #expect(await eventually { fixture.simulator.counters().closes(.idleTimeout) == 1 })
            #expect(fixture.simulator.counters().sessionsOnlineTCP == 0)
        }
    }
}
