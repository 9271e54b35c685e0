import BGBClient
import FleetMetrics

/// Everything a run is: read from a YAML profile, then overridden by flags.
///
/// Every key is documented in `profiles/README.md`; unknown keys, wrong types and impossible
/// values are errors naming the key (see ``FleetProfile/init(yaml:)``).
public struct FleetProfile: Hashable, Sendable {
    /// One scheduled push.
    public struct Trigger: Hashable, Sendable {
        public enum Targets: Hashable, Sendable {
            case all
            /// This fraction of the sessions (the first ⌈f·N⌉ by index).
            case fraction(Double)
            /// These ResourceIDs.
            case resourceIDs([UInt32])
        }

        /// First firing, after the run start.
        public var at: UInt64
        /// Repeat period (nil: once).
        public var every: UInt64?
        /// How many times (nil with `every`: until the run ends).
        public var count: Int?
        /// The admin-side `SMS_ClientOperation` Type (8 = Download Computer Policy, 135 = Run Script).
        public var type: Int
        /// Base64 `Param` for InitiateClientOperationEx (Run Script / CMPivot).
        public var param: String?
        public var targets: Targets
        public var collectionID: String

        public init(
            at: UInt64,
            every: UInt64? = nil,
            count: Int? = nil,
            type: Int = 8,
            param: String? = nil,
            targets: Targets = .all,
            collectionID: String = "SMS00001"
        ) {
            self.at = at
            self.every = every
            self.count = count
            self.type = type
            self.param = param
            self.targets = targets
            self.collectionID = collectionID
        }

        /// The firing times (offsets after the run start) within `duration`.
        public func firings(within duration: UInt64) -> [UInt64] {
            var times: [UInt64] = []
            var time = at
            let limit = count ?? (every == nil ? 1 : Int.max)
            while time <= duration, times.count < limit {
                times.append(time)
                guard let every, every > 0 else { break }
                time += every
            }
            return times
        }
    }

    public enum Transport: String, Hashable, Sendable, CaseIterable {
        case tcp
        case http
    }

    // The target.
    /// The MP host; nil runs the embedded MP simulator on 127.0.0.1.
    public var mp: String?
    public var port: Int = 10123
    public var httpPort: Int = 80
    public var transport: Transport = .tcp
    public var tls = BGBTLSOptions()

    // The fleet.
    public var sessions: Int = 500
    public var arrival: ArrivalSchedule = .rate(250)
    public var duration: UInt64 = 60_000_000_000
    public var keepAlive: UInt64 = 900_000_000_000
    /// How long a session waits for SignInConfirm (profile `signin-timeout`, `--signin-timeout`;
    /// default 60 s, the spec's §8.3 wait). No confirmation in time is a failed sign-in
    /// (`errors.signin_timeout`) and the session reconnects by its policy: never "signed in".
    public var signInTimeout: UInt64 = 60_000_000_000
    /// Spread keep-alives over the interval (false: `sdk-phase`, every session on the same phase).
    public var keepAliveSpread = true
    public var identities: String?
    public var sourceAddresses: [SourceAddressRange] = []
    public var processes: Int = 1
    public var clientVersion: String = "5.00.9106.1000"
    public var timestampStyle: String = "sdk"

    // The responder.
    public var handlingTime: HandlingTime = .constant(nanoseconds: 0)
    public var returnCode: Int32 = 1
    public var failureFraction: Double = 0
    public var failureReturnCode: Int32 = 0
    public var noResponseFraction: Double = 0

    // Reconnects.
    public var reconnect = ReconnectPolicy()

    // Triggers.
    public var triggers: [Trigger] = []
    public var triggerURL: String?
    public var triggerBearerToken: String?
    public var triggerBasicCredentials: String?

    // Reports.
    public var thresholds: [String] = []
    public var output: String?

    // The embedded simulator (ignored with `mp`).
    /// Restart the simulator's listeners at this offset (the reconnect-storm profile).
    public var simulatorRestartAt: UInt64?

    /// The profile's own description (its leading comment), for reports.
    public var name: String = "inline"

    public init() {}

    /// The settings as report lines (plan and profile in summary.json).
    public var summary: [String: String] {
        var lines: [String: String] = [
            "profile": name,
            "mp": mp ?? "embedded simulator (127.0.0.1)",
            "port": String(port),
            "transport": transport.rawValue,
            "tls": "\(tls.minimumVersion.rawValue)-\(tls.maximumVersion.rawValue) \(tls.engine.rawValue)",
            "sessions": String(sessions),
            "duration": DurationText.format(duration),
            "keepalive": DurationText.format(keepAlive),
            "keepalive_spread": String(keepAliveSpread),
            "signin_timeout": DurationText.format(signInTimeout),
            "handling_time": handlingTime.description,
            "return_code": String(returnCode),
            "failure_fraction": String(failureFraction),
            "no_response_fraction": String(noResponseFraction),
            "reconnect": reconnect.mode.rawValue,
            "triggers": String(triggers.count),
            "processes": String(processes),
        ]
        switch arrival {
        case .rate(let rate): lines["rate"] = "\(rate)/s"
        case .ramp(let total): lines["ramp"] = DurationText.format(total)
        }
        if !sourceAddresses.isEmpty { lines["source_addresses"] = sourceAddresses.map(\.description).joined(separator: ",") }
        return lines
    }
}
