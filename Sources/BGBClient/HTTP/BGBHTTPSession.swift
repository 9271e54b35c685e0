import BGBProtocol
import NIOCore
import NIOSSL

/// Extra events of an HTTP session. A ``BGBSessionDelegate`` that also adopts this protocol
/// receives them.
public protocol BGBHTTPSessionObserver: AnyObject {
    /// The MP answered 990 and the session logs in again at once (spec §4.6); `count` is the
    /// number of re-logins of this session so far.
    func sessionWillLogInAgain(_ session: BGBHTTPSession, count: Int)
}

/// One client-notification session over the HTTP(S) long-poll fallback (spec §4): the NIO shell
/// around ``BGBSessionStateMachine``, reporting through the same ``BGBSessionDelegate`` as the TCP
/// transport so that its owner treats both alike.
///
/// `LogIn` → session id → `Continue[SignIn]` → 280 SignInConfirm → `Continue[KeepAlive]` (the poll,
/// held by the MP) → pushes arrive as 280 answers → `Continue[Response]`; the keep-alive timer
/// sends its own Continue; ``close()`` sends `LogOut`. Every Continue carries the signed
/// `<Message>` header (spec §4.5).
///
/// Connections: at most ``BGBHTTPSessionConfiguration/maximumConnections`` (2), each with at most
/// one request outstanding. A Continue sent while a poll is held goes out on the other
/// connection; the MP then answers the older poll (newest poll wins, spec §4.10). Requests that
/// find both connections busy wait in order. Connections are opened on demand and reused
/// (HTTP/1.1 keep-alive).
///
/// Answers: 280 is dispatched like a TCP frame; the idle answer (PayloadSize 0) and a 280 without
/// a frame are tolerated (spec §4.7, §10 items 2–3); 990 logs in again at once, more than
/// ``BGBHTTPSessionConfiguration/reLogInLimit`` of them within the window end the session with
/// ``BGBCloseReason/httpStatus(_:)`` 990; 200 or any other status on a Continue ends it with that
/// status (§10 item 4). Answers that arrive after the session's own LogOut are ignored (§10 item 6).
///
/// Loop-confined: create it, and call every method, on `eventLoop`.
public final class BGBHTTPSession: BGBSession {
    /// Where the session is.
    public enum Phase: Hashable, Sendable {
        case idle
        /// LogIn sent (or waiting for a connection); no session id yet.
        case loggingIn
        /// Logged in with this session id: SignIn, keep-alives, pushes.
        case loggedIn(BGBSessionID)
        /// LogOut sent; every other answer is ignored.
        case loggingOut
        case closed(BGBCloseReason)
    }

    public private(set) var stateMachine: BGBSessionStateMachine
    public private(set) var phase: Phase = .idle
    /// 990 re-logins so far.
    public private(set) var reLogIns = 0
    public weak var delegate: BGBSessionDelegate?
    public let configuration: BGBHTTPSessionConfiguration
    public let sessionConfiguration: BGBSessionConfiguration
    public let eventLoop: EventLoop

    private let signer: BGBPayloadSigner
    private let endpoint: BGBConnector.Endpoint
    private let tls: HTTPClientTLS?
    /// The `Host` header value.
    private let host: String
    private let keepAliveSeconds: UInt32

    private var slots: [Slot] = []
    private var queue = CircularBuffer<Outgoing>(initialCapacity: 2)
    /// Incremented at every (re-)login; answers to requests of an older generation are ignored.
    private var generation = 0
    private var pollScheduler: BGBHTTPPollScheduler
    private var reLogInGuard: BGBHTTPReLogInGuard
    private var keepAliveTimer: Scheduled<Void>?
    private var signInTimer: Scheduled<Void>?
    private var pollTimer: Scheduled<Void>?
    private var logOutTimer: Scheduled<Void>?
    private var logOutReason: BGBCloseReason = .local
    private var startPromise: EventLoopPromise<Void>?

    /// One connection and the request it carries.
    private final class Slot {
        var connection: HTTPClientConnection?
        var request: Outgoing?
        var sentAt: UInt64 = 0
        /// No new requests: it closes after its answer (or is closing).
        var retired = false

        var isIdle: Bool { connection != nil && request == nil && !retired }
    }

    private enum Kind {
        case logIn
        case `continue`(BGBMessage, respondingTo: BGBRequest?)
        case logOut(BGBSessionID)
    }

    private struct Outgoing {
        var kind: Kind
        var generation: Int

        var isContinue: Bool {
            if case .continue = kind { return true }
            return false
        }
    }

    /// - Parameters:
    ///   - configuration: identity, keep-alive timing and timestamp style (shared with TCP).
    ///   - http: the transport's settings.
    ///   - signer: the identity's key, for every Continue's PayloadSignature.
    ///   - endpoint: the MP's HTTP(S) address; `hostname` goes into the `Host` header.
    ///   - tls: HTTPS with this context (client certificate) and options; nil for plain HTTP.
    public init(
        configuration: BGBSessionConfiguration,
        http: BGBHTTPSessionConfiguration = BGBHTTPSessionConfiguration(),
        signer: BGBPayloadSigner,
        endpoint: BGBConnector.Endpoint,
        tls: HTTPClientTLS? = nil,
        eventLoop: EventLoop,
        delegate: BGBSessionDelegate?
    ) {
        self.sessionConfiguration = configuration
        self.configuration = http
        self.stateMachine = BGBSessionStateMachine(configuration: configuration)
        self.signer = signer
        self.endpoint = endpoint
        self.tls = tls
        self.eventLoop = eventLoop
        self.delegate = delegate
        self.host = httpHostHeader(host: endpoint.hostname, port: endpoint.address.port ?? (tls == nil ? 80 : 443), tls: tls != nil)
        let seconds = configuration.keepAliveIntervalNanoseconds / 1_000_000_000
        self.keepAliveSeconds = UInt32(clamping: max(1, seconds))
        self.pollScheduler = BGBHTTPPollScheduler(
            mode: http.pollMode,
            minimumDelayNanoseconds: UInt64(http.minimumPollDelay.nanoseconds),
            maximumDelayNanoseconds: configuration.keepAliveIntervalNanoseconds
        )
        self.reLogInGuard = BGBHTTPReLogInGuard(
            limit: http.reLogInLimit,
            windowNanoseconds: UInt64(http.reLogInWindow.nanoseconds)
        )
    }

    /// The connections open or opening now (at most ``BGBHTTPSessionConfiguration/maximumConnections``).
    public var connectionCount: Int { slots.count }

    /// Opens the first connection and sends LogIn. The future fails with the connect error when
    /// the first connection cannot be opened (nothing is reported to the delegate then); once it
    /// succeeds, everything else — SignIn, pushes, the end — goes through the delegate.
    public func start() -> EventLoopFuture<Void> {
        eventLoop.preconditionInEventLoop()
        precondition(phase == .idle, "start() called twice")
        let promise = eventLoop.makePromise(of: Void.self)
        startPromise = promise
        phase = .loggingIn
        enqueue(.logIn)
        return promise.futureResult
    }

    // MARK: BGBSession

    public func respond(to request: BGBRequest, returnCode: ReturnCode) {
        eventLoop.preconditionInEventLoop()
        guard case .loggedIn = phase else { return }
        perform(
            stateMachine.respond(to: request, returnCode: returnCode, epochNanoseconds: BGBTimeStamp.currentEpochNanoseconds()),
            respondingTo: request
        )
    }

    public func dropPush() {
        stateMachine.dropPush()
    }

    /// Ends the session: LogOut (`Connection: close`) when logged in, then the connections close
    /// and the delegate hears ``BGBCloseReason/local``.
    public func close() {
        eventLoop.preconditionInEventLoop()
        switch phase {
        case .idle:
            phase = .closed(.local)
        case .loggingIn:
            terminate(.local)
        case .loggedIn:
            let actions = stateMachine.close()
            if actions.isEmpty { logOutThenTerminate(.local) } else { perform(actions) }
        case .loggingOut, .closed:
            return
        }
    }

    // MARK: Requests and connections

    private func enqueue(_ kind: Kind) {
        queue.append(Outgoing(kind: kind, generation: generation))
        pump()
    }

    /// Sends queued requests on idle connections, opening one when allowed.
    private func pump() {
        while let next = queue.first {
            if case .closed = phase { return }
            guard let slot = slots.first(where: \.isIdle) else {
                if slots.count < configuration.maximumConnections, !slots.contains(where: { $0.connection == nil }) {
                    openConnection()
                } else if case .logOut = next.kind, !slots.contains(where: \.retired),
                    let busy = slots.first(where: { $0.request?.isContinue == true })
                {
                    // Both connections carry Continues (a held poll): drop one to make room for LogOut.
                    retire(busy)
                }
                return
            }
            queue.removeFirst()
            send(next, on: slot)
        }
    }

    private func openConnection() {
        let slot = Slot()
        slots.append(slot)
        HTTPClientConnection.connect(
            on: eventLoop,
            to: endpoint,
            tls: tls,
            maximumBodySize: configuration.maximumBodySize
        ).assumeIsolated().whenComplete { result in
            switch result {
            case .success(let connection):
                slot.connection = connection
                connection.closeFuture.assumeIsolated().whenComplete { _ in self.connectionClosed(slot) }
                if case .closed = self.phase {
                    connection.close()
                    return
                }
                if let promise = self.startPromise {
                    self.startPromise = nil
                    promise.succeed(())
                }
                self.pump()
            case .failure(let error):
                self.slots.removeAll { $0 === slot }
                if let promise = self.startPromise {
                    self.startPromise = nil
                    self.phase = .closed(.connect("\(error)"))
                    self.queue.removeAll()
                    promise.fail(error)
                    return
                }
                if case .loggingOut = self.phase {
                    self.terminate(self.logOutReason)
                } else {
                    self.terminate(.connect("\(error)"))
                }
            }
        }
    }

    private func connectionClosed(_ slot: Slot) {
        slots.removeAll { $0 === slot }
        pump()
    }

    private func retire(_ slot: Slot) {
        slot.retired = true
        slot.connection?.close()
    }

    private func send(_ outgoing: Outgoing, on slot: Slot) {
        guard let connection = slot.connection else { preconditionFailure("send on a connection that is not open") }
        let message: HTTPMessage
        let timeout: TimeAmount
        var written: EventLoopPromise<Void>?
        switch outgoing.kind {
        case .logIn:
            message = BGBHTTPMessages.logIn(host: host)
            timeout = configuration.logInTimeout
        case .continue(let bgb, let request):
            guard case .loggedIn(let sessionID) = phase, outgoing.generation == generation else { return }
            do {
                message = try continueMessage(bgb, sessionID: sessionID)
            } catch {
                terminate(.protocolError("cannot sign the payload: \(error)"))
                return
            }
            timeout = configuration.continueTimeout
            if let request {
                let promise = eventLoop.makePromise(of: Void.self)
                promise.futureResult.assumeIsolated().whenSuccess {
                    self.delegate?.session(self, didFlushResponseTo: request, atNanoseconds: self.now)
                }
                written = promise
            }
        case .logOut(let sessionID):
            message = BGBHTTPMessages.logOut(BGBLogOutRequest(sessionID: sessionID), host: host)
            timeout = configuration.logOutTimeout
        }
        var buffer = connection.channel.allocator.buffer(capacity: 256 + message.body.readableBytes)
        message.write(into: &buffer)
        delegate?.session(self, didTransferBytesIn: 0, out: buffer.readableBytes)
        slot.request = outgoing
        slot.sentAt = now
        let closeAfter: Bool
        if case .logOut = outgoing.kind { closeAfter = true } else { closeAfter = false }
        if closeAfter { slot.retired = true }
        connection.send(buffer, closeAfter: closeAfter, timeout: timeout, written: written)
            .assumeIsolated().whenComplete { result in
                self.completed(outgoing, on: slot, result: result)
            }
    }

    /// `<Message>` header with the PayloadSignature, the frame, the Continue body (spec §4.4, §4.5).
    private func continueMessage(_ bgb: BGBMessage, sessionID: BGBSessionID) throws -> HTTPMessage {
        let payload = bgb.payload()
        let header = BGBMessageHeader(
            sourceID: sessionConfiguration.smsID,
            payloadSignature: try signer.signature(for: payload)
        )
        let frame = BGBFrame(channel: bgb.channel, xmlHeader: header.buffer, payload: payload)
        return BGBHTTPMessages.continue(
            BGBContinueRequest(keepAliveInterval: keepAliveSeconds, sessionID: sessionID, frame: frame),
            host: host
        )
    }

    private func completed(_ outgoing: Outgoing, on slot: Slot, result: Result<HTTPClientResponse, Error>) {
        slot.request = nil
        let elapsed = now &- slot.sentAt
        switch result {
        case .success(let response):
            delegate?.session(self, didTransferBytesIn: response.wireSize, out: 0)
            if !response.keepAlive { retire(slot) }
            answered(outgoing, response: response, elapsed: elapsed)
        case .failure(let error):
            retire(slot)
            failed(outgoing, error: error)
        }
        pump()
    }

    // MARK: Answers

    private func answered(_ outgoing: Outgoing, response: HTTPClientResponse, elapsed: UInt64) {
        switch phase {
        case .idle, .closed:
            return
        case .loggingOut:
            // Answers after our own LogOut are ignored (spec §10 item 6); the LogOut's ends the session.
            if case .logOut = outgoing.kind { terminate(logOutReason) }
            return
        case .loggingIn, .loggedIn:
            break
        }
        guard outgoing.generation == generation else { return }
        switch outgoing.kind {
        case .logIn:
            guard response.status == 200 else {
                terminate(.httpStatus(response.status))
                return
            }
            let answer: BGBLogInAnswer
            do {
                answer = try BGBLogInAnswer(body: response.body)
            } catch {
                terminate(.protocolError("LogIn answer: \(error)"))
                return
            }
            phase = .loggedIn(answer.sessionID)
            let now = self.now
            perform(stateMachine.transportReady(nowNanoseconds: now, epochNanoseconds: BGBTimeStamp.currentEpochNanoseconds()))
            delegate?.sessionDidSendSignIn(self, atNanoseconds: now)
        case .continue:
            switch response.status {
            case BGBHTTPStatus.continue:
                let carried = dispatch(response.body)
                schedulePoll(elapsed: elapsed, carriedMessage: carried)
            case BGBHTTPStatus.sessionEnded:
                logInAgain()
            default:
                terminate(.httpStatus(response.status))
            }
        case .logOut:
            return
        }
    }

    /// Dispatches a 280 body; returns whether it carried a message (not the idle answer).
    private func dispatch(_ body: ByteBuffer) -> Bool {
        let answer: BGBContinueAnswer
        do {
            answer = try BGBContinueAnswer(body: body)
        } catch {
            delegate?.session(self, didSurvive: .undecodableMessage(.none, "280 answer: \(error)"))
            return false
        }
        guard let frame = answer.frame else {
            // "Read 0 bytes. Expected 14 bytes!": the SDK continues (spec §10 item 3).
            delegate?.session(self, didSurvive: .undecodableMessage(.none, "280 answer without a frame"))
            return false
        }
        // PayloadSize 0 is the normal idle answer on HTTP (channel 7, or 2), never fatal here.
        guard frame.payload.readableBytes > 0 else { return false }
        guard frame.channel.isKnown else {
            delegate?.session(self, didSurvive: .unknownChannel(frame.channel.rawValue))
            return false
        }
        let message: BGBMessage
        do {
            message = try BGBMessage(frame: frame)
        } catch {
            perform(stateMachine.receivedUndecodable(channel: frame.channel, reason: error.description))
            return false
        }
        perform(stateMachine.received(message, nowNanoseconds: now, epochNanoseconds: BGBTimeStamp.currentEpochNanoseconds()))
        return true
    }

    private func failed(_ outgoing: Outgoing, error: Error) {
        switch phase {
        case .idle, .closed:
            return
        case .loggingOut:
            if case .logOut = outgoing.kind { terminate(logOutReason) }
            return
        case .loggingIn, .loggedIn:
            guard outgoing.generation == generation else { return }
            terminate(Self.reason(for: error))
        }
    }

    /// 990: log in again at once, unless that happened too often (spec §8.4).
    private func logInAgain() {
        guard reLogInGuard.sessionEnded(atNanoseconds: now) else {
            terminate(.httpStatus(BGBHTTPStatus.sessionEnded))
            return
        }
        reLogIns += 1
        (delegate as? BGBHTTPSessionObserver)?.sessionWillLogInAgain(self, count: reLogIns)
        guard case .loggedIn = phase else { return }
        generation += 1
        cancelTimers()
        queue.removeAll()
        stateMachine = BGBSessionStateMachine(configuration: sessionConfiguration)
        pollScheduler.reset()
        phase = .loggingIn
        enqueue(.logIn)
    }

    // MARK: Polling

    /// Continues of this login sent or waiting.
    private var continuesOutstanding: Int {
        slots.reduce(0) { $0 + ($1.request.map { $0.isContinue && $0.generation == generation } == true ? 1 : 0) }
            + queue.reduce(0) { $0 + ($1.isContinue ? 1 : 0) }
    }

    private func schedulePoll(elapsed: UInt64, carriedMessage: Bool) {
        guard case .loggedIn = phase, stateMachine.state == .online else { return }
        guard
            let delay = pollScheduler.answered(
                afterNanoseconds: elapsed,
                carriedMessage: carriedMessage,
                othersOutstanding: continuesOutstanding > 0
            )
        else { return }
        pollTimer?.cancel()
        pollTimer = nil
        if delay == 0 {
            poll()
        } else {
            pollTimer = eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(Int64(delay))) {
                self.pollTimer = nil
                self.poll()
            }
        }
    }

    /// A Continue carrying a KeepAlive, sent only to poll (not counted as a keep-alive).
    private func poll() {
        guard case .loggedIn = phase, stateMachine.state == .online, continuesOutstanding == 0 else { return }
        let keepAlive = BGBKeepAlive(
            timeStamp: sessionConfiguration.timestamps.signInStamp(BGBTimeStamp.currentEpochNanoseconds()),
            clientID: sessionConfiguration.smsID
        )
        enqueue(.continue(.keepAlive(keepAlive), respondingTo: nil))
    }

    // MARK: State machine actions

    private func perform(_ actions: BGBSessionStateMachine.Actions, respondingTo request: BGBRequest? = nil) {
        for action in actions {
            switch action {
            case .send(let message):
                if case .response = message {
                    enqueue(.continue(message, respondingTo: request))
                } else {
                    enqueue(.continue(message, respondingTo: nil))
                }
            case .scheduleKeepAlive(let at):
                keepAliveTimer?.cancel()
                keepAliveTimer = eventLoop.assumeIsolated().scheduleTask(deadline: .uptimeNanoseconds(at)) {
                    self.keepAliveTimer = nil
                    self.perform(
                        self.stateMachine.keepAliveTimerFired(
                            nowNanoseconds: self.now,
                            epochNanoseconds: BGBTimeStamp.currentEpochNanoseconds()
                        )
                    )
                }
            case .scheduleSignInTimeout(let at):
                signInTimer?.cancel()
                signInTimer = eventLoop.assumeIsolated().scheduleTask(deadline: .uptimeNanoseconds(at)) {
                    self.signInTimer = nil
                    self.perform(
                        self.stateMachine.signInTimeoutFired(
                            nowNanoseconds: self.now,
                            epochNanoseconds: BGBTimeStamp.currentEpochNanoseconds()
                        )
                    )
                }
            case .cancelTimers:
                cancelTimers()
            case .signedIn(let confirmed):
                signInTimer?.cancel()
                signInTimer = nil
                delegate?.sessionDidSignIn(self, confirmed: confirmed, atNanoseconds: now)
            case .deliverPush(let request):
                delegate?.session(self, didReceive: request, atNanoseconds: now)
            case .keepAliveSent(let lateness):
                delegate?.session(self, didSendKeepAliveLate: lateness)
            case .anomaly(let anomaly):
                delegate?.session(self, didSurvive: anomaly)
            case .close(let reason):
                logOutThenTerminate(reason)
            }
        }
    }

    // MARK: The end

    /// Sends LogOut (when logged in), then ends with `reason` once it is answered, fails or times out.
    private func logOutThenTerminate(_ reason: BGBCloseReason) {
        guard case .loggedIn(let sessionID) = phase else {
            terminate(reason)
            return
        }
        phase = .loggingOut
        logOutReason = reason
        cancelTimers()
        queue.removeAll()
        logOutTimer = eventLoop.assumeIsolated().scheduleTask(in: configuration.logOutTimeout) {
            self.logOutTimer = nil
            self.terminate(self.logOutReason)
        }
        enqueue(.logOut(sessionID))
    }

    /// Ends the session now: connections closed, the delegate told (once).
    private func terminate(_ reason: BGBCloseReason) {
        if case .closed = phase { return }
        phase = .closed(reason)
        cancelTimers()
        logOutTimer?.cancel()
        logOutTimer = nil
        queue.removeAll()
        _ = stateMachine.transportClosed(reason)
        for slot in slots { retire(slot) }
        if let promise = startPromise {
            // Closed before the first connection was up: the start future reports it.
            startPromise = nil
            promise.fail(BGBHTTPSessionError.closedBeforeConnecting(reason))
            return
        }
        let delegate = self.delegate
        self.delegate = nil
        delegate?.session(self, didCloseWith: reason)
    }

    private func cancelTimers() {
        keepAliveTimer?.cancel()
        keepAliveTimer = nil
        signInTimer?.cancel()
        signInTimer = nil
        pollTimer?.cancel()
        pollTimer = nil
    }

    private var now: UInt64 { eventLoop.now.uptimeNanoseconds }

    /// Maps a request failure to a close reason.
    static func reason(for error: Error) -> BGBCloseReason {
        switch error {
        case HTTPClientError.connectionClosed: return .eof
        case let error as HTTPClientError: return .protocolError(error.description)
        default: return BGBCloseReason(error)
        }
    }
}

/// Why ``BGBHTTPSession/start()`` failed other than with a connect error.
public enum BGBHTTPSessionError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The session was closed before its first connection was up.
    case closedBeforeConnecting(BGBCloseReason)

    public var description: String {
        switch self {
        case .closedBeforeConnecting(let reason): "the HTTP session closed before connecting: \(reason)"
        }
    }
}
