import BGBProtocol
import NIOCore

/// The logic of one HTTP(S) long-poll session (spec §4), transport-free: a struct whose mutating
/// methods take events (a connection up, an answer, a timer) and return the ``Action``s the shell
/// (``BGBHTTPSession``) performs. It wraps ``BGBSessionStateMachine`` (SignIn, keep-alives, pushes)
/// and adds the HTTP part: LogIn, Continue, LogOut, the 280 and 990 answers, polling and the
/// connections.
///
/// Phases: `idle → loggingIn → loggedIn(id) → loggingOut → closed`, with `loggedIn → loggingIn`
/// at a 990. The transitions (each has a test in `HTTPSessionStateMachineTests`):
///
/// 1. ``start(now:)``: `idle → loggingIn`; LogIn is queued and the first connection opened.
/// 2. ``connected(_:now:)``: the first connection up completes the start future (`connected`);
///    queued requests go out on idle connections (at ``settle(now:)``). A connection that comes
///    up after the end is closed.
/// 3. ``connectFailed(_:reason:)`` before the first connection was ever up: `closed`, the start
///    future fails with the connect error, the delegate hears nothing.
/// 4. ``connectFailed(_:reason:)`` later: `closed` with the connect error (while logging out: with
///    the LogOut's reason).
/// 5. LogIn answered 200 with a session id: `loggedIn(id)`; `Continue[SignIn]` goes out, the
///    SignInConfirm wait is armed, ``Action/signInSent(atNanoseconds:)``. Any other status closes
///    with ``BGBCloseReason/httpStatus(_:)``; an undecodable body with
///    ``BGBCloseReason/protocolError(_:)``.
/// 6. A Continue answered 280 carrying a message: dispatched to ``BGBSessionStateMachine``
///    (SignInConfirm → signed in and the first keep-alive; a push → ``Action/deliverPush(_:)``;
///    Disconnect → LogOut); at ``settle(now:)`` the next poll goes out at once unless another
///    Continue (the Response to that push) is already out or waiting (``BGBHTTPPollScheduler``).
/// 7. A 280 that carries nothing: the idle answer (PayloadSize 0) silently, a 280 without a
///    frame, on an unknown channel or with an undecodable message as an anomaly (spec §10 items
///    2–3); the next poll after the scheduler's delay (``Timer/poll``).
/// 8. A Continue answered 990: log in again at once (spec §4.6): ``Action/willLogInAgain(count:)``,
///    then at ``settle(now:)`` the login's timers and queue are dropped, `loggingIn`, LogIn
///    queued; answers to the older login's requests are ignored from then on. More than
///    ``BGBHTTPSessionConfiguration/reLogInLimit`` 990s within the window close with
///    `httpStatus(990)` (``BGBHTTPReLogInGuard``).
/// 9. A Continue answered 200 or any other status: `closed` with that status (spec §10 item 4).
/// 10. A request of this login failed (timeout, reset, TLS…): `closed` with the shell's reason.
/// 11. ``close(now:)``: from `idle` closed at once and silently; from `loggingIn` closed with
///     ``BGBCloseReason/local``; from `loggedIn` LogOut (12); later, nothing.
/// 12. LogOut (``close(now:)`` or a close from ``BGBSessionStateMachine`` such as Disconnect or
///     the SignIn timeout): `loggingOut`; timers and queue dropped, ``Timer/logOut`` armed, LogOut
///     queued (when both connections carry Continues, one is closed to make room). The LogOut's
///     answer, failure, or the timer closes with the reason; every other answer or failure is
///     ignored (spec §10 item 6).
/// 13. ``timerFired(_:now:)``: keep-alive and SignIn timeout go to ``BGBSessionStateMachine``;
///     the poll timer sends `Continue[KeepAlive]` when no Continue is outstanding; the LogOut
///     timer closes.
/// 14. Connections: at most ``BGBHTTPSessionConfiguration/maximumConnections``, one request each,
///     opened on demand (one at a time) and reused; an answer with `Connection: close` or a
///     failure retires its connection; ``connectionClosed(_:now:)`` forgets it and sends what waits.
/// 15. ``payloadSigningFailed(_:)``: `closed` with ``BGBCloseReason/protocolError(_:)``.
/// 16. Closing (any way): every connection closed, timers cancelled, the queue dropped, then
///     ``Action/closed(_:)`` once — or ``Action/completeStart(_:)`` with
///     `closedBeforeConnecting` while the start future is still open.
///
/// Settling: after performing the actions of any event, the shell calls ``settle(now:)`` and
/// performs what it returns. The decisions that must follow the owner's reactions happen there:
/// the next poll after a 280, the re-login after a 990, ``Action/signInSent(atNanoseconds:)`` and
/// handing queued requests to connections. An owner that answers a push from inside
/// ``Action/deliverPush(_:)`` thus gets its Response onto the connection the push came on, and
/// that Response serves as the next poll; one that closes the session from inside
/// ``Action/completeStart(_:)`` sends no LogIn.
///
/// Interim `100 Continue` answers (spec §4.9) never reach the machine: ``HTTPClientResponseDecoder``
/// skips them and the request stays outstanding until its final answer.
public struct BGBHTTPSessionStateMachine: Sendable {
    public let configuration: BGBHTTPSessionConfiguration
    public let sessionConfiguration: BGBSessionConfiguration
    /// The BGB session of the current login.
    public private(set) var session: BGBSessionStateMachine
    public private(set) var phase: Phase = .idle
    /// 990 re-logins so far.
    public private(set) var reLogIns = 0

    private var connections: [Connection] = []
    private var nextConnectionID = 0
    private var queue = CircularBuffer<Queued>(initialCapacity: 2)
    /// Incremented at every (re-)login; answers to requests of an older generation are ignored.
    private var generation = 0
    private var pollScheduler: BGBHTTPPollScheduler
    private var reLogInGuard: BGBHTTPReLogInGuard
    private var logOutReason: BGBCloseReason = .local
    /// The start future is not complete yet.
    private var startPending = false
    /// Decisions left for ``settle(now:)``.
    private var pendingPoll: (elapsed: UInt64, carriedMessage: Bool)?
    private var pendingReLogIn = false
    private var pendingSignInSent: UInt64?

    /// One connection and the request it carries.
    private struct Connection {
        let id: ConnectionID
        var isOpen = false
        var request: Request?
        /// No new requests: it closes after its answer (or is closing).
        var retired = false

        var isIdle: Bool { isOpen && request == nil && !retired }
    }

    /// A request waiting for a connection.
    private struct Queued {
        enum Kind {
            case logIn
            case `continue`(BGBMessage, respondingTo: BGBRequest?)
            case logOut(BGBSessionID)
        }

        var kind: Kind
        var generation: Int

        var isContinue: Bool {
            if case .continue = kind { return true }
            return false
        }
    }

    public init(configuration: BGBSessionConfiguration, http: BGBHTTPSessionConfiguration) {
        self.sessionConfiguration = configuration
        self.configuration = http
        self.session = BGBSessionStateMachine(configuration: configuration)
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

    /// The connections open or opening now.
    public var connectionCount: Int { connections.count }

    /// Continues of this login sent or waiting.
    public var continuesOutstanding: Int {
        connections.reduce(0) { $0 + ($1.request.map { $0.isContinue && $0.generation == generation } == true ? 1 : 0) }
            + queue.reduce(0) { $0 + ($1.isContinue ? 1 : 0) }
    }

    // MARK: Events from the owner

    /// Transition 1.
    public mutating func start(now: Instant) -> Actions {
        precondition(phase == .idle, "start() called twice")
        startPending = true
        phase = .loggingIn
        var actions = Actions()
        enqueue(.logIn)
        return actions
    }

    /// Answers a push (only while logged in).
    public mutating func respond(to request: BGBRequest, returnCode: ReturnCode, now: Instant) -> Actions {
        guard case .loggedIn = phase else { return [] }
        var actions = Actions()
        absorb(session.respond(to: request, returnCode: returnCode, epochNanoseconds: now.epochNanoseconds), respondingTo: request, now: now, into: &actions)
        return actions
    }

    /// Records that a push will not be answered.
    public mutating func dropPush() {
        session.dropPush()
    }

    /// Transition 11.
    public mutating func close(now: Instant) -> Actions {
        var actions = Actions()
        switch phase {
        case .idle:
            phase = .closed(.local)
        case .loggingIn:
            terminate(.local, into: &actions)
        case .loggedIn:
            let closing = session.close()
            if closing.isEmpty {
                logOutThenTerminate(.local, now: now, into: &actions)
            } else {
                absorb(closing, now: now, into: &actions)
            }
        case .loggingOut, .closed:
            break
        }
        return actions
    }

    /// Transition 13.
    public mutating func timerFired(_ timer: Timer, now: Instant) -> Actions {
        if case .closed = phase { return [] }
        var actions = Actions()
        switch timer {
        case .keepAlive:
            absorb(session.keepAliveTimerFired(nowNanoseconds: now.uptimeNanoseconds, epochNanoseconds: now.epochNanoseconds), now: now, into: &actions)
        case .signInTimeout:
            absorb(session.signInTimeoutFired(nowNanoseconds: now.uptimeNanoseconds, epochNanoseconds: now.epochNanoseconds), now: now, into: &actions)
        case .poll:
            poll(now: now, into: &actions)
        case .logOut:
            terminate(logOutReason, into: &actions)
        }
        return actions
    }

    /// Transition 15: the shell could not sign a Continue's payload.
    public mutating func payloadSigningFailed(_ description: String) -> Actions {
        var actions = Actions()
        terminate(.protocolError("cannot sign the payload: \(description)"), into: &actions)
        return actions
    }

    // MARK: Events from the connections

    /// Transition 2: the connection is up.
    public mutating func connected(_ id: ConnectionID, now: Instant) -> Actions {
        guard let index = connections.firstIndex(where: { $0.id == id }) else { return [.closeConnection(id)] }
        connections[index].isOpen = true
        if case .closed = phase { return [.closeConnection(id)] }
        var actions = Actions()
        if startPending {
            startPending = false
            actions.append(.completeStart(.connected))
        }
        return actions
    }

    /// Transitions 3 and 4: the connection could not be opened; `reason` is the connect error.
    public mutating func connectFailed(_ id: ConnectionID, reason: BGBCloseReason) -> Actions {
        connections.removeAll { $0.id == id }
        var actions = Actions()
        if startPending {
            startPending = false
            phase = .closed(reason)
            queue.removeAll()
            actions.append(.completeStart(.connectFailed))
            return actions
        }
        if case .loggingOut = phase {
            terminate(logOutReason, into: &actions)
        } else {
            terminate(reason, into: &actions)
        }
        return actions
    }

    /// Transition 14: the connection has closed, for whatever reason.
    public mutating func connectionClosed(_ id: ConnectionID, now: Instant) -> Actions {
        connections.removeAll { $0.id == id }
        return []
    }

    /// Settles what the last events left open (see the type's documentation); call after
    /// performing every event's actions.
    public mutating func settle(now: Instant) -> Actions {
        var actions = Actions()
        if pendingReLogIn {
            pendingReLogIn = false
            reLogIn(now: now, into: &actions)
        }
        if let poll = pendingPoll {
            pendingPoll = nil
            schedulePoll(elapsed: poll.elapsed, carriedMessage: poll.carriedMessage, now: now, into: &actions)
        }
        pump(now: now, into: &actions)
        if let at = pendingSignInSent {
            pendingSignInSent = nil
            actions.append(.signInSent(atNanoseconds: at))
        }
        return actions
    }

    /// Transitions 5–9 and 12: `request` was answered with `response` (a final answer: never 1xx).
    public mutating func answered(_ request: Request, on id: ConnectionID, response: HTTPClientResponse, now: Instant) -> Actions {
        var actions = Actions()
        requestCompleted(on: id, retire: !response.keepAlive, into: &actions)
        answered(request, response: response, now: now, into: &actions)
        return actions
    }

    /// Transitions 10 and 12: `request` failed; `reason` is what the shell makes of the error.
    public mutating func failed(_ request: Request, on id: ConnectionID, reason: BGBCloseReason, now: Instant) -> Actions {
        var actions = Actions()
        requestCompleted(on: id, retire: true, into: &actions)
        switch phase {
        case .idle, .closed:
            break
        case .loggingOut:
            if case .logOut = request.kind { terminate(logOutReason, into: &actions) }
        case .loggingIn, .loggedIn:
            if request.generation == generation { terminate(reason, into: &actions) }
        }
        return actions
    }
}

// MARK: Answers

extension BGBHTTPSessionStateMachine {
    private mutating func requestCompleted(on id: ConnectionID, retire: Bool, into actions: inout Actions) {
        guard let index = connections.firstIndex(where: { $0.id == id }) else { return }
        connections[index].request = nil
        if retire { self.retire(index, into: &actions) }
    }

    private mutating func answered(_ request: Request, response: HTTPClientResponse, now: Instant, into actions: inout Actions) {
        switch phase {
        case .idle, .closed:
            return
        case .loggingOut:
            // Answers after our own LogOut are ignored (spec §10 item 6); the LogOut's ends the session.
            if case .logOut = request.kind { terminate(logOutReason, into: &actions) }
            return
        case .loggingIn, .loggedIn:
            break
        }
        guard request.generation == generation else { return }
        switch request.kind {
        case .logIn:
            guard response.status == 200 else {
                terminate(.httpStatus(response.status), into: &actions)
                return
            }
            let answer: BGBLogInAnswer
            do {
                answer = try BGBLogInAnswer(body: response.body)
            } catch {
                terminate(.protocolError("LogIn answer: \(error)"), into: &actions)
                return
            }
            phase = .loggedIn(answer.sessionID)
            absorb(session.transportReady(nowNanoseconds: now.uptimeNanoseconds, epochNanoseconds: now.epochNanoseconds), now: now, into: &actions)
            pendingSignInSent = now.uptimeNanoseconds
        case .continue:
            switch response.status {
            case BGBHTTPStatus.continue:
                let carried = dispatch(response.body, now: now, into: &actions)
                pendingPoll = (now.uptimeNanoseconds &- request.sentAtNanoseconds, carried)
            case BGBHTTPStatus.sessionEnded:
                logInAgain(now: now, into: &actions)
            default:
                terminate(.httpStatus(response.status), into: &actions)
            }
        case .logOut:
            return
        }
    }

    /// Dispatches a 280 body; returns whether it carried a message (not the idle answer).
    private mutating func dispatch(_ body: ByteBuffer, now: Instant, into actions: inout Actions) -> Bool {
        let answer: BGBContinueAnswer
        do {
            answer = try BGBContinueAnswer(body: body)
        } catch {
            actions.append(.anomaly(.undecodableMessage(.none, "280 answer: \(error)")))
            return false
        }
        guard let frame = answer.frame else {
            // "Read 0 bytes. Expected 14 bytes!": the SDK continues (spec §10 item 3).
            actions.append(.anomaly(.undecodableMessage(.none, "280 answer without a frame")))
            return false
        }
        // PayloadSize 0 is the normal idle answer on HTTP (channel 7, or 2), never fatal here.
        guard frame.payload.readableBytes > 0 else { return false }
        guard frame.channel.isKnown else {
            actions.append(.anomaly(.unknownChannel(frame.channel.rawValue)))
            return false
        }
        let message: BGBMessage
        do {
            message = try BGBMessage(frame: frame)
        } catch {
            absorb(session.receivedUndecodable(channel: frame.channel, reason: error.description), now: now, into: &actions)
            return false
        }
        absorb(session.received(message, nowNanoseconds: now.uptimeNanoseconds, epochNanoseconds: now.epochNanoseconds), now: now, into: &actions)
        return true
    }

    /// 990: log in again at once, unless that happened too often (spec §8.4).
    private mutating func logInAgain(now: Instant, into actions: inout Actions) {
        guard reLogInGuard.sessionEnded(atNanoseconds: now.uptimeNanoseconds) else {
            terminate(.httpStatus(BGBHTTPStatus.sessionEnded), into: &actions)
            return
        }
        reLogIns += 1
        actions.append(.willLogInAgain(count: reLogIns))
        pendingReLogIn = true
    }

    /// The re-login itself, once the observer has heard of it.
    private mutating func reLogIn(now: Instant, into actions: inout Actions) {
        guard case .loggedIn = phase else { return }
        generation += 1
        cancelTimers(into: &actions)
        queue.removeAll()
        session = BGBSessionStateMachine(configuration: sessionConfiguration)
        pollScheduler.reset()
        phase = .loggingIn
        enqueue(.logIn)
    }

    // MARK: Polling

    private mutating func schedulePoll(elapsed: UInt64, carriedMessage: Bool, now: Instant, into actions: inout Actions) {
        guard case .loggedIn = phase, session.state == .online else { return }
        guard
            let delay = pollScheduler.answered(
                afterNanoseconds: elapsed,
                carriedMessage: carriedMessage,
                othersOutstanding: continuesOutstanding > 0
            )
        else { return }
        actions.append(.cancelTimer(.poll))
        if delay == 0 {
            poll(now: now, into: &actions)
        } else {
            actions.append(.scheduleTimer(.poll, atNanoseconds: now.uptimeNanoseconds + delay))
        }
    }

    /// A Continue carrying a KeepAlive, sent only to poll (not counted as a keep-alive).
    private mutating func poll(now: Instant, into actions: inout Actions) {
        guard case .loggedIn = phase, session.state == .online, continuesOutstanding == 0 else { return }
        let keepAlive = BGBKeepAlive(
            timeStamp: sessionConfiguration.timestamps.signInStamp(now.epochNanoseconds),
            clientID: sessionConfiguration.smsID
        )
        enqueue(.continue(.keepAlive(keepAlive), respondingTo: nil))
    }

    // MARK: The BGB session's actions

    /// Turns ``BGBSessionStateMachine``'s actions into this machine's.
    private mutating func absorb(
        _ sessionActions: BGBSessionStateMachine.Actions,
        respondingTo request: BGBRequest? = nil,
        now: Instant,
        into actions: inout Actions
    ) {
        for action in sessionActions {
            switch action {
            case .send(let message):
                if case .response = message {
                    enqueue(.continue(message, respondingTo: request))
                } else {
                    enqueue(.continue(message, respondingTo: nil))
                }
            case .scheduleKeepAlive(let at):
                actions.append(.scheduleTimer(.keepAlive, atNanoseconds: at))
            case .scheduleSignInTimeout(let at):
                actions.append(.scheduleTimer(.signInTimeout, atNanoseconds: at))
            case .cancelTimers:
                cancelTimers(into: &actions)
            case .signedIn(let confirmed):
                actions.append(.cancelTimer(.signInTimeout))
                actions.append(.signedIn(confirmed: confirmed))
            case .deliverPush(let push):
                actions.append(.deliverPush(push))
            case .keepAliveSent(let lateness):
                actions.append(.keepAliveSent(latenessNanoseconds: lateness))
            case .anomaly(let anomaly):
                actions.append(.anomaly(anomaly))
            case .close(let reason):
                logOutThenTerminate(reason, now: now, into: &actions)
            }
        }
    }

    // MARK: The end

    /// Sends LogOut (when logged in), then ends with `reason` once it is answered, fails or times out.
    private mutating func logOutThenTerminate(_ reason: BGBCloseReason, now: Instant, into actions: inout Actions) {
        guard case .loggedIn(let sessionID) = phase else {
            terminate(reason, into: &actions)
            return
        }
        phase = .loggingOut
        logOutReason = reason
        cancelTimers(into: &actions)
        queue.removeAll()
        actions.append(
            .scheduleTimer(.logOut, atNanoseconds: now.uptimeNanoseconds + UInt64(max(0, configuration.logOutTimeout.nanoseconds)))
        )
        enqueue(.logOut(sessionID))
    }

    /// Transition 16: ends the session now.
    private mutating func terminate(_ reason: BGBCloseReason, into actions: inout Actions) {
        if case .closed = phase { return }
        phase = .closed(reason)
        pendingPoll = nil
        pendingReLogIn = false
        pendingSignInSent = nil
        cancelTimers(into: &actions)
        actions.append(.cancelTimer(.logOut))
        queue.removeAll()
        _ = session.transportClosed(reason)
        for index in connections.indices { retire(index, into: &actions) }
        if startPending {
            // Closed before the first connection was up: the start future reports it.
            startPending = false
            actions.append(.completeStart(.closedBeforeConnecting(reason)))
            return
        }
        actions.append(.closed(reason))
    }

    private func cancelTimers(into actions: inout Actions) {
        actions.append(.cancelTimer(.keepAlive))
        actions.append(.cancelTimer(.signInTimeout))
        actions.append(.cancelTimer(.poll))
    }
}

// MARK: Requests and connections

extension BGBHTTPSessionStateMachine {
    /// Queues a request; ``settle(now:)`` hands it to a connection.
    private mutating func enqueue(_ kind: Queued.Kind) {
        queue.append(Queued(kind: kind, generation: generation))
    }

    /// Sends queued requests on idle connections, opening one when allowed.
    private mutating func pump(now: Instant, into actions: inout Actions) {
        while let next = queue.first {
            if case .closed = phase { return }
            guard let index = connections.firstIndex(where: \.isIdle) else {
                if connections.count < configuration.maximumConnections, !connections.contains(where: { !$0.isOpen }) {
                    let id = ConnectionID(nextConnectionID)
                    nextConnectionID += 1
                    connections.append(Connection(id: id))
                    actions.append(.openConnection(id))
                } else if case .logOut = next.kind, !connections.contains(where: \.retired),
                    let busy = connections.firstIndex(where: { $0.request?.isContinue == true })
                {
                    // Both connections carry Continues (a held poll): drop one to make room for LogOut.
                    retire(busy, into: &actions)
                }
                return
            }
            queue.removeFirst()
            send(next, on: index, now: now, into: &actions)
        }
    }

    private mutating func send(_ queued: Queued, on index: Int, now: Instant, into actions: inout Actions) {
        let kind: Request.Kind
        switch queued.kind {
        case .logIn:
            kind = .logIn
        case .continue(let message, let respondingTo):
            // A Continue queued for an older login is dropped.
            guard case .loggedIn(let sessionID) = phase, queued.generation == generation else { return }
            kind = .continue(message, sessionID: sessionID, respondingTo: respondingTo)
        case .logOut(let sessionID):
            kind = .logOut(sessionID)
            connections[index].retired = true
        }
        let request = Request(kind: kind, generation: queued.generation, sentAtNanoseconds: now.uptimeNanoseconds)
        connections[index].request = request
        actions.append(.send(request, on: connections[index].id))
    }

    private mutating func retire(_ index: Int, into actions: inout Actions) {
        connections[index].retired = true
        if connections[index].isOpen { actions.append(.closeConnection(connections[index].id)) }
    }
}
