/// A snapshot of the simulator's counters (spec §8.5: real-time, no summarisation delay).
///
/// Gauges (`sessionsOnline…`) are current values; everything else counts since start.
/// Reason dictionaries are keyed by the `rawValue` of ``CloseReason``, ``ProtocolErrorReason`` and
/// ``RegistrationResult``.
public struct MPSimulatorCounters: Sendable, Hashable, Codable {
    /// Sessions online on TCP (TLS) right now.
    public var sessionsOnlineTCP: Int = 0
    /// Sessions online on the HTTP fallback right now.
    public var sessionsOnlineHTTP: Int = 0
    /// TCP connections accepted (TLS listener).
    public var connectionsAcceptedTCP: UInt64 = 0
    /// HTTP connections accepted.
    public var connectionsAcceptedHTTP: UInt64 = 0
    /// Connections closed at once by the refuse-connections fault.
    public var connectionsRefused: UInt64 = 0
    public var signInsTCP: UInt64 = 0
    public var signInsHTTP: UInt64 = 0
    /// Older sessions closed because the same SMSID signed in again (spec §10 item 24).
    public var replacedSessions: UInt64 = 0
    public var keepAlives: UInt64 = 0
    /// Keep-alives dropped by the ignore-keep-alives fault.
    public var keepAlivesIgnored: UInt64 = 0
    /// SignIns of SMSIDs nobody registered, accepted in lenient mode.
    public var unknownSMSIDsAccepted: UInt64 = 0
    /// SignIns whose TLS certificate is not the registered one, accepted in lenient mode.
    public var certificateMismatchesAccepted: UInt64 = 0
    public var operations: UInt64 = 0
    /// Request frames written (TCP) or answered to a poll (HTTP).
    public var pushesWritten: UInt64 = 0
    /// Pushes queued for an HTTP session with no held poll.
    public var pushesQueued: UInt64 = 0
    /// Pushes that could not be delivered (closed session, full HTTP queue, slow reader).
    public var pushesFailed: UInt64 = 0
    /// Targets with no online session when the operation started.
    public var pushesOffline: UInt64 = 0
    /// Sessions closed because their channel stopped being writable (slow reader).
    public var slowReaderDrops: UInt64 = 0
    public var responsesMatched: UInt64 = 0
    /// Matched Responses whose ReturnCode is not 1.
    public var responsesFailedReturnCode: UInt64 = 0
    public var responsesUnmatched: UInt64 = 0
    public var responsesDuplicate: UInt64 = 0
    public var httpLogIns: UInt64 = 0
    public var httpContinues: UInt64 = 0
    public var httpLogOuts: UInt64 = 0
    /// Continues held as long polls.
    public var httpPollsHeld: UInt64 = 0
    /// 280 idle answers (hold expiry, newest-poll-wins, LogOut, session end).
    public var httpIdleAnswers: UInt64 = 0
    /// 990 answers (unknown session, forced end).
    public var httpSessionEndedAnswers: UInt64 = 0
    public var httpSessionsExpired: UInt64 = 0
    public var signaturesVerified: UInt64 = 0
    public var signaturesInvalid: UInt64 = 0
    public var signaturesMissing: UInt64 = 0
    /// Signatures that could not be checked (no registered certificate or key type unsupported).
    public var signaturesUnchecked: UInt64 = 0
    /// Fault-injected frames sent (Disconnect, NegotiationNeeded, zero-length).
    public var faultFramesSent: UInt64 = 0
    /// Sessions closed by reason.
    public var closes: [String: UInt64] = [:]
    /// Protocol errors by reason.
    public var protocolErrors: [String: UInt64] = [:]
    /// Registrations by result.
    public var registrations: [String: UInt64] = [:]
    /// Client certificates refused by `--client-ca`, by reason ("unable to get local issuer certificate", …).
    public var clientCertificatesRefused: [String: UInt64] = [:]

    public init() {}

    /// Sessions online on both channels.
    public var sessionsOnline: Int { sessionsOnlineTCP + sessionsOnlineHTTP }
    public var signIns: UInt64 { signInsTCP + signInsHTTP }

    public func closes(_ reason: CloseReason) -> UInt64 { closes[reason.rawValue] ?? 0 }
    public func protocolErrors(_ reason: ProtocolErrorReason) -> UInt64 { protocolErrors[reason.rawValue] ?? 0 }
    public func registrations(_ result: RegistrationResult) -> UInt64 { registrations[result.rawValue] ?? 0 }

    mutating func count(_ reason: CloseReason) { closes[reason.rawValue, default: 0] += 1 }
    mutating func count(_ reason: ProtocolErrorReason) { protocolErrors[reason.rawValue, default: 0] += 1 }
    mutating func count(_ result: RegistrationResult) { registrations[result.rawValue, default: 0] += 1 }
}

/// Why the simulator closed (or saw the end of) a session or connection.
public enum CloseReason: String, Sendable, Hashable, Codable, CaseIterable {
    /// The client closed TCP/TLS (EOF), the normal end of a TCP session.
    case clientClosed = "client_closed"
    /// The client sent Disconnect (channel 5).
    case clientDisconnect = "client_disconnect"
    case httpLogOut = "http_logout"
    /// No frame (TCP) or Continue (HTTP) within the idle timeout.
    case idleTimeout = "idle_timeout"
    /// No SignIn within the handshake timeout (TLS handshake included).
    case handshakeTimeout = "handshake_timeout"
    /// The same SMSID signed in again.
    case replaced
    case protocolError = "protocol_error"
    case tlsError = "tls_error"
    case unknownSMSID = "unknown_smsid"
    case certificateMismatch = "certificate_mismatch"
    case signatureInvalid = "signature_invalid"
    case slowReader = "slow_reader"
    /// The close-sessions fault.
    case faultInjected = "fault_injected"
    case listenerRestart = "listener_restart"
    case shutdown
    /// A read or write error other than TLS.
    case ioError = "io_error"
}

/// What was wrong with what a client sent.
public enum ProtocolErrorReason: String, Sendable, Hashable, Codable, CaseIterable {
    case oversizedFrame = "oversized_frame"
    case zeroPayloadSize = "zero_payload_size"
    case headerSizeExceedsPayload = "header_size_exceeds_payload"
    /// A frame on a channel outside 0…7 (counted and ignored).
    case unknownChannel = "unknown_channel"
    case firstFrameNotSignIn = "first_frame_not_signin"
    /// A channel only the MP sends (1, 3, 6, 7) arrived from a client.
    case unexpectedChannel = "unexpected_channel"
    /// The payload is not the message its channel defines (counted and ignored when online).
    case malformedMessage = "malformed_message"
    /// KeepAlive/Response ClientID or HTTP SourceID differs from the signed-in SMSID.
    case clientIDMismatch = "clientid_mismatch"
    case malformedHTTP = "malformed_http"
    case malformedHTTPBody = "malformed_http_body"
    case httpNotSignedIn = "http_not_signed_in"
    case unknownHTTPSession = "unknown_http_session"
    case malformedRegistration = "malformed_registration"
    case tooManyPipelinedRequests = "too_many_pipelined_requests"
}

/// The outcome of a registration request.
public enum RegistrationResult: String, Sendable, Hashable, Codable, CaseIterable {
    case registered
    case pending
    /// Pre-registered through ``MPSimulator/registerClients(_:)``.
    case preRegistered = "pre_registered"
    /// Signature check failed under `enforce` (answered Status 3).
    case rejectedSignature = "rejected_signature"
    /// Signature check failed under `log` (accepted).
    case acceptedBadSignature = "accepted_bad_signature"
    case malformed
    /// Another `TargetEndpoint` (answered 404).
    case unsupportedEndpoint = "unsupported_endpoint"
}
