import BGBClient
import BGBProtocol
import FleetEngine
import FleetIdentity
import FleetMetrics
import Foundation
import Logging
import MPSimulator
import NIOCore
import NIOPosix
import TestSupport
import Testing

/// Runs the fleet against the in-process simulator over real loopback sockets and mutual TLS.
@Suite("Engine end to end", .serialized)
struct EngineEndToEndTests {
    /// A pool of P-256 identities (cheap to generate), shared by the tests.
    static let identities: PoolIdentitySource = {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bgbfleet-engine-pool-\(getpid())")
        try? FileManager.default.removeItem(at: directory)
        let semaphore = DispatchSemaphore(value: 0)
        let box = UncheckedBox<PoolIdentitySource?>(nil)
        Task.detached {
            var pool = try! IdentityPool.create(at: directory, keyType: .p256, chunkSize: 64)
            try! await pool.generate(count: 60)
            box.value = try! PoolIdentitySource(pool: pool, range: 0..<60)
            semaphore.signal()
        }
        semaphore.wait()
        return box.value!
    }()

    final class UncheckedBox<T>: @unchecked Sendable {
        var value: T
        init(_ value: T) { self.value = value }
    }

    struct Fixture {
        let simulator: MPSimulator
        let target: FleetTarget
        let directory: URL
    }

    static func startSimulator(sessions: Int, configure: (inout MPSimulatorConfiguration) -> Void = { _ in }) async throws -> Fixture {
        var configuration = ephemeralSimulatorConfiguration(stateIn: "bgbfleet-engine-sim")
        configuration.identityCheck = .strict
        configure(&configuration)
        let (simulator, bound) = try await startQuietSimulator(configuration)
        if sessions > 0 {
            // Only then: the shared pool blocks a thread the first time it is made.
            simulator.registerClients(
                try identities.identities.prefix(sessions).map {
                    MPSimulator.PreRegistration(smsID: try SMSID($0.smsid.rawValue), certificateDER: $0.smsCertificate.certificateDER)
                }
            )
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bgbfleet-engine-run-\(UUID().uuidString)")
        return Fixture(
            simulator: simulator,
            target: FleetTarget(
                host: "127.0.0.1",
                tcpAddress: bound.tls,
                adminURL: "http://127.0.0.1:\(bound.admin!.port!)"
            ),
            directory: directory
        )
    }

    static func engine(_ profile: FleetProfile, _ fixture: Fixture, onTick: (@Sendable (Double) async -> Void)? = nil) throws -> FleetEngine {
        try FleetEngine(
            options: .init(
                profile: profile,
                target: fixture.target,
                identities: identities,
                reportDirectory: fixture.directory,
                liveView: nil,
                log: { _ in },
                onTick: onTick,
                mpRTTSource: { fixture.simulator.rttSnapshot() },
                // The simulator holds the fleet alone: `targets: all` is its whole SMS00001.
                triggers: try TriggerPlan.resolve(
                    profile.triggers, sessionCount: profile.sessions, resourceIDs: [],
                    policy: TriggerPlan.Policy(guardsBuiltInCollections: false, collectionIsFleet: true)
                )
            ),
            group: MultiThreadedEventLoopGroup.singleton
        )
    }

    @Test(
        "every session signs in, sends keep-alives and answers pushes with the configured ReturnCode; reports written",
        arguments: BGBTLSOptions.Engine.allCases
    )
    func signInKeepAlivePush(engine: BGBTLSOptions.Engine) async throws {
        let fixture = try await Self.startSimulator(sessions: 40)
        var profile = FleetProfile()
        profile.tls.engine = engine
        profile.sessions = 40
        profile.arrival = .rate(400)
        profile.duration = 4_000_000_000
        profile.keepAlive = 1_000_000_000
        profile.returnCode = 3
        profile.triggers = [FleetProfile.Trigger(at: 2_000_000_000, type: 8)]
        let summary = try await Self.engine(profile, fixture).run()
        try await fixture.simulator.shutdown()

        #expect(summary[.connect].count == 40)
        #expect(summary[.startLate].count == 40, "every session's start is timed against its schedule")
        #expect(!summary.generator.startedLate, "400/s is well within this machine: \(summary.generator)")
        #expect(summary.counters[.pushesReceived] == 40)
        #expect(summary.counters[.responsesSent] == 40)
        #expect(summary.counters[.pushesTargeted] == 40)
        #expect(summary.counters[.keepalivesSent] >= 80)
        #expect(summary.counters.errorsTotal == 0)
        #expect(!summary.interrupted)
        #expect(summary.peakSignedIn == 40)
        #expect(summary.counters[state: .signedIn] == 0)  // every session closed at the end
        #expect(summary[.fanout].count == 40)
        #expect(summary[.mpRTT].count == 40)
        let operation = try #require(fixture.simulator.operationStatuses().first)
        #expect(operation.totalClients == 40)
        #expect(operation.failedClients == 40)  // ReturnCode 3 is a failure for the MP
        for file in ["intervals.csv", "summary.csv", "summary.json", "sessions.csv", "pushes.csv", "response.hlog", "connect.hlog"] {
            #expect(FileManager.default.fileExists(atPath: fixture.directory.appendingPathComponent(file).path), "\(file)")
        }
        let sessions = try SessionReportRow.parse(csv: String(contentsOf: fixture.directory.appendingPathComponent("sessions.csv"), encoding: .utf8))
        #expect(sessions.count == 40)
        #expect(sessions.allSatisfy { $0.pushes == 1 && $0.responses == 1 && $0.connects == 1 })
        let pushes = try PushReportRow.parse(csv: String(contentsOf: fixture.directory.appendingPathComponent("pushes.csv"), encoding: .utf8))
        #expect(pushes.map(\.answered) == [40])
        #expect(pushes.map(\.taskType) == ["1"])
    }

    @Test("with one handshake in flight at a time, a ramp due at once still signs every session in, late and in order")
    func handshakeBound() async throws {
        let fixture = try await Self.startSimulator(sessions: 30)
        var profile = FleetProfile()
        profile.sessions = 30
        profile.arrival = .rate(3_000)  // all due within 10 ms
        profile.duration = 4_000_000_000
        profile.maxHandshakes = 1  // one per event loop
        profile.triggers = [FleetProfile.Trigger(at: 3_000_000_000, type: 8)]
        let summary = try await Self.engine(profile, fixture).run()
        try await fixture.simulator.shutdown()

        #expect(summary.peakSignedIn == 30, "the gate's wake-ups restart the ramp until every session is in")
        #expect(summary[.startLate].count == 30)
        #expect(summary.counters.errorsTotal == 0)
        #expect(summary.counters[.responsesSent] == 30)
    }

    @Test("after the simulator restarts its listeners every session comes back and is reached by a push")
    func reconnectAfterRestart() async throws {
        let fixture = try await Self.startSimulator(sessions: 30)
        var profile = FleetProfile()
        profile.sessions = 30
        profile.arrival = .rate(300)
        profile.duration = 6_000_000_000
        profile.reconnect = ReconnectPolicy(mode: .backoff, firstDelayMaximum: 1_000_000_000, base: 200_000_000, cap: 1_000_000_000)
        profile.triggers = [FleetProfile.Trigger(at: 5_000_000_000, type: 8)]
        let simulator = fixture.simulator
        let restarted = UncheckedBox(false)
        let summary = try await Self.engine(profile, fixture) { elapsed in
            guard elapsed >= 2, !restarted.value else { return }
            restarted.value = true
            _ = try? await simulator.restartListeners()
        }.run()
        try await fixture.simulator.shutdown()

        #expect(restarted.value)
        #expect(summary[.connect].count == 60)  // every session signed in twice
        #expect(summary.counters[.pushesReceived] == 30)
        #expect(summary.counters[.responsesSent] == 30)
        #expect(summary.counters[error: .eof] == 30)
        let sessions = try SessionReportRow.parse(csv: String(contentsOf: fixture.directory.appendingPathComponent("sessions.csv"), encoding: .utf8))
        #expect(sessions.allSatisfy { $0.reconnects == 1 && $0.lastError == .eof })
    }

    @Test("stop() ends the run early: sessions closed, reports written")
    func gracefulStop() async throws {
        let fixture = try await Self.startSimulator(sessions: 20)
        var profile = FleetProfile()
        profile.sessions = 20
        profile.arrival = .rate(200)
        profile.duration = 60_000_000_000
        let engine = try Self.engine(profile, fixture)
        let started = Date()
        Task {
            try await Task.sleep(nanoseconds: 1_500_000_000)
            engine.stop()
        }
        let summary = try await engine.run()
        #expect(Date().timeIntervalSince(started) < 20)
        #expect(summary[.connect].count == 20)
        #expect(summary.counters[state: .signedIn] == 0)
        #expect(summary.interrupted)
        #expect(summary.peakSignedIn == 20)
        let written = try RunSummary.decode(json: Data(contentsOf: fixture.directory.appendingPathComponent("summary.json")))
        #expect(written.interrupted)
        #expect(FileManager.default.fileExists(atPath: fixture.directory.appendingPathComponent("summary.json").path))
        try await Task.sleep(nanoseconds: 200_000_000)
        #expect(fixture.simulator.counters().sessionsOnlineTCP == 0)
        try await fixture.simulator.shutdown()
    }

    @Test("a trigger scheduled after the end of the run is simply not sent; the run still succeeds")
    func triggerAfterTheEnd() async throws {
        let fixture = try await Self.startSimulator(sessions: 5)
        var profile = FleetProfile()
        profile.sessions = 5
        profile.arrival = .rate(100)
        profile.duration = 2_000_000_000
        // Fires at 1 s; the 2 s firing is still pending (runStart + 50 ms) when the run ends.
        profile.triggers = [FleetProfile.Trigger(at: 1_000_000_000, every: 1_000_000_000, type: 8)]
        let summary = try await Self.engine(profile, fixture).run()
        try await fixture.simulator.shutdown()
        #expect(summary.counters[.pushesReceived] >= 5)
    }

    @Test("a refused connection is counted and retried with backoff, never a crash")
    func refused() async throws {
        let fixture = try await Self.startSimulator(sessions: 5)
        try await fixture.simulator.shutdown()
        var profile = FleetProfile()
        profile.sessions = 5
        profile.arrival = .rate(100)
        profile.duration = 2_000_000_000
        profile.reconnect = ReconnectPolicy(mode: .backoff, firstDelayMaximum: 100_000_000, base: 100_000_000, cap: 200_000_000)
        let summary = try await Self.engine(profile, fixture).run()
        #expect(summary[.connect].count == 0)
        #expect(summary.counters[error: .connectRefused] >= 10)
    }

    @Test("too few identities is refused before anything connects")
    func tooFewIdentities() async throws {
        let fixture = try await Self.startSimulator(sessions: 1)
        defer { Task { try await fixture.simulator.shutdown() } }
        var profile = FleetProfile()
        profile.sessions = 1000
        #expect(throws: FleetConfigurationError.self) { try Self.engine(profile, fixture) }
    }
}
