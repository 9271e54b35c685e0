import Atomics
import BGBClient
import BGBProtocol
import FleetIdentity
import FleetMetrics
import Foundation
import NIOConcurrencyHelpers

/// What every session of a run shares: read-only settings plus the thread-safe metrics.
final class FleetRunContext: Sendable {
    let metrics: FleetMetrics
    let triggers: TriggerTracker
    let identities: FleetIdentitySource
    let target: FleetTarget
    let tls: BGBTLSOptions
    /// The TLS context every TCP session shares (nil: one NIOSSL context per session).
    let leanTLS: BGBLeanTLSContext?
    let keepAliveInterval: UInt64
    let keepAliveSpread: Bool
    /// The SignInConfirm wait; when it ends the session fails (`signin_timeout`) and reconnects.
    let signInTimeout: UInt64
    /// The bound on handshakes in flight per process (0: none; nil: the default per loop).
    let maxHandshakes: Int?
    let clientVersion: ClientVersion
    let timestamps: BGBTimestampStyle
    let responder: Responder
    let reconnect: ReconnectPolicy
    /// The transport every session starts with.
    let transport: FleetProfile.Transport
    /// The HTTP long-poll settings (`transport: http` and the TCP → HTTP fallback).
    let http: BGBHTTPSessionConfiguration
    /// How long a session stays on the HTTP fallback before it tries TCP again (spec §8.4).
    let tcpRetryInterval: UInt64
    /// TCP → HTTP fallbacks so far (the `http_fallback` gauge counts sessions on it now).
    let httpFallbacks = ManagedAtomic<Int>(0)
    /// The refused MP certificates logged so far (``noteTLSVerificationFailure(session:_:)``).
    let tlsVerificationsLogged = NIOLockedValueBox<Set<String>>([])
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
        triggerFirings: Int,
        logger: @escaping @Sendable (String) -> Void
    ) throws(FleetConfigurationError) {
        self.metrics = metrics
        self.triggers = TriggerTracker(capacity: triggerFirings)
        self.identities = identities
        self.target = target
        self.tls = profile.tls
        do {
            self.leanTLS = try profile.tls.makeLeanContext()
        } catch {
            throw .invalid(key: "tls.engine", value: profile.tls.engine.rawValue, reason: "\(error)")
        }
        self.keepAliveInterval = profile.keepAlive
        self.keepAliveSpread = profile.keepAliveSpread
        self.signInTimeout = profile.signInTimeout
        self.maxHandshakes = profile.maxHandshakes
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
        self.transport = profile.transport
        self.http = BGBHTTPSessionConfiguration(pollMode: .continuous)
        self.tcpRetryInterval = Self.defaultTCPRetryInterval
        self.seed = 0x5EED_B6B0_F1EE_7000
        self.logger = logger
    }

    /// Spec §8.4: retry TCP every hour while on the HTTP fallback.
    static let defaultTCPRetryInterval: UInt64 = 3_600_000_000_000

    var isStopping: Bool { stopping.load(ordering: .relaxed) }

    /// Counts a TCP → HTTP fallback; the first one of the run is logged.
    func noteHTTPFallback(session index: Int, failures: Int) {
        if httpFallbacks.loadThenWrappingIncrement(ordering: .relaxed) == 0 {
            log("session \(index) fell back to HTTP after \(failures) consecutive TCP connect/TLS failures (further fallbacks are counted in the http_fallback gauge)")
        }
    }

    func log(_ message: String) { logger(message) }
}

/// Where sessions get their identities from: the pool, or anything else that yields credentials.
public protocol FleetIdentitySource: Sendable {
    /// How many identities there are.
    var count: Int { get }
    /// The SMSID, certificate and key (DER) of identity `index`: called at every connect.
    func rawCredentials(for index: Int) throws -> FleetRawCredentials
    /// The key that signs the HTTP Continues of identity `index` (spec §4.5); called at every
    /// HTTP connect. The default implementation has none and throws.
    func payloadSigner(for index: Int) throws -> BGBPayloadSigner
}

/// An identity as the pool stores it: nothing parsed, so nothing per session but the bytes.
public struct FleetRawCredentials: Sendable {
    public var smsID: SMSID
    public var certificateDER: [UInt8]
    public var privateKeyDER: [UInt8]

    public init(smsID: SMSID, certificateDER: [UInt8], privateKeyDER: [UInt8]) {
        self.smsID = smsID
        self.certificateDER = certificateDER
        self.privateKeyDER = privateKeyDER
    }
}

extension FleetIdentitySource {
    /// The credentials of identity `index` parsed for NIOSSL (the HTTP transport and `tls.engine: niossl`).
    public func credentials(for index: Int) throws -> BGBClientCredentials {
        let raw = try rawCredentials(for: index)
        return try BGBClientCredentials(smsID: raw.smsID, certificateDER: raw.certificateDER, privateKeyDER: raw.privateKeyDER)
    }

    public func payloadSigner(for index: Int) throws -> BGBPayloadSigner {
        throw FleetIdentitySourceError.noPayloadSigner(index: index)
    }
}

extension PoolIdentitySource {
    /// The identity's own key: RSA as ConfigMgr signs, or P-256 (accepted by the simulator only).
    public func payloadSigner(for index: Int) throws -> BGBPayloadSigner {
        let identity = identity(forSession: index)
        return try BGBPayloadSigner(privateKeyDER: identity.smsCertificate.privateKeyDER)
    }
}

/// Why an identity source cannot serve the HTTP transport.
public enum FleetIdentitySourceError: Error, Hashable, Sendable, CustomStringConvertible {
    case noPayloadSigner(index: Int)

    public var description: String {
        switch self {
        case .noPayloadSigner(let index): "identity \(index) has no key to sign HTTP payloads with"
        }
    }
}
