import BGBClient
import FleetMetrics

/// Everything a run is: read from a YAML profile, then overridden by flags.
///
/// Every key is documented in `profiles/README.md`; unknown keys, wrong types and impossible
/// values are errors naming the key (see ``FleetProfile/init(yaml:)``).
public struct FleetProfile: Hashable, Sendable {
    /// One scheduled push.
    public struct Trigger: Hashable, Sendable {
        /// Which clients a trigger reaches. Every form but ``collection`` names the fleet's own
        /// clients by ResourceID (resolved from the site, see `TriggerPlan`), so the collection only
        /// scopes the call.
        public enum Targets: Hashable, Sendable {
            /// The whole fleet.
            case all
            /// This fraction of the fleet (the first ⌈f·N⌉ sessions with a resolved ResourceID).
            case fraction(Double)
            /// The first N sessions of the fleet with a resolved ResourceID.
            case count(Int)
            /// These ResourceIDs, each of which must be one of the fleet's.
            case resourceIDs([UInt32])
            /// Every member of the trigger's collection (no ResourceIDs sent): only for a collection
            /// that holds the simulated clients alone; refused on a built-in `SMS…` collection
            /// against a real MP unless site-wide triggers are allowed.
            case collection
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
    /// `http-scheme: http|https` (`--https`) for the HTTP fallback; nil: HTTPS on port 443 only.
    public var httpScheme: HTTPScheme?
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
    /// The most sessions one process has between connect and sign-in at once (profile
    /// `max-handshakes`, `--max-handshakes`; divided over its event loops); nil: 256 per core
    /// (``defaultHandshakesPerCore``; `run --processes N` gives each local worker its share of
    /// the host's); 0: no bound. The ramp
    /// holds back a session due while the bound is reached, so a generator asked for more than it
    /// can do does the most it can (every handshake finishes quickly, none times out) and its
    /// lateness shows in `start_late`: the schedule stays the user's. Reconnects are not held back.
    public var maxHandshakes: Int?
    /// The default bound on handshakes in flight, per core of the host.
    public static let defaultHandshakesPerCore = 256
    /// Spread keep-alives over the interval (false: `sdk-phase`, every session on the same phase).
    public var keepAliveSpread = true
    public var identities: String?
    public var sourceAddresses: [SourceAddressRange] = []
    public var processes: Int = 1
    /// The most local processes (`processes`, `--processes`): a million sessions with their
    /// simulators on one host at 20,000 files per process take 101.
    public static let maxProcesses = 256
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
    /// `trigger-auth` (a file, the environment; never printed: see ``TriggerCredentials``).
    public var triggerCredentials: TriggerCredentials?
    /// `trigger-command`: fire triggers by running this (``TriggerCommand``) instead of calling the AdminService.
    public var triggerCommand: String?
    /// How an `https://` trigger URL's certificate is checked (`--trigger-ca`, `--trigger-pin`, `--trigger-insecure`).
    public var triggerTLS: AdminServiceTLS = .system
    /// `trigger-command-timeout` (default 60s).
    public var triggerCommandTimeout: UInt64 = 60_000_000_000
    /// How often the MP's own view of the fleet (`SMS_CN_ClientStatus`) is polled through the
    /// AdminService, for `mp_online`; 0: never.
    public var mpOnlinePoll: UInt64 = 30_000_000_000

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
            "server_validation": tls.validationSummary,
            "sessions": String(sessions),
            "duration": DurationText.format(duration),
            "keepalive": DurationText.format(keepAlive),
            "keepalive_spread": String(keepAliveSpread),
            "signin_timeout": DurationText.format(signInTimeout),
            "max_handshakes": maxHandshakes.map { $0 == 0 ? "unbounded" : String($0) } ?? "\(Self.defaultHandshakesPerCore) per core",
            "handling_time": handlingTime.description,
            "return_code": String(returnCode),
            "failure_fraction": String(failureFraction),
            "no_response_fraction": String(noResponseFraction),
            "reconnect": reconnect.mode.rawValue,
            "triggers": String(triggers.count),
            "trigger_auth": triggerCredentials?.description ?? "none",
            "trigger_sender": triggerCommand == nil ? "AdminService" : "trigger-command",
            "trigger_tls": triggerTLS.description,
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
