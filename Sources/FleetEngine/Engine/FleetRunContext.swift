import Atomics
import BGBClient
import BGBProtocol
import FleetMetrics
import Foundation

/// What every session of a run shares: read-only settings plus the thread-safe metrics.
final class FleetRunContext: Sendable {
    let metrics: FleetMetrics
    let triggers: TriggerTracker
    let identities: FleetIdentitySource
    let target: FleetTarget
    let tls: BGBTLSOptions
    let keepAliveInterval: UInt64
    let keepAliveSpread: Bool
    let clientVersion: ClientVersion
    let timestamps: BGBTimestampStyle
    let responder: Responder
    let reconnect: ReconnectPolicy
    let seed: UInt64
    let stopping = ManagedAtomic<Bool>(false)
    let logger: @Sendable (String) -> Void

    struct Responder: Sendable {
        var handlingTime: HandlingTime
        var returnCode: Int32
        var failureFraction: Double
        var failureReturnCode: Int32
        var noResponseFraction: Double
    }

    init(
        profile: FleetProfile,
        target: FleetTarget,
        identities: FleetIdentitySource,
        metrics: FleetMetrics,
        logger: @escaping @Sendable (String) -> Void
    ) throws(FleetConfigurationError) {
        self.metrics = metrics
        self.triggers = TriggerTracker()
        self.identities = identities
        self.target = target
        self.tls = profile.tls
        self.keepAliveInterval = profile.keepAlive
        self.keepAliveSpread = profile.keepAliveSpread
        do {
            self.clientVersion = try ClientVersion(profile.clientVersion)
        } catch {
            throw .invalid(key: "client-version", value: profile.clientVersion, reason: error.description)
        }
        self.timestamps = profile.timestampStyle == "native" ? .native : .sdkLocal()
        self.responder = Responder(
            handlingTime: profile.handlingTime,
            returnCode: profile.returnCode,
            failureFraction: profile.failureFraction,
            failureReturnCode: profile.failureReturnCode,
            noResponseFraction: profile.noResponseFraction
        )
        self.reconnect = profile.reconnect
        self.seed = 0x5EED_B6B0_F1EE_7000
        self.logger = logger
    }

    var isStopping: Bool { stopping.load(ordering: .relaxed) }

    func log(_ message: String) { logger(message) }
}

/// Where sessions get their identities from: the pool, or anything else that yields credentials.
public protocol FleetIdentitySource: Sendable {
    /// How many identities there are.
    var count: Int { get }
    /// The credentials of identity `index` (parsed on demand: called at every connect).
    func credentials(for index: Int) throws -> BGBClientCredentials
}
