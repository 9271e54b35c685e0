import BGBProtocol
import FleetEngine
import Foundation
import Logging
import MPSimulator
import NIOConcurrencyHelpers
import NIOCore

/// The in-process MP simulator that `bgbfleet run` targets without `--mp`: real listeners on
/// 127.0.0.1 (ephemeral ports), real mutual TLS, the plain-HTTP long-poll endpoint (for
/// `--transport http` and the TCP → HTTP fallback), the AdminService-shaped API for triggers.
enum EmbeddedSimulator {
    static func start(
        group: EventLoopGroup,
        logger: Logger,
        identities: PoolIdentitySource
    ) async throws -> (simulator: MPSimulator, target: FleetTarget, resourceIDs: [UInt32]) {
        var configuration = MPSimulatorConfiguration()
        configuration.host = "127.0.0.1"
        configuration.tlsPort = 0
        configuration.httpPort = 0
        configuration.adminPort = 0
        configuration.identityCheck = .strict
        let simulator = MPSimulator(configuration: configuration, eventLoopGroup: group, logger: logger)
        let bound: MPSimulator.BoundAddresses
        do {
            bound = try await simulator.start()
        } catch {
            throw CommandFailure.runFailed("the embedded MP simulator did not start: \(error)")
        }
        // Register this process's identities (the strict identity check, certificate ↔ SMSID, holds);
        // their ResourceIDs, in slice order, are what the triggers target.
        let registrations = try identities.identities.map { identity in
            MPSimulator.PreRegistration(
                smsID: try SMSID(identity.smsid.rawValue),
                certificateDER: identity.smsCertificate.certificateDER,
                netbiosName: identity.netbiosName
            )
        }
        let resourceIDs = simulator.registerClients(registrations).map { UInt32($0) }
        let admin = bound.admin.map { "http://127.0.0.1:\($0.port ?? 0)" }
        return (
            simulator,
            FleetTarget(host: "127.0.0.1", tcpAddress: bound.tls, httpAddress: bound.http, adminURL: admin),
            resourceIDs
        )
    }

    /// The profile's simulator faults on the run's clock (the reconnect-storm restart).
    static func faultSchedule(
        profile: FleetProfile,
        simulator: MPSimulator?,
        log: @escaping @Sendable (String) -> Void
    ) -> (@Sendable (Double) async -> Void)? {
        guard let simulator, let restartAt = profile.simulatorRestartAt else { return nil }
        let done = NIOLockedValueBox(false)
        let restartSeconds = Double(restartAt) / 1e9
        return { elapsed in
            guard elapsed >= restartSeconds, !done.withLockedValue({ $0 }) else { return }
            done.withLockedValue { $0 = true }
            do {
                let addresses = try await simulator.restartListeners()
                log("simulator restarted its listeners at \(Int(elapsed)) s (\(addresses)); every session was dropped")
            } catch {
                log("simulator restart failed: \(error)")
            }
        }
    }
}
