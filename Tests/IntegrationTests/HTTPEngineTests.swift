import BGBProtocol
import FleetEngine
import FleetIdentity
import FleetMetrics
import Foundation
import MPSimulator
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import TestSupport
import Testing

/// The fleet over the HTTP long-poll: `transport: http`, and the TCP → HTTP fallback (spec §8.4).
@Suite("Engine over HTTP", .serialized)
struct HTTPEngineTests {
    /// P-256 identities (cheap; the simulator verifies their PayloadSignatures).
    static let identities = PoolIdentitySource(
        identities: (0..<24).map { index in
            Identity(
                index: index,
                mintedSMSID: .random(),
                netbiosName: Identity.netbiosName(forIndex: index),
                smsCertificate: try! SMSCertificate.generate(keyType: .p256)
            )
        }
    )

    struct Fixture {
        let simulator: MPSimulator
        let addresses: MPSimulator.BoundAddresses
        let directory: URL
    }

    static func start(
        sessions: Int,
        _ configure: @escaping (inout MPSimulatorConfiguration) -> Void = { _ in }
    ) async throws -> Fixture {
        var configuration = ephemeralSimulatorConfiguration(stateIn: "bgbfleet-engine-sim")
        configuration.identityCheck = .strict
        configure(&configuration)
        let (simulator, addresses) = try await startQuietSimulator(configuration)
        simulator.registerClients(
            try identities.identities.prefix(sessions).map {
                MPSimulator.PreRegistration(smsID: try SMSID($0.smsid.rawValue), certificateDER: $0.smsCertificate.certificateDER)
            }
        )
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bgbfleet-http-run-\(UUID().uuidString)")
        return Fixture(simulator: simulator, addresses: addresses, directory: directory)
    }

    static func engine(
        _ profile: FleetProfile,
        _ fixture: Fixture,
        tcpAddress: SocketAddress? = nil,
        onTick: (@Sendable (Double) async -> Void)? = nil
    ) throws -> FleetEngine {
        try FleetEngine(
            options: .init(
                profile: profile,
                target: FleetTarget(
                    host: "127.0.0.1",
                    tcpAddress: tcpAddress ?? fixture.addresses.tls,
                    httpAddress: fixture.addresses.http,
                    adminURL: "http://127.0.0.1:\(fixture.addresses.admin!.port!)"
                ),
                identities: identities,
                reportDirectory: fixture.directory,
                liveView: nil,
                log: { _ in },
                onTick: onTick,
                triggers: try TriggerPlan.resolve(
                    profile.triggers, sessionCount: profile.sessions, resourceIDs: [],
                    policy: TriggerPlan.Policy(guardsBuiltInCollections: false, collectionIsFleet: true)
                )
            ),
            group: MultiThreadedEventLoopGroup.singleton
        )
    }

    static func sessionRows(_ fixture: Fixture) throws -> [SessionReportRow] {
        try SessionReportRow.parse(csv: String(contentsOf: fixture.directory.appendingPathComponent("sessions.csv"), encoding: .utf8))
    }

    /// A loopback port nothing listens on.
    static func closedPort() async throws -> SocketAddress {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let address = channel.localAddress!
        try await channel.close()
        return address
    }

    @Test("transport http: every session signs in over HTTP, one push is 100% answered, LogOut at the end")
    func httpTransport() async throws {
        let fixture = try await Self.start(sessions: 20)
        var profile = FleetProfile()
        profile.sessions = 20
        profile.transport = .http
        profile.arrival = .rate(200)
        profile.duration = 4_000_000_000
        profile.keepAlive = 1_000_000_000
        profile.triggers = [FleetProfile.Trigger(at: 2_000_000_000, type: 8)]
        let summary = try await Self.engine(profile, fixture).run()

        #expect(summary[.connect].count == 20)
        #expect(summary.counters[.pushesTargeted] == 20)
        #expect(summary.counters[.pushesReceived] == 20)
        #expect(summary.counters[.responsesSent] == 20)
        #expect(summary.counters.deliveryPercent == 100)
        #expect(summary.counters.errorsTotal == 0)
        #expect(summary.counters[.keepalivesSent] >= 40)
        let operation = try #require(fixture.simulator.operationStatuses().first)
        #expect(operation.completedClients == 20)
        let rows = try Self.sessionRows(fixture)
        #expect(rows.count == 20)
        #expect(rows.allSatisfy { $0.transport == "http" && $0.pushes == 1 && $0.responses == 1 && $0.connects == 1 })
        #expect(await eventually(timeout: .seconds(15)) { fixture.simulator.counters().sessionsOnlineHTTP == 0 })
        let counters = fixture.simulator.counters()
        #expect(counters.signInsHTTP == 20)
        #expect(counters.signInsTCP == 0)
        #expect(counters.httpLogOuts == 20)
        #expect(counters.signaturesInvalid == 0)
        try await fixture.simulator.shutdown()
        try? FileManager.default.removeItem(at: fixture.directory)
    }

    @Test("TCP refused three times in a row: every session falls back to HTTP, signs in there and answers a push")
    func fallbackAfterRefusedTCP() async throws {
        let sessions = 10
        let fixture = try await Self.start(sessions: sessions)
        var profile = FleetProfile()
        profile.sessions = sessions
        profile.arrival = .rate(100)
        profile.duration = 5_000_000_000
        profile.reconnect = ReconnectPolicy(
            mode: .backoff,
            firstDelayMaximum: 50_000_000,
            base: 50_000_000,
            cap: 100_000_000,
            httpFallbackAfter: 3
        )
        profile.triggers = [FleetProfile.Trigger(at: 3_500_000_000, type: 8)]
        let gauge = NIOLockedValueBox<Int64>(0)
        let metrics = NIOLockedValueBox<FleetMetrics?>(nil)
        let engine = try Self.engine(profile, fixture, tcpAddress: try await Self.closedPort()) { elapsed in
            if elapsed >= 3, let snapshot = metrics.withLockedValue({ $0 })?.counters.snapshot() {
                gauge.withLockedValue { $0 = max($0, snapshot[state: .httpFallback]) }
            }
        }
        metrics.withLockedValue { $0 = engine.metrics }
        let summary = try await engine.run()

        #expect(summary.counters[error: .connectRefused] == UInt64(3 * sessions))
        #expect(summary[.connect].count == sessions)
        #expect(summary.counters[.pushesReceived] == UInt64(sessions))
        #expect(summary.counters[.responsesSent] == UInt64(sessions))
        #expect(summary.counters.deliveryPercent == 100)
        #expect(gauge.withLockedValue { $0 } == Int64(sessions))
        #expect(summary.counters[state: .httpFallback] == 0)  // left at the end of the run
        let rows = try Self.sessionRows(fixture)
        #expect(rows.allSatisfy { $0.transport == "http" && $0.connects == 4 && $0.responses == 1 })
        let counters = fixture.simulator.counters()
        #expect(counters.signInsHTTP == UInt64(sessions))
        #expect(counters.signInsTCP == 0)
        try await fixture.simulator.shutdown()
        try? FileManager.default.removeItem(at: fixture.directory)
    }

    @Test("TLS failures count towards the fallback too (the MP's TLS port allows only TLS 1.3, the fleet offers 1.2)")
    func fallbackAfterTLSFailures() async throws {
        let sessions = 4
        let fixture = try await Self.start(sessions: sessions) {
            $0.tlsMinimumVersion = .tls13
            $0.tlsMaximumVersion = .tls13
        }
        var profile = FleetProfile()
        profile.sessions = sessions
        profile.arrival = .rate(100)
        profile.duration = 3_000_000_000
        profile.reconnect = ReconnectPolicy(mode: .backoff, firstDelayMaximum: 20_000_000, base: 20_000_000, cap: 50_000_000, httpFallbackAfter: 2)
        let summary = try await Self.engine(profile, fixture).run()

        #expect(summary.counters[error: .tls] == UInt64(2 * sessions))
        #expect(summary[.connect].count == sessions)
        let rows = try Self.sessionRows(fixture)
        #expect(rows.allSatisfy { $0.transport == "http" && $0.connects == 3 })
        #expect(fixture.simulator.counters().signInsHTTP == UInt64(sessions))
        try await fixture.simulator.shutdown()
        try? FileManager.default.removeItem(at: fixture.directory)
    }
}
