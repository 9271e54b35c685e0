import BGBProtocol
import Foundation
import NIOCore
import TestSupport
import Testing

@testable import MPSimulator

@Suite("Fault injection")
struct FaultTests {
    @Test("SignInConfirm delay, set through the control API")
    func signInConfirmDelay() async throws {
        try await Fixture.with { fixture in
            let set = try await fixture.admin.post("/Simulator/faults", ["signInConfirmDelayMs": 300])
            #expect(set.status == 200)
            #expect(set.json["signInConfirmDelayMs"] as? Int == 300)
            #expect(fixture.simulator.faults.signInConfirmDelay == .milliseconds(300))
            let client = try await fixture.connectTCP(try TestIdentity.p256())
            let start = ContinuousClock.now
            try await client.signIn(timeout: .seconds(10))
            #expect(ContinuousClock.now - start >= .milliseconds(250))
            let unknown = try await fixture.admin.post("/Simulator/faults", ["bogus": 1])
            #expect(unknown.status == 400)
            await client.close()
        }
    }

    @Test("ignored keep-alives do not refresh LastStatusTime")
    func ignoreKeepAlives() async throws {
        try await Fixture.with({ $0.faults.ignoreKeepAlives = true }) { fixture in
            let client = try await fixture.onlineClient()
            let before = try #require(fixture.simulator.clientStatus().first?.lastStatusTimeEpochNanoseconds)
            try await Task.sleep(for: .milliseconds(20))
            try await client.keepAlive()
            #expect(await eventually { fixture.simulator.counters().keepAlivesIgnored == 1 })
            #expect(fixture.simulator.clientStatus().first?.lastStatusTimeEpochNanoseconds == before)
            #expect(fixture.simulator.counters().keepAlives == 0)
            fixture.simulator.setIgnoreKeepAlives(false)
            try await client.keepAlive()
            #expect(await eventually { (fixture.simulator.clientStatus().first?.lastStatusTimeEpochNanoseconds ?? 0) > before })
            await client.close()
        }
    }

    @Test("close a fraction of the sessions: TCP closes, an HTTP held poll gets 990")
    func closeSessions() async throws {
        try await Fixture.with { fixture in
            let tcp = try await fixture.onlineClient()
            let bgb = HTTPBGB(identity: try TestIdentity.p256(), address: fixture.addresses.http!)
            let http = try await fixture.connectHTTP()
            let id = try await bgb.signIn(on: http)
            try await http.send(bgb.continueMessage(bgb.keepAliveMessage(), sessionID: id))
            #expect(await http.isSilent(for: .milliseconds(200)))

            let closed = try await fixture.admin.post("/Simulator/faults/close-sessions", ["fraction": 1.0])
            #expect(closed.json["closed"] as? Int == 2)
            #expect(await tcp.waitForClose())
            #expect(try await http.readResponse().status == 990)
            #expect(try await bgb.send(bgb.keepAliveMessage(), sessionID: id, on: http).status == 990)
            #expect(await eventually { fixture.simulator.counters().sessionsOnline == 0 })
            #expect(fixture.simulator.counters().closes(.faultInjected) == 2)
            await http.close()
        }
    }

    @Test("refuse new connections for a period")
    func refuseConnections() async throws {
        try await Fixture.with { fixture in
            let online = try await fixture.onlineClient()
            _ = try await fixture.admin.post("/Simulator/faults", ["refuseConnectionsMs": 60_000])
            #expect(fixture.simulator.faults.refusingConnectionsFor != nil)
            let refused = try await fixture.connectTCP(try TestIdentity.p256())
            #expect(await refused.waitForClose())
            #expect(await eventually { fixture.simulator.counters().connectionsRefused == 1 })
            fixture.simulator.refuseConnections(for: .zero)
            let accepted = try await fixture.onlineClient()
            try await online.keepAlive()
            #expect(await eventually { fixture.simulator.counters().keepAlives == 1 })
            await online.close()
            await accepted.close()
        }
    }

    @Test("restart the listeners: sessions closed, the same ports bound again")
    func restartListeners() async throws {
        try await Fixture.with { fixture in
            let client = try await fixture.onlineClient()
            let bgb = HTTPBGB(identity: try TestIdentity.p256(), address: fixture.addresses.http!)
            let http = try await fixture.connectHTTP()
            let id = try await bgb.signIn(on: http)

            let restarted = try await fixture.admin.post("/Simulator/faults/restart-listeners", [:])
            #expect(restarted.status == 200)
            #expect(await client.waitForClose())
            #expect(await http.waitForClose())
            let addresses = try #require(fixture.simulator.boundAddresses)
            #expect(addresses.tls.port == fixture.addresses.tls.port)
            #expect(addresses.http?.port == fixture.addresses.http?.port)
            #expect(await eventually { fixture.simulator.counters().closes(.listenerRestart) >= 2 })

            let again = try await fixture.connectTCP(client.identity)
            try await again.signIn()
            let http2 = try await fixture.connectHTTP()
            #expect(try await bgb.send(bgb.keepAliveMessage(), sessionID: id, on: http2).status == 990)
            await again.close()
            await http2.close()
        }
    }

    @Test("Disconnect, NegotiationNeeded and zero-length frames for generator robustness tests", arguments: FaultFrame.allCases)
    func faultFrames(kind: FaultFrame) async throws {
        try await Fixture.with { fixture in
            let client = try await fixture.onlineClient()
            let sent = try await fixture.admin.post("/Simulator/faults/send-frame", ["frame": kind.rawValue, "fraction": 1])
            #expect(sent.json["sent"] as? Int == 1)
            let frame = try await client.nextFrame()
            switch kind {
            case .disconnect:
                #expect(frame.channel == .disconnect)
                guard case .disconnect(let stamp) = try BGBMessage(frame: frame) else {
                    Issue.record("expected Disconnect")
                    return
                }
                #expect(stamp != nil)
            case .negotiationNeeded:
                #expect(frame.channel == .negotiationNeeded)
                #expect(frame.payload.readableBytes > 0)
            case .zeroLength:
                #expect(frame.payload.readableBytes == 0)
            }
            #expect(await eventually { fixture.simulator.counters().faultFramesSent == 1 })
            await client.close()
        }
    }
}
