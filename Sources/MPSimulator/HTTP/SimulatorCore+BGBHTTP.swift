import BGBProtocol
import CCMMessaging
import NIOConcurrencyHelpers
import NIOCore

extension SimulatorCore {
    /// Routes one request of the HTTP port: BGB fallback, registration, or 404.
    func handleHTTP(_ request: HTTPRequest, responder: HTTPPollResponder, token: UInt64) -> HTTPOutcome {
        let path = request.path
        if path.caseInsensitiveEquals("/bgb/handler.ashx") {
            guard request.method == BGBHTTPRequestType.method else {
                return .respond(Self.plain(405, "Method Not Allowed"))
            }
            guard let type = BGBHTTPRequestType(target: request.target) else {
                update { $0.count(.malformedHTTP) }
                return .respond(Self.plain(400, "Bad Request"))
            }
            switch type {
            case .logIn: return logIn()
            case .continue: return continueRequest(request, responder: responder, token: token)
            case .logOut: return logOut(request)
            }
        }
        if CCMRegistrationHTTP.paths.contains(where: { path.caseInsensitiveEquals($0) }) {
            guard request.method == BGBHTTPRequestType.method else {
                return .respond(Self.plain(405, "Method Not Allowed"))
            }
            return .respond(handleRegistration(request))
        }
        return .respond(Self.plain(404, "Not Found"))
    }

    static func plain(_ status: Int, _ reason: String) -> HTTPMessage {
        HTTPMessage(startLine: "HTTP/1.1 \(status) \(reason)", headers: [("Content-Length", "0")])
    }

    private var httpParser: BGBFrameParser {
        BGBFrameParser(
            configuration: .init(
                maximumPayloadSize: configuration.maximumPayloadSize,
                zeroPayload: .reject,
                unknownChannel: .deliver
            )
        )
    }

    private func logIn() -> HTTPOutcome {
        let id = BGBSessionID.random()
        let number = nextSessionNumber()
        httpSessions.withLockedValue { $0.logIn(id, number: number, now: .now()) }
        update { $0.httpLogIns += 1 }
        return .respond(BGBHTTPMessages.logInAnswer(BGBLogInAnswer(sessionID: id)))
    }

    private func continueRequest(_ request: HTTPRequest, responder: HTTPPollResponder, token: UInt64) -> HTTPOutcome {
        update { $0.httpContinues += 1 }
        let body: BGBContinueRequest
        do {
            body = try BGBContinueRequest(body: request.body, parser: httpParser)
        } catch {
            update { $0.count(.malformedHTTPBody) }
            logger.debug("malformed Continue body", metadata: ["detail": "\(error)"])
            return .respond(Self.plain(400, "Bad Request"))
        }
        let id = body.sessionID
        guard let session = httpSessions.withLockedValue({ $0.touch(id, keepAliveInterval: body.keepAliveInterval, now: .now()) })
        else {
            update { counters in
                counters.count(.unknownHTTPSession)
                counters.httpSessionEndedAnswers += 1
            }
            return .respond(BGBHTTPMessages.sessionEnded())
        }
        let message: BGBMessage
        do {
            message = try BGBMessage(frame: body.frame)
        } catch {
            update { $0.count(error == .unknownChannel(body.frame.channel) ? .unknownChannel : .malformedMessage) }
            // Spec §3.1.2: count and ignore; the Continue still polls for a signed-in session.
            if session.smsID != nil { return poll(id, responder: responder, token: token) }
            return .respond(Self.plain(400, "Bad Request"))
        }
        switch message {
        case .signIn(let signIn):
            return httpSignIn(signIn, frame: body.frame, session: session)
        case .keepAlive(let keepAlive):
            guard let smsID = session.smsID else { return notSignedIn(session) }
            if keepAlive.clientID != smsID { update { $0.count(.clientIDMismatch) } }
            if let rejection = checkPayloadSignature(body.frame, smsID: smsID, session: session) { return rejection }
            if faults.ignoreKeepAlives {
                update { $0.keepAlivesIgnored += 1 }
            } else {
                self.keepAlive(smsID, sessionNumber: session.number)
            }
            return poll(id, responder: responder, token: token)
        case .response(let response):
            guard let smsID = session.smsID else { return notSignedIn(session) }
            if let rejection = checkPayloadSignature(body.frame, smsID: smsID, session: session) { return rejection }
            handleResponse(response, from: smsID)
            return poll(id, responder: responder, token: token)
        case .disconnect:
            endHTTPSession(id, number: session.number, reason: .clientDisconnect, answer: .idle)
            update { $0.httpIdleAnswers += 1 }
            return .respond(BGBHTTPMessages.continueAnswer(.idle(sessionID: id)))
        case .signInConfirm, .request, .negotiationNeeded, .none:
            update { $0.count(.unexpectedChannel) }
            return .respond(Self.plain(400, "Bad Request"))
        }
    }

    private func httpSignIn(_ signIn: BGBSignIn, frame: BGBFrame, session: HTTPSessionTable.Session) -> HTTPOutcome {
        let id = session.id
        if let rejection = checkPayloadSignature(frame, smsID: signIn.clientID, session: session) { return rejection }
        switch checkIdentity(signIn.clientID, thumbprint: nil, channelType: .http) {
        case .reject(let reason, let detail):
            logger.notice("HTTP SignIn refused", metadata: ["reason": "\(reason.rawValue)", "detail": "\(detail)"])
            endHTTPSession(id, number: session.number, reason: reason, answer: .sessionEnded)
            return .respond(Self.plain(403, "Forbidden"))
        case .accept(let record):
            let previous = httpSessions.withLockedValue { $0.signIn(id, smsID: signIn.clientID) }
            if let previous { sessionEnded(previous, sessionNumber: session.number, channelType: .http) }
            if session.smsID != signIn.clientID {
                signedIn(signIn.clientID, session: .http(id, number: session.number), record: record)
            }
        }
        let confirm = BGBMessage.signInConfirm(BGBSignInConfirm(timeStamp: timeStamp()))
        let answer = BGBHTTPMessages.continueAnswer(BGBContinueAnswer(sessionID: id, frame: confirm.frame()))
        let delay = faults.signInConfirmDelay
        return delay > .zero ? .deferred(answer, delay: delay.timeAmount) : .respond(answer)
    }

    private func notSignedIn(_ session: HTTPSessionTable.Session) -> HTTPOutcome {
        update { counters in
            counters.count(.httpNotSignedIn)
            counters.httpSessionEndedAnswers += 1
        }
        endHTTPSession(session.id, number: session.number, reason: .protocolError, answer: .sessionEnded)
        return .respond(BGBHTTPMessages.sessionEnded())
    }

    /// The poll part of a Continue: the oldest queued message at once, or hold.
    private func poll(_ id: BGBSessionID, responder: HTTPPollResponder, token: UInt64) -> HTTPOutcome {
        let deadline = NIODeadline.now() + configuration.httpHold.timeAmount
        switch httpSessions.withLockedValue({ $0.poll(id, token: token, responder: responder, deadline: deadline) }) {
        case .answer(let message):
            return .respond(
                BGBHTTPMessages.continueAnswer(BGBContinueAnswer(sessionID: id, frame: message.frame)),
                push: message.push
            )
        case .hold(let released):
            update { $0.httpPollsHeld += 1 }
            if let released { released.responder.answer(token: released.token, .idle) }
            return .hold(sessionID: id)
        case .unknownSession:
            update { $0.httpSessionEndedAnswers += 1 }
            return .respond(BGBHTTPMessages.sessionEnded())
        }
    }

    private func logOut(_ request: HTTPRequest) -> HTTPOutcome {
        update { $0.httpLogOuts += 1 }
        guard let body = try? BGBLogOutRequest(body: request.body) else {
            update { $0.count(.malformedHTTPBody) }
            return .respond(Self.plain(400, "Bad Request"))
        }
        if let number = httpSessions.withLockedValue({ $0.sessions[body.sessionID]?.number }) {
            // Held polls of the session get the idle answer, never 990 (spec §4.8).
            endHTTPSession(body.sessionID, number: number, reason: .httpLogOut, answer: .idle)
        }
        return .respond(BGBHTTPMessages.logOutAnswer())
    }

    /// PayloadSignature check per `signatureVerification`; returns the 403 outcome on an enforced failure.
    private func checkPayloadSignature(_ frame: BGBFrame, smsID: SMSID, session: HTTPSessionTable.Session) -> HTTPOutcome? {
        let mode = configuration.signatureVerification
        guard mode != .off else { return nil }
        func fail(_ detail: String) -> HTTPOutcome? {
            guard mode == .enforce else {
                logger.debug("PayloadSignature check failed", metadata: ["smsid": "\(smsID)", "detail": "\(detail)"])
                return nil
            }
            logger.notice("PayloadSignature rejected", metadata: ["smsid": "\(smsID)", "detail": "\(detail)"])
            endHTTPSession(session.id, number: session.number, reason: .signatureInvalid, answer: .sessionEnded)
            return .respond(Self.plain(403, "Forbidden"))
        }
        guard frame.xmlHeader.readableBytes > 0, let header = try? BGBMessageHeader(bytes: frame.xmlHeader) else {
            update { $0.signaturesMissing += 1 }
            return fail("no <Message> header with a PayloadSignature")
        }
        if header.sourceID != smsID {
            update { $0.count(.clientIDMismatch) }
            return fail("SourceID \(header.sourceID) differs from \(smsID)")
        }
        guard let key = directory.record(for: smsID)?.verificationKey else {
            update { $0.signaturesUnchecked += 1 }
            return fail("no certificate registered for \(smsID)")
        }
        if case .unsupported(let reason) = key {
            update { $0.signaturesUnchecked += 1 }
            return fail(reason)
        }
        if key.verifyPayloadSignature(header.payloadSignature, payload: Array(frame.payload.readableBytesView)) {
            update { $0.signaturesVerified += 1 }
            return nil
        }
        update { $0.signaturesInvalid += 1 }
        return fail("PayloadSignature does not verify against the registered certificate")
    }

    /// Ends an HTTP session: held poll answered with `answer`, queued pushes failed, identity offline.
    func endHTTPSession(_ id: BGBSessionID, number: UInt64, reason: CloseReason, answer: PollAnswer) {
        guard let session = httpSessions.withLockedValue({ $0.remove(id, number: number) }) else { return }
        finishRemoved(session, reason: reason, answer: answer)
    }

    func finishRemoved(_ session: HTTPSessionTable.Session, reason: CloseReason, answer: PollAnswer) {
        if let held = session.held { held.responder.answer(token: held.token, answer) }
        for message in session.queue {
            if let push = message.push { pushFailed(push, reason: "HTTP session ended before a poll took the push") }
        }
        if let smsID = session.smsID { sessionEnded(smsID, sessionNumber: session.number, channelType: .http) }
        update { $0.count(reason) }
    }

    /// Forgets the held poll `token` of a session (its connection is busy with a newer request or gone).
    @discardableResult
    func releaseHold(_ id: BGBSessionID, token: UInt64) -> Bool {
        httpSessions.withLockedValue { $0.releaseHold(id, token: token) } != nil
    }

    /// Hold expiry (idle answer) and session idle expiry (3 × KeepAliveInterval, at least httpMinimumIdle).
    func scanHTTPSessions() {
        let minimum = configuration.httpMinimumIdle.nanoseconds
        let intervals = Int64(configuration.httpIdleIntervals)
        let (holds, expired) = httpSessions.withLockedValue { table in
            table.expire(now: .now()) { interval in
                .nanoseconds(max(minimum, Int64(interval) * intervals * 1_000_000_000))
            }
        }
        for held in holds { held.responder.answer(token: held.token, .idle) }
        if !expired.isEmpty { update { $0.httpSessionsExpired += UInt64(expired.count) } }
        for session in expired { finishRemoved(session, reason: .idleTimeout, answer: .idle) }
    }

    /// Hands a message to an HTTP session: the held poll at once, or the queue.
    func deliverHTTP(_ id: BGBSessionID, number: UInt64, frame: BGBFrame, push: PushTarget?) {
        let message = HTTPSessionTable.QueuedMessage(frame: frame, push: push, enqueuedAt: Clock.monotonicNanoseconds)
        let limit = configuration.httpQueueLimit
        switch httpSessions.withLockedValue({ $0.deliver(id, sessionNumber: number, message: message, limit: limit) }) {
        case .answer(let held, let message):
            held.responder.answer(token: held.token, .message(message))
        case .queued:
            if let push {
                push.operation.markQueued(push.index)
                update { $0.pushesQueued += 1 }
            }
        case .overflow:
            if let push { pushFailed(push, reason: PushFailure.httpQueueFull.rawValue) }
        case .unknownSession:
            if let push { pushFailed(push, reason: PushFailure.sessionClosed.rawValue) }
        }
    }
}
