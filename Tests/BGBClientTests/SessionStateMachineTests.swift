import BGBClient
import BGBProtocol
import Testing

@Suite("Session state machine (no sockets)")
struct SessionStateMachineTests {
    static let smsID = try! SMSID("GUID:ED8C13AF-496B-4188-8633-DBA3120DA6EC")
    static let second: UInt64 = 1_000_000_000

    static func machine(phase: UInt64 = 0, strictSignIn: Bool = false, sdkStrict: Bool = false) -> BGBSessionStateMachine {
        BGBSessionStateMachine(
            configuration: BGBSessionConfiguration(
                smsID: smsID,
                keepAliveIntervalNanoseconds: 10 * second,
                keepAlivePhaseNanoseconds: phase,
                signInTimeoutNanoseconds: 60 * second,
                strictSignIn: strictSignIn,
                sdkStrictFraming: sdkStrict,
                timestamps: .native
            )
        )
    }

    static let request = BGBRequest(
        timeStamp: BGBTimeStamp(epochNanoseconds: 0, style: .utcWholeSeconds),
        pushID: 7,
        taskID: 8,
        taskGuid: "A43DD1B3-A006-4604-B012-5529380B3B6F",
        taskType: .requestPolicy
    )

    static let confirm = BGBMessage.signInConfirm(BGBSignInConfirm(timeStamp: .now(.utcWholeSeconds)))

    @Test("SignIn first, then SignInConfirm starts keep-alives: one at once, then by phase and interval")
    func signInAndKeepAlives() {
        var machine = Self.machine(phase: 3 * Self.second)
        let start = machine.transportReady(nowNanoseconds: 100, epochNanoseconds: 0)
        guard case .send(.signIn(let signIn)) = start.first else {
            Issue.record("SignIn is not the first action: \(start)")
            return
        }
        #expect(signIn.clientID == Self.smsID)
        #expect(signIn.clientType == "SCCM")
        #expect(start.contains(.scheduleSignInTimeout(atNanoseconds: 100 + 60 * Self.second)))
        #expect(machine.state == .signingIn)

        let online = machine.received(Self.confirm, nowNanoseconds: 1_000, epochNanoseconds: 0)
        #expect(machine.state == .online)
        #expect(online.first == .signedIn(confirmed: true))
        #expect(online.contains { if case .send(.keepAlive) = $0 { true } else { false } })
        // Next keep-alive: interval − phase after SignInConfirm.
        let first = 1_000 + 10 * Self.second - 3 * Self.second
        #expect(online.contains(.scheduleKeepAlive(atNanoseconds: first)))

        // Fired 5 ms late: lateness measured from the intended time, and no drift.
        let fired = machine.keepAliveTimerFired(nowNanoseconds: first + 5_000_000, epochNanoseconds: 0)
        #expect(fired.contains(.keepAliveSent(latenessNanoseconds: 5_000_000)))
        #expect(fired.contains(.scheduleKeepAlive(atNanoseconds: first + 10 * Self.second)))
        #expect(fired.contains { if case .send(.keepAlive(let k)) = $0 { k.clientID == Self.smsID } else { false } })
    }

    @Test("a push is delivered and answered with both IDs echoed, also before SignInConfirm")
    func pushAndResponse() {
        var machine = Self.machine()
        _ = machine.transportReady(nowNanoseconds: 0, epochNanoseconds: 0)
        #expect(machine.received(.request(Self.request), nowNanoseconds: 1, epochNanoseconds: 0) == [.deliverPush(Self.request)])
        #expect(machine.outstandingPushes == 1)
        let answer = machine.respond(to: Self.request, returnCode: ReturnCode(rawValue: 3), epochNanoseconds: 0)
        guard case .send(.response(let response)) = answer.first else {
            Issue.record("no Response: \(answer)")
            return
        }
        #expect(response.pushID == 7)
        #expect(response.taskID == 8)
        #expect(response.returnCode.rawValue == 3)
        #expect(machine.outstandingPushes == 0)
    }

    @Test("no SignInConfirm: lenient starts keep-alives and counts it, strict closes")
    func signInTimeout() {
        var lenient = Self.machine()
        _ = lenient.transportReady(nowNanoseconds: 0, epochNanoseconds: 0)
        let actions = lenient.signInTimeoutFired(nowNanoseconds: 60 * Self.second, epochNanoseconds: 0)
        #expect(actions.first == .anomaly(.signInUnconfirmed))
        #expect(actions.contains(.signedIn(confirmed: false)))
        #expect(lenient.state == .online)

        var strict = Self.machine(strictSignIn: true)
        _ = strict.transportReady(nowNanoseconds: 0, epochNanoseconds: 0)
        #expect(strict.signInTimeoutFired(nowNanoseconds: 60 * Self.second, epochNanoseconds: 0) == [.cancelTimers, .close(.signInTimeout)])
        #expect(strict.state == .closed(.signInTimeout))
    }

    @Test("Disconnect and NegotiationNeeded close the session for a reconnect")
    func disconnects() {
        var machine = Self.machine()
        _ = machine.transportReady(nowNanoseconds: 0, epochNanoseconds: 0)
        _ = machine.received(Self.confirm, nowNanoseconds: 0, epochNanoseconds: 0)
        #expect(machine.received(.disconnect(timeStamp: nil), nowNanoseconds: 0, epochNanoseconds: 0) == [.cancelTimers, .close(.disconnectReceived)])
        // Nothing happens after close.
        #expect(machine.keepAliveTimerFired(nowNanoseconds: 0, epochNanoseconds: 0) == [])
        #expect(machine.respond(to: Self.request, returnCode: .success, epochNanoseconds: 0) == [])

        var other = Self.machine()
        _ = other.transportReady(nowNanoseconds: 0, epochNanoseconds: 0)
        let payload = Self.request.taskGuid
        #expect(other.received(.negotiationNeeded(payload: .init(string: payload)), nowNanoseconds: 0, epochNanoseconds: 0) == [.cancelTimers, .close(.negotiationNeeded)])
    }

    @Test("anomalies: empty frames (tolerated or sdk-strict), client messages from the MP, a second SignInConfirm")
    func anomalies() {
        var machine = Self.machine()
        _ = machine.transportReady(nowNanoseconds: 0, epochNanoseconds: 0)
        #expect(machine.receivedEmptyFrame(channel: .disconnect) == [.anomaly(.emptyFrame(.disconnect))])
        let keepAlive = BGBMessage.keepAlive(BGBKeepAlive(timeStamp: .now(.utcWholeSeconds), clientID: Self.smsID))
        #expect(machine.received(keepAlive, nowNanoseconds: 0, epochNanoseconds: 0) == [.anomaly(.clientMessageFromServer(.keepAlive))])
        _ = machine.received(Self.confirm, nowNanoseconds: 0, epochNanoseconds: 0)
        #expect(machine.received(Self.confirm, nowNanoseconds: 0, epochNanoseconds: 0) == [.anomaly(.duplicateSignInConfirm)])

        var strict = Self.machine(sdkStrict: true)
        _ = strict.transportReady(nowNanoseconds: 0, epochNanoseconds: 0)
        #expect(strict.receivedEmptyFrame(channel: .disconnect) == [.cancelTimers, .close(.protocolError("PayloadSize 0 on channel 5 (Disconnect)"))])
    }

    @Test("the transport closing cancels the timers once")
    func transportClosed() {
        var machine = Self.machine()
        _ = machine.transportReady(nowNanoseconds: 0, epochNanoseconds: 0)
        #expect(machine.transportClosed(.eof) == [.cancelTimers])
        #expect(machine.transportClosed(.eof) == [])
        #expect(machine.state == .closed(.eof))
        #expect(machine.nextKeepAliveAt == nil)
    }
}
