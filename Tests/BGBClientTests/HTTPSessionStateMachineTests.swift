import BGBClient
import BGBProtocol
import NIOCore
import NIOEmbedded
import Testing

/// ``BGBHTTPSessionStateMachine``: every transition its documentation lists (numbers in the test
/// names), driven event by event with a virtual clock: no sockets, no timers.
@Suite("HTTP session state machine")
struct HTTPSessionStateMachineTests {
    typealias Machine = BGBHTTPSessionStateMachine
    typealias Action = Machine.Action

    static let second: UInt64 = 1_000_000_000
    static let sessionID = BGBSessionID(utf16LE: "{00000000-0000-0000-0000-0000000000AA}")
    static let push = BGBRequest(
        timeStamp: .now(.utcWholeSeconds),
        pushID: 7,
        taskID: 9,
        taskGuid: "{11111111-2222-3333-4444-555555555555}",
        taskType: .requestPolicy
    )
    static let c0 = Machine.ConnectionID(0)
    static let c1 = Machine.ConnectionID(1)
    static let c2 = Machine.ConnectionID(2)

    // MARK: Answers

    static func response(_ status: Int, body: ByteBuffer = ByteBuffer(), close: Bool = false) -> HTTPClientResponse {
        HTTPClientResponse(status: status, headers: close ? [.init("Connection", "close")] : [], body: body)
    }

    static var logInAnswer: HTTPClientResponse {
        var body = ByteBuffer()
        BGBLogInAnswer(sessionID: sessionID).write(into: &body)
        return response(200, body: body)
    }

    /// A 280 carrying `frame` (nil: only the session id).
    static func continueAnswer(_ frame: BGBFrame?) -> HTTPClientResponse {
        var body = ByteBuffer()
        BGBContinueAnswer(sessionID: sessionID, frame: frame).write(into: &body)
        return response(BGBHTTPStatus.continue, body: body)
    }

    static func continueAnswer(_ message: BGBMessage) -> HTTPClientResponse { continueAnswer(message.frame()) }

    static var confirm: HTTPClientResponse {
        continueAnswer(BGBMessage.signInConfirm(BGBSignInConfirm(timeStamp: .now(.utcWholeSeconds))))
    }

    static var idle: HTTPClientResponse { continueAnswer(BGBFrame(channel: .none, payload: ByteBuffer())) }

    // MARK: The driver: a shell without sockets

    /// Performs the connection actions as a shell would (remembering which request each
    /// connection carries) and runs the clock; the test reads the actions each event returns.
    struct Driver {
        var machine: Machine
        var now: UInt64 = 1_000 * HTTPSessionStateMachineTests.second
        /// The request each open connection carries.
        var carried: [Machine.ConnectionID: Machine.Request] = [:]
        var opening: [Machine.ConnectionID] = []
        var closing: Set<Machine.ConnectionID> = []
        var timers: [Machine.Timer: UInt64] = [:]

        init(http: BGBHTTPSessionConfiguration = .init(), strictSignIn: Bool = false) {
            machine = Machine(
                configuration: BGBSessionConfiguration(
                    smsID: .random(),
                    keepAliveIntervalNanoseconds: 60 * HTTPSessionStateMachineTests.second,
                    strictSignIn: strictSignIn
                ),
                http: http
            )
        }

        var instant: Machine.Instant { .init(uptimeNanoseconds: now, epochNanoseconds: 1_700_000_000_000_000_000 + Int64(now)) }

        mutating func advance(seconds: Double) { now += UInt64(seconds * Double(HTTPSessionStateMachineTests.second)) }

        @discardableResult
        mutating func record(_ actions: Machine.Actions) -> Machine.Actions {
            for action in actions {
                switch action {
                case .openConnection(let id): opening.append(id)
                case .send(let request, let id):
                    precondition(carried[id] == nil, "two requests on \(id)")
                    carried[id] = request
                case .closeConnection(let id): closing.insert(id)
                case .scheduleTimer(let timer, let at): timers[timer] = at
                case .cancelTimer(let timer): timers[timer] = nil
                default: break
                }
            }
            return actions
        }

        /// Records an event's actions, then settles the machine as the shell does.
        @discardableResult
        mutating func settled(_ actions: Machine.Actions) -> Machine.Actions {
            record(actions) + record(machine.settle(now: instant))
        }

        @discardableResult mutating func start() -> Machine.Actions { settled(machine.start(now: instant)) }

        @discardableResult mutating func connect(_ id: Machine.ConnectionID) -> Machine.Actions {
            opening.removeAll { $0 == id }
            return settled(machine.connected(id, now: instant))
        }

        @discardableResult mutating func answer(_ id: Machine.ConnectionID, _ response: HTTPClientResponse) -> Machine.Actions {
            let request = carried.removeValue(forKey: id)!
            return settled(machine.answered(request, on: id, response: response, now: instant))
        }

        @discardableResult mutating func fail(_ id: Machine.ConnectionID, _ reason: BGBCloseReason) -> Machine.Actions {
            let request = carried.removeValue(forKey: id)!
            return settled(machine.failed(request, on: id, reason: reason, now: instant))
        }

        /// The shell saw the connection close (its request, if any, failed first).
        @discardableResult mutating func closed(_ id: Machine.ConnectionID) -> Machine.Actions {
            closing.remove(id)
            return settled(machine.connectionClosed(id, now: instant))
        }

        @discardableResult mutating func fire(_ timer: Machine.Timer) -> Machine.Actions {
            now = max(now, timers.removeValue(forKey: timer)!)
            return settled(machine.timerFired(timer, now: instant))
        }

        @discardableResult mutating func close() -> Machine.Actions { settled(machine.close(now: instant)) }

        @discardableResult mutating func respond(to push: BGBRequest) -> Machine.Actions {
            settled(machine.respond(to: push, returnCode: .success, now: instant))
        }

        /// 990 on connection 0, then the new LogIn and SignInConfirm answered; returns the 990's actions.
        mutating func answer990AndSignIn() -> Machine.Actions {
            let actions = answer(HTTPSessionStateMachineTests.c0, HTTPSessionStateMachineTests.response(990))
            answer(HTTPSessionStateMachineTests.c0, HTTPSessionStateMachineTests.logInAnswer)
            answer(HTTPSessionStateMachineTests.c0, HTTPSessionStateMachineTests.confirm)
            return actions
        }

        /// Start, the first connection, LogIn answered: SignIn is out on connection 0.
        mutating func logIn() {
            start()
            connect(HTTPSessionStateMachineTests.c0)
            answer(HTTPSessionStateMachineTests.c0, HTTPSessionStateMachineTests.logInAnswer)
        }

        /// ``logIn()`` and SignInConfirm: online, the first keep-alive (the poll) out on connection 0.
        mutating func signIn() {
            logIn()
            advance(seconds: 0.01)
            answer(HTTPSessionStateMachineTests.c0, HTTPSessionStateMachineTests.confirm)
        }
    }

    /// A short name for what a request is.
    static func name(_ request: Machine.Request) -> String {
        switch request.kind {
        case .logIn: "LogIn"
        case .logOut: "LogOut"
        case .continue(let message, _, _): "Continue[\(message.channel.name)]"
        }
    }

    /// The requests the actions send, by name and connection.
    static func sent(_ actions: Machine.Actions) -> [String] {
        actions.compactMap {
            if case .send(let request, let id) = $0 { return "\(name(request)) on \(id.rawValue)" }
            return nil
        }
    }

    static func closedReasons(_ actions: Machine.Actions) -> [BGBCloseReason] {
        actions.compactMap {
            if case .closed(let reason) = $0 { return reason }
            return nil
        }
    }

    static let allTimersCancelled: [Action] = [
        .cancelTimer(.keepAlive), .cancelTimer(.signInTimeout), .cancelTimer(.poll),
    ]

    // MARK: 1–4: start and connections

    @Test("1: start logs in: LogIn queued, the first connection opened")
    func start() {
        var driver = Driver()
        #expect(driver.start() == [.openConnection(Self.c0)])
        #expect(driver.machine.phase == .loggingIn)
        #expect(driver.machine.connectionCount == 1)
    }

    @Test("2: the first connection up completes the start and carries LogIn")
    func connected() throws {
        var driver = Driver()
        driver.start()
        let actions = driver.connect(Self.c0)
        #expect(actions.first == .completeStart(.connected))
        #expect(Self.sent(actions) == ["LogIn on 0"])
        let request = try #require(driver.carried[Self.c0])
        #expect(request.generation == 0 && request.sentAtNanoseconds == driver.now)
    }

    @Test("2: a connection that comes up after the end is closed at once")
    func connectedAfterClose() {
        var driver = Driver()
        driver.signIn()
        driver.respond(to: Self.push)  // the Response needs connection 1
        driver.settled(driver.machine.payloadSigningFailed("no key"))
        #expect(driver.connect(Self.c1) == [.closeConnection(Self.c1)])
    }

    @Test("3: the first connection fails: the start future fails, the delegate hears nothing")
    func connectFailsAtStart() {
        var driver = Driver()
        driver.start()
        let actions = driver.settled(driver.machine.connectFailed(Self.c0, reason: .connect("refused")))
        #expect(actions == [.completeStart(.connectFailed)])
        #expect(driver.machine.phase == .closed(.connect("refused")))
        #expect(driver.machine.connectionCount == 0)
    }

    @Test("4: a later connection fails: the session ends with the connect error, the others close")
    func connectFailsLater() {
        var driver = Driver()
        driver.signIn()
        driver.respond(to: Self.push)
        #expect(driver.opening == [Self.c1])
        let actions = driver.settled(driver.machine.connectFailed(Self.c1, reason: .connect("refused")))
        #expect(actions.contains(.closeConnection(Self.c0)))
        #expect(Self.closedReasons(actions) == [.connect("refused")])
        #expect(actions.last == .closed(.connect("refused")))
    }

    @Test("4: a connection fails while logging out: the session ends with the LogOut's reason")
    func connectFailsDuringLogOut() {
        var driver = Driver()
        driver.signIn()
        driver.close()  // LogOut needs connection 1: the poll holds 0
        let actions = driver.settled(driver.machine.connectFailed(Self.c1, reason: .connect("refused")))
        #expect(Self.closedReasons(actions) == [.local])
    }

    // MARK: 5: LogIn answered

    @Test("5: LogIn answered 200: logged in, Continue[SignIn] out, SignIn wait armed, SignIn reported")
    func logInAnswered() {
        var driver = Driver()
        driver.start()
        driver.connect(Self.c0)
        let actions = driver.answer(Self.c0, Self.logInAnswer)
        #expect(driver.machine.phase == .loggedIn(Self.sessionID))
        #expect(Self.sent(actions) == ["Continue[SignIn] on 0"])
        #expect(actions.contains(.scheduleTimer(.signInTimeout, atNanoseconds: driver.now + 60 * Self.second)))
        #expect(actions.last == .signInSent(atNanoseconds: driver.now))
        #expect(driver.machine.session.state == .signingIn)
    }

    @Test("5: LogIn answered with another status ends the session with it", arguments: [403, 500, 280, 990])
    func logInRefused(status: Int) {
        var driver = Driver()
        driver.start()
        driver.connect(Self.c0)
        let actions = driver.answer(Self.c0, Self.response(status))
        #expect(Self.closedReasons(actions) == [.httpStatus(status)])
        #expect(Self.sent(actions).isEmpty)
    }

    @Test("5: a LogIn answer that is no session id ends the session with a protocol error")
    func logInUndecodable() throws {
        var driver = Driver()
        driver.start()
        driver.connect(Self.c0)
        let actions = driver.answer(Self.c0, Self.response(200, body: ByteBuffer(bytes: [1, 2])))
        let reason = try #require(Self.closedReasons(actions).first)
        guard case .protocolError(let text) = reason else {
            Issue.record("expected a protocol error, got \(reason)")
            return
        }
        #expect(text.hasPrefix("LogIn answer:"))
    }

    // MARK: 6–7: 280

    @Test("6: SignInConfirm: signed in, the first keep-alive goes out and serves as the poll")
    func signInConfirmed() {
        var driver = Driver()
        driver.logIn()
        let actions = driver.answer(Self.c0, Self.confirm)
        #expect(actions.contains(.cancelTimer(.signInTimeout)))
        #expect(actions.contains(.signedIn(confirmed: true)))
        #expect(Self.sent(actions) == ["Continue[KeepAlive] on 0"])
        #expect(actions.contains(.keepAliveSent(latenessNanoseconds: 0)))
        #expect(actions.contains(.scheduleTimer(.keepAlive, atNanoseconds: driver.now + 60 * Self.second)))
        // The keep-alive is outstanding: no extra poll.
        #expect(!actions.contains(.cancelTimer(.poll)))
        #expect(driver.machine.continuesOutstanding == 1)
    }

    @Test("6: a push on a 280 is delivered, the next poll goes out at once, the Response on the other connection")
    func pushDelivered() {
        var driver = Driver()
        driver.signIn()
        let actions = driver.answer(Self.c0, Self.continueAnswer(.request(Self.push)))
        #expect(actions.contains(.deliverPush(Self.push)))
        #expect(Self.sent(actions) == ["Continue[KeepAlive] on 0"])
        // The Response: connection 0 holds the poll, so a second connection opens.
        #expect(driver.respond(to: Self.push) == [.openConnection(Self.c1)])
        let sent = driver.connect(Self.c1)
        guard case .send(let request, on: Self.c1) = sent.first, case .continue(.response(let response), _, let answering) = request.kind else {
            Issue.record("expected the Response on connection 1, got \(sent)")
            return
        }
        #expect(answering == Self.push)
        #expect(response.pushID == Self.push.pushID)
        #expect(driver.machine.connectionCount == 2)
    }

    @Test("6: Disconnect on a 280 logs out, and the session ends with disconnectReceived")
    func disconnectLogsOut() {
        var driver = Driver()
        driver.signIn()
        driver.advance(seconds: 2)
        let actions = driver.answer(Self.c0, Self.continueAnswer(.disconnect(timeStamp: .now(.utcWholeSeconds))))
        #expect(driver.machine.phase == .loggingOut)
        #expect(Self.sent(actions) == ["LogOut on 0"])
        #expect(Self.closedReasons(driver.answer(Self.c0, Self.response(200, close: true))) == [.disconnectReceived])
    }

    @Test("7: a quick idle answer re-polls after 1 s, doubling; a held one at once")
    func pollDelays() {
        var driver = Driver()
        driver.signIn()
        driver.advance(seconds: 0.1)
        var actions = driver.answer(Self.c0, Self.idle)
        #expect(actions == [.cancelTimer(.poll), .scheduleTimer(.poll, atNanoseconds: driver.now + Self.second)])
        #expect(Self.sent(driver.fire(.poll)) == ["Continue[KeepAlive] on 0"])
        driver.advance(seconds: 0.1)
        actions = driver.answer(Self.c0, Self.idle)
        #expect(actions == [.cancelTimer(.poll), .scheduleTimer(.poll, atNanoseconds: driver.now + 2 * Self.second)])
        driver.fire(.poll)
        driver.advance(seconds: 30)  // held by the MP
        actions = driver.answer(Self.c0, Self.idle)
        #expect(actions.first == .cancelTimer(.poll))
        #expect(Self.sent(actions) == ["Continue[KeepAlive] on 0"])
    }

    @Test("7: in sdk poll mode an answer never polls")
    func sdkPollMode() {
        var driver = Driver(http: .init(pollMode: .sdk))
        driver.signIn()
        #expect(driver.answer(Self.c0, Self.idle).isEmpty)
        #expect(driver.machine.continuesOutstanding == 0)
    }

    @Test("7: a 280 without a frame, on an unknown channel, or undecodable is an anomaly; the session goes on")
    func tolerated280() {
        var driver = Driver()
        driver.signIn()
        var actions = driver.answer(Self.c0, Self.continueAnswer(nil))
        #expect(actions.first == .anomaly(.undecodableMessage(.none, "280 answer without a frame")))
        driver.fire(.poll)
        actions = driver.answer(Self.c0, Self.continueAnswer(BGBFrame(channel: BGBChannel(rawValue: 9), payload: ByteBuffer(string: "x"))))
        #expect(actions.first == .anomaly(.unknownChannel(9)))
        driver.fire(.poll)
        actions = driver.answer(Self.c0, Self.continueAnswer(BGBFrame(channel: .request, payload: ByteBuffer(string: "<Bgb"))))
        guard case .anomaly(.undecodableMessage(.request, _)) = actions.first else {
            Issue.record("expected an undecodable request, got \(actions)")
            return
        }
        #expect(Self.closedReasons(actions).isEmpty)
        #expect(driver.machine.phase == .loggedIn(Self.sessionID))
    }

    @Test("interim 100 Continue never reaches the machine: the decoder yields only the final 280")
    func interimContinueSkipped() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(HTTPClientResponseDecoder()))
        var bytes = ByteBuffer(string: "HTTP/1.1 100 Continue\r\n\r\n")
        var body = ByteBuffer()
        BGBContinueAnswer(sessionID: Self.sessionID, frame: BGBMessage.request(Self.push).frame()).write(into: &body)
        bytes.writeString("HTTP/1.1 280 BGB-Continue\r\nContent-Length: \(body.readableBytes)\r\n\r\n")
        bytes.writeImmutableBuffer(body)
        try channel.writeInbound(bytes)
        let response = try #require(try channel.readInbound(as: HTTPClientResponse.self))
        #expect(try channel.readInbound(as: HTTPClientResponse.self) == nil)
        #expect(response.status == 280)
        var driver = Driver()
        driver.signIn()
        #expect(driver.answer(Self.c0, response).contains(.deliverPush(Self.push)))
    }

    // MARK: 8: 990

    @Test("8: 990 logs in again at once: new generation, timers and queue dropped, LogIn on the same connection")
    func reLogIn() {
        var driver = Driver()
        driver.signIn()
        let actions = driver.answer(Self.c0, Self.response(990))
        #expect(actions.first == .willLogInAgain(count: 1))
        for cancel in Self.allTimersCancelled { #expect(actions.contains(cancel)) }
        #expect(Self.sent(actions) == ["LogIn on 0"])
        #expect(driver.carried[Self.c0]?.generation == 1)
        #expect(driver.machine.phase == .loggingIn)
        #expect(driver.machine.reLogIns == 1)
        #expect(driver.machine.session.state == .idle)
        // The new login signs in again.
        #expect(Self.sent(driver.answer(Self.c0, Self.logInAnswer)) == ["Continue[SignIn] on 0"])
    }

    @Test("8: answers to the older login's requests are ignored after a 990")
    func olderGenerationIgnored() throws {
        var driver = Driver()
        driver.signIn()
        driver.respond(to: Self.push)
        driver.connect(Self.c1)  // the Response on connection 1
        let response = try #require(driver.carried[Self.c1])
        driver.answer(Self.c0, Self.response(990))
        // The Response's answer (older login) now carries a push: ignored.
        let actions = driver.settled(driver.machine.answered(response, on: Self.c1, response: Self.continueAnswer(.request(Self.push)), now: driver.instant))
        driver.carried[Self.c1] = nil
        #expect(!actions.contains(.deliverPush(Self.push)))
        #expect(Self.closedReasons(actions).isEmpty)
        // And its failure does not end the session.
        #expect(Self.closedReasons(driver.settled(driver.machine.failed(response, on: Self.c1, reason: .eof, now: driver.instant))).isEmpty)
    }

    @Test("8: more 990s than the limit within the window end the session with 990")
    func reLogInLimit() {
        var driver = Driver(http: .init(reLogInLimit: 2, reLogInWindow: .seconds(60)))
        driver.signIn()
        for count in 1...2 {
            #expect(driver.answer990AndSignIn().first == .willLogInAgain(count: count))
            driver.advance(seconds: 1)
        }
        let actions = driver.answer(Self.c0, Self.response(990))
        #expect(!actions.contains(.willLogInAgain(count: 3)))
        #expect(Self.closedReasons(actions) == [.httpStatus(990)])
        #expect(Self.sent(actions).isEmpty)  // no LogOut: the MP forgot the session
    }

    @Test("8: 990s further apart than the window never reach the limit")
    func reLogInWindow() {
        var driver = Driver(http: .init(reLogInLimit: 1, reLogInWindow: .seconds(60)))
        driver.signIn()
        for count in 1...3 {
            #expect(driver.answer990AndSignIn().first == .willLogInAgain(count: count))
            driver.advance(seconds: 61)
        }
    }

    // MARK: 9–10: the end by the MP

    @Test("9: a Continue answered 200 or another status ends the session with it, without LogOut", arguments: [200, 404, 503])
    func continueStatus(status: Int) {
        var driver = Driver()
        driver.signIn()
        let actions = driver.answer(Self.c0, Self.response(status))
        #expect(Self.closedReasons(actions) == [.httpStatus(status)])
        #expect(Self.sent(actions).isEmpty)
        #expect(actions.contains(.closeConnection(Self.c0)))
    }

    @Test("10: a request of this login fails: the session ends with the shell's reason")
    func requestFails() {
        var driver = Driver()
        driver.signIn()
        let actions = driver.fail(Self.c0, .protocolError("timeout"))
        #expect(actions.contains(.closeConnection(Self.c0)))
        #expect(actions.last == .closed(.protocolError("timeout")))
        #expect(driver.machine.phase == .closed(.protocolError("timeout")))
        #expect(driver.machine.session.isClosed)
    }

    // MARK: 11–12: close and LogOut

    @Test("11: close before start ends silently; twice is harmless")
    func closeIdle() {
        var driver = Driver()
        #expect(driver.close().isEmpty)
        #expect(driver.machine.phase == .closed(.local))
        #expect(driver.close().isEmpty)
    }

    @Test("11, 16: close before the first connection is up fails the start future instead of telling the delegate")
    func closeBeforeConnecting() {
        var driver = Driver()
        driver.start()
        let actions = driver.close()
        #expect(actions.last == .completeStart(.closedBeforeConnecting(.local)))
        #expect(Self.closedReasons(actions).isEmpty)
        #expect(driver.connect(Self.c0) == [.closeConnection(Self.c0)])
    }

    @Test("11: close while logging in ends at once with local, without LogOut")
    func closeLoggingIn() {
        var driver = Driver()
        driver.start()
        driver.connect(Self.c0)
        let actions = driver.close()
        #expect(Self.sent(actions).isEmpty)
        #expect(actions.contains(.closeConnection(Self.c0)))
        #expect(actions.last == .closed(.local))
        #expect(driver.close().isEmpty)
    }

    @Test("12: close when logged in sends LogOut; other answers are then ignored; the LogOut's answer ends it")
    func logOut() {
        var driver = Driver()
        driver.signIn()
        let actions = driver.close()
        #expect(driver.machine.phase == .loggingOut)
        for cancel in Self.allTimersCancelled { #expect(actions.contains(cancel)) }
        #expect(actions.contains(.scheduleTimer(.logOut, atNanoseconds: driver.now + 5 * Self.second)))
        #expect(actions.last == .openConnection(Self.c1))  // connection 0 holds the poll
        #expect(Self.sent(driver.connect(Self.c1)) == ["LogOut on 1"])
        // The held poll is released with a push: ignored (spec §10 item 6).
        let late = driver.answer(Self.c0, Self.continueAnswer(.request(Self.push)))
        #expect(!late.contains(.deliverPush(Self.push)))
        #expect(Self.closedReasons(late).isEmpty)
        #expect(driver.close().isEmpty)
        let end = driver.answer(Self.c1, Self.response(200, close: true))
        #expect(end.contains(.cancelTimer(.logOut)))
        #expect(end.last == .closed(.local))
    }

    @Test("12: the LogOut's failure or its timer ends the session with the reason")
    func logOutFailsOrTimesOut() {
        var failing = Driver()
        failing.signIn()
        failing.answer(Self.c0, Self.idle)  // connection 0 idle: LogOut goes there
        #expect(Self.sent(failing.close()) == ["LogOut on 0"])
        #expect(Self.closedReasons(failing.fail(Self.c0, .eof)) == [.local])

        var silent = Driver()
        silent.signIn()
        silent.close()
        silent.connect(Self.c1)
        #expect(silent.fire(.logOut).last == .closed(.local))
    }

    @Test("12: both connections carry Continues: one is closed to make room for LogOut")
    func logOutMakesRoom() {
        var driver = Driver()
        driver.signIn()
        driver.respond(to: Self.push)
        driver.connect(Self.c1)  // poll on 0, Response on 1
        let actions = driver.close()
        #expect(actions.last == .closeConnection(Self.c0))
        #expect(Self.sent(actions).isEmpty)
        // The shell closes connection 0: its poll fails (ignored), then it is gone and a third opens.
        #expect(Self.closedReasons(driver.fail(Self.c0, .eof)).isEmpty)
        #expect(driver.closed(Self.c0) == [.openConnection(Self.c2)])
        #expect(Self.sent(driver.connect(Self.c2)) == ["LogOut on 2"])
    }

    @Test("12: the SignIn timeout in strict mode logs out with signInTimeout; lenient goes online unconfirmed")
    func signInTimeout() {
        var strict = Driver(strictSignIn: true)
        strict.logIn()
        let actions = strict.fire(.signInTimeout)
        #expect(strict.machine.phase == .loggingOut)
        #expect(actions.last == .openConnection(Self.c1))
        strict.connect(Self.c1)
        strict.answer(Self.c1, Self.response(200, close: true))
        #expect(strict.machine.phase == .closed(.signInTimeout))

        var lenient = Driver()
        lenient.logIn()
        let online = lenient.fire(.signInTimeout)
        #expect(online.contains(.anomaly(.signInUnconfirmed)))
        #expect(online.contains(.signedIn(confirmed: false)))
        #expect(lenient.machine.session.state == .online)
    }

    // MARK: 13: timers

    @Test("13: the keep-alive timer sends Continue[KeepAlive] and re-arms; the poll timer waits while a Continue is out")
    func timers() {
        var driver = Driver()
        driver.signIn()
        driver.answer(Self.c0, Self.idle)  // quick: poll timer armed, nothing outstanding
        let first = driver.timers[.keepAlive]!
        var actions = driver.fire(.keepAlive)
        #expect(Self.sent(actions) == ["Continue[KeepAlive] on 0"])
        #expect(actions.contains(.keepAliveSent(latenessNanoseconds: 0)))
        #expect(actions.contains(.scheduleTimer(.keepAlive, atNanoseconds: first + 60 * Self.second)))
        // The keep-alive is outstanding: the poll timer sends nothing.
        actions = driver.fire(.poll)
        #expect(actions.isEmpty)
    }

    @Test("13: a timer that fires after the end does nothing")
    func staleTimers() {
        var driver = Driver()
        driver.signIn()
        driver.fail(Self.c0, .eof)
        for timer in Machine.Timer.allCases {
            #expect(driver.machine.timerFired(timer, now: driver.instant).isEmpty)
        }
    }

    // MARK: 14: connections

    @Test("14: at most two connections, opened one at a time; a third request waits for a free one")
    func connectionLimit() {
        var driver = Driver()
        driver.signIn()
        #expect(driver.respond(to: Self.push) == [.openConnection(Self.c1)])
        // A second Response while connection 1 is still opening: no third connection.
        let other = BGBRequest(timeStamp: Self.push.timeStamp, pushID: 8, taskID: 9, taskGuid: Self.push.taskGuid, taskType: .requestPolicy)
        #expect(driver.respond(to: other).isEmpty)
        #expect(Self.sent(driver.connect(Self.c1)) == ["Continue[Response] on 1"])
        #expect(driver.machine.connectionCount == 2)
        #expect(driver.machine.continuesOutstanding == 3)
        // The Response answered: the second one goes out on the same connection.
        #expect(Self.sent(driver.answer(Self.c1, Self.idle)) == ["Continue[Response] on 1"])
    }

    @Test("14: one connection at most: a Response waits for the held poll")
    func oneConnection() {
        var driver = Driver(http: .init(maximumConnections: 1))
        driver.signIn()
        #expect(driver.respond(to: Self.push).isEmpty)
        driver.advance(seconds: 30)
        let actions = driver.answer(Self.c0, Self.idle)
        #expect(Self.sent(actions) == ["Continue[Response] on 0"])
    }

    @Test("14: an answer with Connection: close retires its connection; the next request opens another")
    func connectionCloseAnswer() {
        var driver = Driver()
        driver.signIn()
        driver.advance(seconds: 30)
        let actions = driver.answer(Self.c0, Self.continueAnswer(BGBFrame(channel: .none, payload: ByteBuffer())).withClose)
        #expect(actions.first == .closeConnection(Self.c0))
        #expect(actions.last == .openConnection(Self.c1))
        #expect(driver.closed(Self.c0).isEmpty)
        #expect(Self.sent(driver.connect(Self.c1)) == ["Continue[KeepAlive] on 1"])
        #expect(driver.machine.connectionCount == 1)
    }

    // MARK: Settling: the owner's reactions come first

    @Test("settle: a push answered from inside deliverPush goes out on its connection and serves as the poll")
    func responseFromInsideDelivery() {
        var driver = Driver()
        driver.signIn()
        let poll = driver.carried.removeValue(forKey: Self.c0)!
        let delivered = driver.record(
            driver.machine.answered(poll, on: Self.c0, response: Self.continueAnswer(.request(Self.push)), now: driver.instant)
        )
        #expect(delivered == [.deliverPush(Self.push)])
        // The owner answers at once, before the answer's actions are settled.
        #expect(Self.sent(driver.respond(to: Self.push)) == ["Continue[Response] on 0"])
        #expect(driver.settled([]).isEmpty)  // no extra poll, no second connection
        #expect(driver.machine.connectionCount == 1)
        #expect(driver.machine.continuesOutstanding == 1)
    }

    @Test("settle: a close from inside completeStart sends no LogIn")
    func closeFromInsideStart() {
        var driver = Driver()
        driver.start()
        #expect(driver.record(driver.machine.connected(Self.c0, now: driver.instant)) == [.completeStart(.connected)])
        let closing = driver.close()
        #expect(closing.contains(.closeConnection(Self.c0)))
        #expect(closing.last == .closed(.local))
        #expect(driver.settled([]).isEmpty)
        #expect(Self.sent(closing).isEmpty)
    }

    @Test("settle: the re-login after a 990 follows the observer; a close from inside it wins")
    func reLogInFollowsObserver() {
        var driver = Driver()
        driver.signIn()
        let request = driver.carried.removeValue(forKey: Self.c0)!
        let told = driver.record(driver.machine.answered(request, on: Self.c0, response: Self.response(990), now: driver.instant))
        #expect(told == [.willLogInAgain(count: 1)])
        #expect(driver.machine.phase == .loggedIn(Self.sessionID))
        // The observer closes the session: LogOut, and no re-login.
        #expect(Self.sent(driver.close()) == ["LogOut on 0"])
        #expect(driver.settled([]).isEmpty)
        #expect(driver.machine.phase == .loggingOut)
    }

    // MARK: 15–16

    @Test("15: a payload that cannot be signed ends the session with a protocol error")
    func signingFails() {
        var driver = Driver()
        driver.logIn()
        let actions = driver.settled(driver.machine.payloadSigningFailed("no key"))
        #expect(actions.contains(.closeConnection(Self.c0)))
        #expect(actions.last == .closed(.protocolError("cannot sign the payload: no key")))
    }

    @Test("16: the end closes every connection, cancels every timer, and is reported once")
    func endOnce() {
        var driver = Driver()
        driver.signIn()
        driver.respond(to: Self.push)
        driver.connect(Self.c1)
        let actions = driver.fail(Self.c1, .eof)
        #expect(Set(actions.filter { if case .closeConnection = $0 { true } else { false } }) == [.closeConnection(Self.c0), .closeConnection(Self.c1)])
        for cancel in Self.allTimersCancelled + [.cancelTimer(.logOut)] { #expect(actions.contains(cancel)) }
        #expect(Self.closedReasons(actions) == [.eof])
        #expect(Self.closedReasons(driver.answer(Self.c0, Self.response(500))).isEmpty)
        #expect(driver.close().isEmpty)
        #expect(driver.respond(to: Self.push).isEmpty)
    }
}

extension HTTPClientResponse {
    /// The same answer with `Connection: close`.
    fileprivate var withClose: HTTPClientResponse {
        var response = self
        response.headers.append(.init("Connection", "close"))
        return response
    }
}
