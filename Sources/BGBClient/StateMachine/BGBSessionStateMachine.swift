import BGBProtocol

/// The logic of one client session, transport-free: a struct whose mutating methods take events
/// and return the actions the shell (TCP or HTTP) must perform. The Swift counterpart of the SDK's
/// `ConfigMgrBgbSession`, with the generator's recommendations of spec §8.3 and §8.4.
///
/// States: `idle → signingIn (SignIn sent) → online (SignInConfirm, keep-alive timer running) →
/// closed`. A push is answered in `signingIn` too, as the SDK does (spec §1.3).
public struct BGBSessionStateMachine: Sendable {
    public enum State: Hashable, Sendable {
        case idle
        case signingIn
        case online
        case closed(BGBCloseReason)
    }

    /// What the shell must do.
    public enum Action: Hashable, Sendable {
        /// Write (and flush) this message.
        case send(BGBMessage)
        /// (Re)arm the keep-alive timer to fire at this monotonic time (nanoseconds).
        case scheduleKeepAlive(atNanoseconds: UInt64)
        /// Arm the SignInConfirm wait to fire at this monotonic time.
        case scheduleSignInTimeout(atNanoseconds: UInt64)
        /// Cancel both timers.
        case cancelTimers
        /// SignInConfirm arrived (or the wait ended in lenient mode): the session counts as signed in.
        case signedIn(confirmed: Bool)
        /// A push arrived: hand it to the responder.
        case deliverPush(BGBRequest)
        /// A keep-alive went out `latenessNanoseconds` after its intended time.
        case keepAliveSent(latenessNanoseconds: UInt64)
        /// Something the protocol does not expect but the session survives (counted).
        case anomaly(BGBAnomaly)
        /// Close the transport; the engine decides about reconnecting.
        case close(BGBCloseReason)
    }

    public let configuration: BGBSessionConfiguration
    public private(set) var state: State = .idle
    /// The monotonic time the next keep-alive is intended for.
    public private(set) var nextKeepAliveAt: UInt64?
    /// Pushes received and not yet answered in this session, by (PushID, TaskID).
    public private(set) var outstandingPushes: Int = 0

    public init(configuration: BGBSessionConfiguration) {
        self.configuration = configuration
    }

    /// Whether the session has ended.
    public var isClosed: Bool {
        if case .closed = state { return true }
        return false
    }

    /// The transport is up (TCP + TLS, or HTTP LogIn answered): send SignIn.
    public mutating func transportReady(nowNanoseconds: UInt64, epochNanoseconds: Int64) -> Actions {
        precondition(state == .idle, "transportReady in state \(state)")
        state = .signingIn
        let signIn = BGBSignIn(
            timeStamp: configuration.timestamps.signInStamp(epochNanoseconds),
            clientID: configuration.smsID,
            clientVersion: configuration.clientVersion
        )
        return [
            .send(.signIn(signIn)),
            .scheduleSignInTimeout(atNanoseconds: nowNanoseconds + configuration.signInTimeoutNanoseconds),
        ]
    }

    /// A message arrived from the MP.
    public mutating func received(_ message: BGBMessage, nowNanoseconds: UInt64, epochNanoseconds: Int64) -> Actions {
        switch state {
        case .idle, .closed:
            return [.anomaly(.messageOutsideSession(message.channel))]
        case .signingIn, .online:
            break
        }
        switch message {
        case .signInConfirm:
            guard state == .signingIn else { return [.anomaly(.duplicateSignInConfirm)] }
            return goOnline(confirmed: true, nowNanoseconds: nowNanoseconds, epochNanoseconds: epochNanoseconds)
        case .request(let request):
            outstandingPushes += 1
            return Actions(.deliverPush(request))
        case .disconnect:
            return closeActions(.disconnectReceived)
        case .negotiationNeeded:
            return closeActions(.negotiationNeeded)
        case .none:
            return []
        case .signIn, .keepAlive, .response:
            return [.anomaly(.clientMessageFromServer(message.channel))]
        }
    }

    /// A frame with PayloadSize 0 arrived (spec §2.6.2): tolerated and counted, or fatal in `sdk-strict`.
    public mutating func receivedEmptyFrame(channel: BGBChannel) -> Actions {
        if configuration.sdkStrictFraming { return closeActions(.protocolError("PayloadSize 0 on channel \(channel)")) }
        return [.anomaly(.emptyFrame(channel))]
    }

    /// A frame whose payload did not decode as its channel's message: counted and ignored (§3.1.2).
    public mutating func receivedUndecodable(channel: BGBChannel, reason: String) -> Actions {
        [.anomaly(.undecodableMessage(channel, reason))]
    }

    /// The SignInConfirm wait ended.
    public mutating func signInTimeoutFired(nowNanoseconds: UInt64, epochNanoseconds: Int64) -> Actions {
        guard state == .signingIn else { return [] }
        if configuration.strictSignIn { return closeActions(.signInTimeout) }
        return [.anomaly(.signInUnconfirmed)]
            + goOnline(confirmed: false, nowNanoseconds: nowNanoseconds, epochNanoseconds: epochNanoseconds)
    }

    /// The keep-alive timer fired.
    public mutating func keepAliveTimerFired(nowNanoseconds: UInt64, epochNanoseconds: Int64) -> Actions {
        guard state == .online, let intended = nextKeepAliveAt else { return [] }
        let next = intended + configuration.keepAliveIntervalNanoseconds
        nextKeepAliveAt = next
        return [
            .send(.keepAlive(keepAlive(epochNanoseconds))),
            .keepAliveSent(latenessNanoseconds: nowNanoseconds > intended ? nowNanoseconds - intended : 0),
            .scheduleKeepAlive(atNanoseconds: next),
        ]
    }

    /// The responder answers a push.
    public mutating func respond(to request: BGBRequest, returnCode: ReturnCode, epochNanoseconds: Int64) -> Actions {
        switch state {
        case .signingIn, .online:
            outstandingPushes = max(0, outstandingPushes - 1)
            let response = BGBResponse(
                answering: request,
                timeStamp: configuration.timestamps.responseStamp(epochNanoseconds),
                returnCode: returnCode
            )
            return Actions(.send(.response(response)))
        case .idle, .closed:
            return []
        }
    }

    /// The responder decided not to answer a push (the `no-response` option).
    public mutating func dropPush() {
        outstandingPushes = max(0, outstandingPushes - 1)
    }

    /// The application closes the session (TCP: TLS close; HTTP: LogOut).
    public mutating func close() -> Actions {
        closeActions(.local)
    }

    /// The transport ended (EOF, error, TLS failure).
    public mutating func transportClosed(_ reason: BGBCloseReason) -> Actions {
        switch state {
        case .closed:
            return []
        default:
            state = .closed(reason)
            nextKeepAliveAt = nil
            return [.cancelTimers]
        }
    }

    mutating func goOnline(confirmed: Bool, nowNanoseconds: UInt64, epochNanoseconds: Int64) -> Actions {
        state = .online
        // The first KeepAlive follows at once (as the SDK); the timer then runs with this session's phase.
        let first = nowNanoseconds + configuration.keepAliveIntervalNanoseconds - configuration.keepAlivePhaseNanoseconds
        nextKeepAliveAt = first
        return [
            .signedIn(confirmed: confirmed),
            .send(.keepAlive(keepAlive(epochNanoseconds))),
            .keepAliveSent(latenessNanoseconds: 0),
            .scheduleKeepAlive(atNanoseconds: first),
        ]
    }

    func keepAlive(_ epochNanoseconds: Int64) -> BGBKeepAlive {
        BGBKeepAlive(timeStamp: configuration.timestamps.signInStamp(epochNanoseconds), clientID: configuration.smsID)
    }

    mutating func closeActions(_ reason: BGBCloseReason) -> Actions {
        if isClosed { return [] }
        state = .closed(reason)
        nextKeepAliveAt = nil
        return [.cancelTimers, .close(reason)]
    }
}

/// Why a session ended.
public enum BGBCloseReason: Hashable, Sendable, CustomStringConvertible {
    /// The application closed it.
    case local
    case eof
    case disconnectReceived
    case negotiationNeeded
    case signInTimeout
    case tls(String)
    /// The server's certificate was refused by `tls.verify: ca|pin` (``BGBTLSVerificationError``).
    case tlsVerification(String)
    case connect(String)
    case protocolError(String)
    /// The MP reset the connection (``BGBTransportFailure/connectionReset``).
    case connectionReset(String)
    /// Any other socket error.
    case io(String)
    /// HTTP: 990 (log in again), another status, or 200 on Continue.
    case httpStatus(Int)

    public var description: String {
        switch self {
        case .local: "closed locally"
        case .eof: "the MP closed the connection"
        case .disconnectReceived: "Disconnect received"
        case .negotiationNeeded: "NegotiationNeeded received"
        case .signInTimeout: "no SignInConfirm in time"
        case .tls(let reason): "TLS: \(reason)"
        case .tlsVerification(let reason): "TLS: \(reason)"
        case .connect(let reason): "connect: \(reason)"
        case .protocolError(let reason): "protocol: \(reason)"
        case .connectionReset(let reason), .io(let reason): "I/O: \(reason)"
        case .httpStatus(let status): "HTTP status \(status)"
        }
    }
}

/// Protocol anomalies a session survives (counted by the engine).
public enum BGBAnomaly: Hashable, Sendable {
    case emptyFrame(BGBChannel)
    case unknownChannel(UInt16)
    case undecodableMessage(BGBChannel, String)
    case clientMessageFromServer(BGBChannel)
    case duplicateSignInConfirm
    case signInUnconfirmed
    case messageOutsideSession(BGBChannel)
}
