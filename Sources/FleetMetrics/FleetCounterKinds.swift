/// The state a simulated session is in; ``FleetCounters`` keeps a gauge per state.
public enum SessionState: String, CaseIterable, Sendable, Codable, Hashable {
    case planned
    case connecting
    case tls
    case signedIn = "signed_in"
    case httpFallback = "http_fallback"
    case reconnecting
    case failed
}

/// Why a session attempt failed; counted in ``FleetCounters`` and addressed in thresholds as
/// `errors.<rawValue>`.
public enum FailureReason: String, CaseIterable, Sendable, Codable, Hashable {
    case connectRefused = "connect_refused"
    case connectTimeout = "connect_timeout"
    case tls
    case signinTimeout = "signin_timeout"
    case protocolError = "protocol"
    case eof
    case reset
    case httpStatus = "http_status"
    case http990 = "http_990"
    case disconnectReceived = "disconnect_received"
    case negotiationNeeded = "negotiation_needed"
    case registration
    case other
    /// The MP's certificate was refused by `tls.verify: ca|pin` (`--mp-ca`, `--mp-pin`).
    case tlsVerify = "tls_verify"
}

/// Monotonic event counters of a run.
public enum FleetCounter: String, CaseIterable, Sendable, Codable, Hashable {
    /// Pushes the MP was asked to deliver to sessions that were online (signed in) at trigger
    /// time: the engine adds the number of online targets of each trigger. Denominator of
    /// `delivery`.
    case pushesTargeted = "pushes_targeted"
    /// BGB push messages received by clients.
    case pushesReceived = "pushes_received"
    /// Responses written back by clients. Numerator of `delivery`.
    case responsesSent = "responses_sent"
    case keepalivesSent = "keepalives_sent"
    case bytesIn = "bytes_in"
    case bytesOut = "bytes_out"
    /// Messages that parsed but broke the protocol's expectations.
    case protocolAnomalies = "protocol_anomalies"
}

extension SessionState {
    /// Position in `allCases`.
    @inlinable var ordinal: Int {
        switch self {
        case .planned: 0
        case .connecting: 1
        case .tls: 2
        case .signedIn: 3
        case .httpFallback: 4
        case .reconnecting: 5
        case .failed: 6
        }
    }
}

extension FailureReason {
    /// Position in `allCases`.
    @inlinable var ordinal: Int {
        switch self {
        case .connectRefused: 0
        case .connectTimeout: 1
        case .tls: 2
        case .signinTimeout: 3
        case .protocolError: 4
        case .eof: 5
        case .reset: 6
        case .httpStatus: 7
        case .http990: 8
        case .disconnectReceived: 9
        case .negotiationNeeded: 10
        case .registration: 11
        case .other: 12
        case .tlsVerify: 13
        }
    }
}

extension FleetCounter {
    /// Position in `allCases`.
    @inlinable var ordinal: Int {
        switch self {
        case .pushesTargeted: 0
        case .pushesReceived: 1
        case .responsesSent: 2
        case .keepalivesSent: 3
        case .bytesIn: 4
        case .bytesOut: 5
        case .protocolAnomalies: 6
        }
    }
}
