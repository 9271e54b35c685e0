import FleetSupport
import Foundation

/// Everything the MP simulator can be told: listeners, TLS, identity and signature policy,
/// timeouts, push fan-out, task-type mapping and fault flags.
///
/// Decodable from YAML (``MPSimulatorConfiguration/load(yaml:)``) with camel-case keys equal to the
/// property names; unknown keys and wrong types are errors that name the key. Durations are written
/// as numbers of seconds or strings with a unit (`500ms`, `30s`, `45m`, `1h`).
public struct MPSimulatorConfiguration: Sendable, Hashable, Codable {
    /// The TLS protocol versions the notification listener can allow.
    public enum TLSProtocolVersion: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
        case tls10 = "1.0"
        case tls11 = "1.1"
        case tls12 = "1.2"
        case tls13 = "1.3"

        public static func < (lhs: Self, rhs: Self) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    /// The simulator's own TLS key. An MP's certificate is RSA (the default); P-256 makes the
    /// simulator's half of each handshake ~20× cheaper, so a scale run on one machine measures the
    /// generator's sign-in capacity rather than the simulator's RSA signatures.
    public enum ServerKeyType: String, Sendable, Hashable, Codable, CaseIterable {
        case rsa2048
        case p256
    }

    /// Which TLS implementation the notification listener (TCP 10123) runs on. The HTTPS
    /// fallback listener always uses NIOSSL.
    public enum TLSEngine: Sendable, Hashable, Codable, CaseIterable, RawRepresentable {
        /// BoringSSL driven directly on one server context shared by every session (the default:
        /// a few KiB of TLS state per idle session).
        case lean
        /// NIOSSL's `NIOSSLServerHandler` (about three times the memory per idle session; for comparison).
        case nioSSL

        /// `lean` or `niossl` (as the generator's `tls.engine`); `nio-ssl` is read as `niossl`.
        public init?(rawValue: String) {
            switch rawValue {
            case "lean": self = .lean
            case "niossl", "nio-ssl": self = .nioSSL
            default: return nil
            }
        }

        public var rawValue: String {
            switch self {
            case .lean: "lean"
            case .nioSSL: "niossl"
            }
        }
    }

    /// Whether TLS clients must present a certificate (any certificate is accepted).
    public enum ClientCertificatePolicy: String, Sendable, Hashable, Codable, CaseIterable {
        case required
        case optional
    }

    /// What happens when a SignIn names an unknown SMSID or its TLS certificate is not the one
    /// registered for that SMSID (spec §2.2.4, §10 item 25).
    public enum IdentityCheck: String, Sendable, Hashable, Codable, CaseIterable {
        /// Accept and count (unknown SMSIDs are registered implicitly).
        case lenient
        /// Close the connection (HTTP: answer 403).
        case strict
    }

    /// How HTTP PayloadSignatures and registration signatures are checked (spec §4.5, §5.5).
    public enum SignatureVerification: String, Sendable, Hashable, Codable, CaseIterable {
        case off
        /// Verify, count and log failures, accept the message.
        case log
        /// Verify; a failure is answered 403 (HTTP) or `Status="3"` (registration).
        case enforce
    }

    /// The registration answer (spec §5.7).
    public enum Approval: String, Sendable, Hashable, Codable, CaseIterable {
        /// `Status="0" ApprovalStatus="1"`.
        case auto
        /// `Status="1" ApprovalStatus="0"`.
        case pending
    }

    /// How the simulator writes `TimeStamp` attributes (spec §3.2).
    public enum TimestampStyle: String, Sendable, Hashable, Codable, CaseIterable {
        /// UTC whole seconds, `Z` (default).
        case wholeSeconds
        /// UTC with a trimmed 7-digit fraction, `Z`.
        case dotnet
    }

    /// Push throttling: `clientsPerBatch` targets every `batchInterval`.
    public struct PushThrottle: Sendable, Hashable, Codable {
        public var clientsPerBatch: Int
        public var batchInterval: Duration

        public init(clientsPerBatch: Int, batchInterval: Duration) {
            precondition(clientsPerBatch > 0, "clientsPerBatch must be positive")
            self.clientsPerBatch = clientsPerBatch
            self.batchInterval = batchInterval
        }
    }

    /// Faults active from the start (the control API changes them at run time).
    public struct Faults: Sendable, Hashable, Codable {
        /// Delay every SignInConfirm by this much.
        public var signInConfirmDelay: Duration
        /// Keep-alives neither refresh `LastStatusTime` nor the idle timer.
        public var ignoreKeepAlives: Bool

        public init(signInConfirmDelay: Duration = .zero, ignoreKeepAlives: Bool = false) {
            self.signInConfirmDelay = signInConfirmDelay
            self.ignoreKeepAlives = ignoreKeepAlives
        }
    }

    /// Listen address of the notification (TLS) and HTTP listeners.
    public var host: String = "127.0.0.1"
    /// TLS notification port (0 = ephemeral).
    public var tlsPort: Int = 10123
    /// HTTP fallback and registration port (0 = ephemeral, nil = disabled).
    public var httpPort: Int? = 80
    /// Serve the HTTP port over TLS (HTTPS fallback), with the TLS rules of the notification port.
    public var httpTLS: Bool = false
    /// AdminService and simulator control port (0 = ephemeral, nil = disabled).
    public var adminPort: Int? = 8080
    /// Listen address of the admin API: loopback unless configured.
    public var adminHost: String = "127.0.0.1"
    public var tlsMinimumVersion: TLSProtocolVersion = .tls10
    public var tlsMaximumVersion: TLSProtocolVersion = .tls13
    public var clientCertificate: ClientCertificatePolicy = .required
    public var serverKey: ServerKeyType = .rsa2048
    /// The TLS implementation of the notification listener.
    public var tlsEngine: TLSEngine = .lean
    public var identityCheck: IdentityCheck = .lenient
    public var signatureVerification: SignatureVerification = .log
    public var approval: Approval = .auto
    /// Keep a SMSID a registering client proposes instead of assigning a new one.
    public var honorProposedSMSID: Bool = false
    /// TCP: no complete frame for this long closes the session (spec §8.5).
    public var tcpIdleTimeout: Duration = .seconds(2700)
    /// HTTP: how long a Continue is held before the idle answer (spec §4.10).
    public var httpHold: Duration = .seconds(540)
    /// HTTP: messages queued per session while no poll is held; overflow counts as failed.
    public var httpQueueLimit: Int = 16
    /// HTTP: a session expires after this many keep-alive intervals without a Continue.
    public var httpIdleIntervals: Int = 3
    /// HTTP: the smallest idle expiry, whatever the announced interval.
    public var httpMinimumIdle: Duration = .seconds(60)
    /// Accepted connection → SignIn received (TLS handshake included).
    public var handshakeTimeout: Duration = .seconds(30)
    /// Largest BGB `PayloadSize` (TCP) and HTTP body accepted.
    public var maximumPayloadSize: Int = 1 << 20
    public var timestampStyle: TimestampStyle = .wholeSeconds
    /// Nil: every target gets the push at once.
    public var pushThrottle: PushThrottle? = nil
    /// Admin `Type` → wire TaskType overrides; built in: 8 → 1, 135 → 15, 145 → 15, otherwise Type.
    public var typeMap: [Int: Int] = [:]
    /// `ServerID` reported in `SMS_CN_ClientStatus`.
    public var serverID: Int = 1
    /// Collections besides `SMS00001` (All Systems): ID → ResourceIDs.
    public var collections: [String: [Int]] = [:]
    /// Clients of the site outside the fleet: members of `SMS00001` (and `SMS_R_System` records),
    /// online from the start, that never answer a push — what a real site has besides the fleet.
    public var foreignClients: Int = 0
    /// Where the RSA-2048 server certificate is generated once and reused.
    public var stateDirectory: String = MPSimulatorConfiguration.defaultStateDirectory
    /// When set, admin requests need `Authorization: Bearer <token>`.
    public var adminBearerToken: String? = nil
    /// PKI: the server certificate (PEM: leaf first, its chain after) used instead of the generated
    /// self-signed one, with ``serverKeyFile`` (PEM, RSA or P-256).
    public var serverCertificateFile: String? = nil
    public var serverKeyFile: String? = nil
    /// PKI: client certificates must chain to a CA of this PEM bundle and allow client
    /// authentication (TCP 10123 and HTTPS), as a PKI MP requires; others are refused, counted in
    /// ``MPSimulatorCounters/clientCertificatesRefused`` by reason.
    public var clientCAFile: String? = nil
    /// Sessions the run expects; start fails with a clear error when the file limit cannot hold them.
    public var expectedSessions: Int? = nil
    public var faults: Faults = Faults()

    /// The defaults of spec §2–§9.
    public init() {}

    /// Ephemeral ports on 127.0.0.1 for every listener, as tests and the embedded run use.
    public static func ephemeral(stateDirectory: String = defaultStateDirectory) -> MPSimulatorConfiguration {
        var configuration = MPSimulatorConfiguration()
        configuration.tlsPort = 0
        configuration.httpPort = 0
        configuration.adminPort = 0
        configuration.stateDirectory = stateDirectory
        return configuration
    }

    /// `$XDG_CACHE_HOME/bgbfleet/mp-sim`, or `~/.cache/bgbfleet/mp-sim`.
    public static var defaultStateDirectory: String {
        CacheDirectory.path() + "/mp-sim"
    }

    /// The wire TaskType for an admin `Type` (spec §7.3).
    public func wireTaskType(forAdminType type: Int) -> Int32 {
        if let mapped = typeMap[type] { return Int32(truncatingIfNeeded: mapped) }
        switch type {
        case 8: return 1
        case 135, 145: return 15
        default: return Int32(truncatingIfNeeded: type)
        }
    }

    /// Checks the values that cannot be expressed in types.
    public func validate() throws(MPSimulatorConfigurationError) {
        func port(_ value: Int?, _ key: String) throws(MPSimulatorConfigurationError) {
            if let value, !(0...65535).contains(value) {
                throw .invalidValue(key: key, reason: "\(value) is not a port number (0…65535)")
            }
        }
        try port(tlsPort, "tlsPort")
        try port(httpPort, "httpPort")
        try port(adminPort, "adminPort")
        if tlsMinimumVersion > tlsMaximumVersion {
            throw .invalidValue(
                key: "tlsMinimumVersion",
                reason: "\(tlsMinimumVersion.rawValue) is above tlsMaximumVersion \(tlsMaximumVersion.rawValue)"
            )
        }
        func positive(_ value: Duration, _ key: String) throws(MPSimulatorConfigurationError) {
            if value <= .zero { throw .invalidValue(key: key, reason: "must be longer than 0") }
        }
        try positive(tcpIdleTimeout, "tcpIdleTimeout")
        try positive(httpHold, "httpHold")
        try positive(handshakeTimeout, "handshakeTimeout")
        try positive(httpMinimumIdle, "httpMinimumIdle")
        if faults.signInConfirmDelay < .zero {
            throw .invalidValue(key: "faults.signInConfirmDelay", reason: "must not be negative")
        }
        if foreignClients < 0 || foreignClients > 1_000_000 {
            throw .invalidValue(key: "foreignClients", reason: "\(foreignClients) is not 0…1000000")
        }
        if httpQueueLimit < 1 { throw .invalidValue(key: "httpQueueLimit", reason: "must be at least 1") }
        if httpIdleIntervals < 1 { throw .invalidValue(key: "httpIdleIntervals", reason: "must be at least 1") }
        if maximumPayloadSize < 1024 {
            throw .invalidValue(key: "maximumPayloadSize", reason: "must be at least 1024 bytes")
        }
        if let throttle = pushThrottle {
            if throttle.clientsPerBatch < 1 {
                throw .invalidValue(key: "pushThrottle.clientsPerBatch", reason: "must be at least 1")
            }
            try positive(throttle.batchInterval, "pushThrottle.batchInterval")
        }
        if let expectedSessions, expectedSessions < 0 {
            throw .invalidValue(key: "expectedSessions", reason: "must not be negative")
        }
        if let token = adminBearerToken, token.isEmpty {
            throw .invalidValue(key: "adminBearerToken", reason: "must not be empty (leave it out to disable)")
        }
        if stateDirectory.isEmpty { throw .invalidValue(key: "stateDirectory", reason: "must not be empty") }
    }
}

/// Why a configuration cannot be used.
public enum MPSimulatorConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    case unknownKey(String, known: [String])
    case wrongType(key: String, expected: String)
    case invalidValue(key: String, reason: String)
    case missingValue(key: String)
    case malformedDocument(String)

    public var description: String {
        switch self {
        case .unknownKey(let key, let known):
            "unknown configuration key '\(key)' (known keys: \(known.joined(separator: ", ")))"
        case .wrongType(let key, let expected):
            "configuration key '\(key)': expected \(expected)"
        case .invalidValue(let key, let reason):
            "configuration key '\(key)': \(reason)"
        case .missingValue(let key):
            "configuration key '\(key)' needs a value"
        case .malformedDocument(let reason):
            "configuration is not valid YAML: \(reason)"
        }
    }
}
