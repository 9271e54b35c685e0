import FleetEngine
import FleetMetrics
import Foundation
import MPSimulator
import Testing

/// A SignIn the MP never confirms is a failed sign-in, not a session counted as signed in.
/// Part of the serialized end-to-end suite: its shared identity pool blocks a thread while it is
/// made, and two suites making it at once on a 2-core machine would block each other.
extension EngineEndToEndTests {
    @Test("an MP that never sends SignInConfirm: errors.signin_timeout, reconnects, never signed in")
    func neverConfirmed() async throws {
        let fixture = try await EngineEndToEndTests.startSimulator(sessions: 3) { configuration in
            configuration.faults.signInConfirmDelay = .seconds(3600)
        }
        var profile = FleetProfile()
        profile.sessions = 3
        profile.arrival = .rate(100)
        profile.duration = 4_500_000_000
        profile.signInTimeout = 1_000_000_000
        profile.reconnect = ReconnectPolicy(mode: .backoff, firstDelayMaximum: 200_000_000, base: 200_000_000, cap: 300_000_000)
        let summary = try await EngineEndToEndTests.engine(profile, fixture).run()
        try await fixture.simulator.shutdown()

        // Each session waited 1 s, failed, reconnected after ≤ 0.3 s: at least two failures each.
        #expect(summary.counters[error: .signinTimeout] >= 6)
        #expect(summary.peakSignedIn == 0)
        #expect(summary[.connect].count == 0)
        let sessions = try SessionReportRow.parse(csv: String(contentsOf: fixture.directory.appendingPathComponent("sessions.csv"), encoding: .utf8))
        #expect(sessions.count == 3)
        #expect(sessions.allSatisfy { $0.lastError == .signinTimeout && $0.reconnects >= 2 })
    }

    @Test("signin-timeout in a profile: a duration of 1s…1h, reported in the plan")
    func profileKey() throws {
        let profile = try FleetProfile(yaml: "signin-timeout: 20s\n")
        #expect(profile.signInTimeout == 20_000_000_000)
        #expect(profile.summary["signin_timeout"] == "20s")
        #expect(FleetProfile().signInTimeout == 60_000_000_000)
        #expect(throws: FleetConfigurationError.self) { try FleetProfile(yaml: "signin-timeout: 10ms\n") }
        #expect(throws: FleetConfigurationError.self) { try FleetProfile(yaml: "signin-timeout: soon\n") }
    }
}
