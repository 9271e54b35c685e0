import BGBClient
import FleetMetrics
import Testing

@testable import FleetEngine

/// Every transition of ``FleetSessionStateMachine``'s doc comment, on a virtual clock.
@Suite("Fleet session state machine")
struct FleetSessionStateMachineTests {
    typealias Harness = FleetSessionStateMachineHarness

    // MARK: connectDue

    @Test("connectDue: one more connect, state connecting, a TCP attempt timed from its schedule")
    func connectDueStartsTCP() {
        var h = Harness()
        let actions = h.send(.connectDue(scheduledAt: 77))
        #expect(actions == [.move(from: .planned, to: .connecting), .connect(.tcp, scheduledAt: 77)])
        #expect(h.machine.connects == 1)
        #expect(h.machine.transport == .tcp)
    }

    @Test("connectDue with transport http connects over HTTP")
    func connectDueHTTP() {
        var h = Harness(transport: .http)
        #expect(h.send(.connectDue(scheduledAt: 5)) == [.move(from: .planned, to: .connecting), .connect(.http, scheduledAt: 5)])
        #expect(h.machine.transport == .http)
    }

    @Test("connectDue while the run stops does nothing")
    func connectDueWhileStopping() {
        var h = Harness()
        h.stopping = true
        #expect(h.send(.connectDue(scheduledAt: 5)).isEmpty)
        #expect(h.machine.connects == 0)
        #expect(h.machine.state == .planned)
    }

    // MARK: cannotConnect, connected

    @Test("cannotConnect is a permanent failure: counted as other, state failed, no reconnect")
    func cannotConnect() {
        var h = Harness()
        h.send(.connectDue(scheduledAt: 0))
        #expect(h.send(.cannotConnect) == [.count(.other), .move(from: .connecting, to: .failed)])
        #expect(h.machine.lastError == .other)
        #expect(h.reconnectDeadline == nil)
    }

    @Test("tcpConnected moves to tls; while stopping it also closes")
    func tcpConnected() {
        var h = Harness()
        h.send(.connectDue(scheduledAt: 0))
        #expect(h.send(.tcpConnected) == [.move(from: .connecting, to: .tls)])

        var stopping = Harness()
        stopping.send(.connectDue(scheduledAt: 0))
        stopping.stopping = true
        #expect(stopping.send(.tcpConnected) == [.move(from: .connecting, to: .tls), .cancelTimers, .close])
    }

    @Test("httpConnected changes nothing; while stopping it closes")
    func httpConnected() {
        var h = Harness(transport: .http)
        h.send(.connectDue(scheduledAt: 0))
        #expect(h.send(.httpConnected).isEmpty)
        h.stopping = true
        #expect(h.send(.httpConnected) == [.cancelTimers, .close])
    }

    // MARK: failures and the backoff

    @Test("a failed TCP connect is counted and reconnects after the policy's jittered first delay")
    func tcpConnectFailedReconnects() {
        let policy = ReconnectPolicy(mode: .backoff, firstDelayMaximum: 60_000_000_000, base: 5_000_000_000, cap: 900_000_000_000)
        var h = Harness(reconnect: policy)
        var expected = h.random
        let delay = policy.delay(attempt: 1, previous: 0, using: &expected)!
        h.send(.connectDue(scheduledAt: 0))
        let actions = h.send(.tcpConnectFailed(.connectRefused))
        #expect(actions == [
            .count(.connectRefused),
            .move(from: .connecting, to: .reconnecting),
            .scheduleReconnect(deadline: h.now + delay),
        ])
        #expect(delay <= 60_000_000_000)
        #expect(h.machine.reconnects == 1)
        #expect(h.machine.lastError == .connectRefused)
        #expect(h.machine.attempt == 1)
        #expect(h.machine.previousDelay == delay)
    }

    @Test("the backoff: decorrelated jitter between base and three times the previous delay, capped; a sign-in resets it")
    func backoffSequence() {
        let policy = ReconnectPolicy(mode: .backoff, firstDelayMaximum: 10_000_000_000, base: 5_000_000_000, cap: 40_000_000_000, httpFallbackAfter: 0)
        var h = Harness(reconnect: policy, random: ScriptedRandom([0x9E37_79B9_7F4A_7C15, 0xFFFF_FFFF_FFFF_FFFF, 0x1357_9BDF_0246_8ACE]))
        var expected = h.random
        var previous: UInt64 = 0
        h.send(.connectDue(scheduledAt: h.now))
        for attempt in 1...8 {
            h.send(.tcpConnectFailed(.connectTimeout))
            let delay = policy.delay(attempt: attempt, previous: previous, using: &expected)!
            #expect(h.reconnectDeadline == h.now + delay)
            if attempt == 1 {
                #expect(delay <= 10_000_000_000)
            } else {
                #expect(delay >= 5_000_000_000)
                #expect(delay <= min(40_000_000_000, max(5_000_000_000, previous * 3)))
            }
            previous = delay
            h.advance(to: h.reconnectDeadline!)
            #expect(h.machine.state == .connecting)
        }
        #expect(h.machine.reconnects == 8)
        #expect(h.machine.connects == 9)
        h.send(.tcpConnected)
        h.send(.signedIn)
        #expect(h.machine.attempt == 0)
        #expect(h.machine.previousDelay == 0)
        h.send(.closed(.eof))
        #expect(h.machine.attempt == 1)
        #expect(h.reconnectDeadline! - h.now <= 10_000_000_000)
    }

    @Test("storm reconnects at once")
    func stormReconnectsAtOnce() {
        var h = Harness(reconnect: .storm)
        h.send(.connectDue(scheduledAt: 0))
        h.send(.tcpConnectFailed(.connectRefused))
        #expect(h.reconnectDeadline == h.now)
    }

    @Test("reconnect none: the first failure is final, state failed")
    func reconnectNone() {
        var h = Harness(reconnect: ReconnectPolicy(mode: .none))
        h.send(.connectDue(scheduledAt: 0))
        #expect(h.send(.tcpConnectFailed(.connectRefused)) == [.count(.connectRefused), .move(from: .connecting, to: .failed)])
        #expect(h.machine.reconnects == 0)
    }

    @Test("a failure while the run stops is counted, then the session rests in planned")
    func failureWhileStopping() {
        var h = Harness()
        h.send(.connectDue(scheduledAt: 0))
        h.stopping = true
        #expect(h.send(.tcpConnectFailed(.connectRefused)) == [.count(.connectRefused), .move(from: .connecting, to: .planned)])
        #expect(h.reconnectDeadline == nil)
    }

    // MARK: sign-in and re-login

    @Test("signedIn moves to signed_in; off the fallback no TCP retry is scheduled")
    func signedIn() {
        var h = Harness()
        h.send(.connectDue(scheduledAt: 0))
        h.send(.tcpConnected)
        #expect(h.send(.signedIn) == [.move(from: .tls, to: .signedIn)])
    }

    @Test("httpLogInAgain (990): counted as http_990, one more connect and reconnect, back to connecting; the backoff is untouched")
    func httpLogInAgain() {
        var h = Harness(transport: .http, reconnect: .storm)
        h.send(.connectDue(scheduledAt: 0))
        h.send(.httpConnectFailed(.other))
        h.advance(to: h.now)
        h.send(.httpConnected)
        h.send(.signedIn)
        h.send(.closed(.eof))
        h.advance(to: h.now)
        h.send(.signedIn)
        let attempt = h.machine.attempt
        #expect(h.send(.httpLogInAgain) == [.count(.http990), .move(from: .signedIn, to: .connecting)])
        #expect(h.machine.lastError == .http990)
        #expect(h.machine.connects == 4)
        #expect(h.machine.reconnects == 3)
        #expect(h.machine.attempt == attempt)
    }

    // MARK: closed

    @Test("closed after sign-in: counted by its reason, reconnect")
    func closedAfterSignIn() {
        var h = Harness(reconnect: .storm)
        h.send(.connectDue(scheduledAt: 0))
        h.send(.tcpConnected)
        h.send(.signedIn)
        #expect(h.send(.closed(.connectionReset("reset by peer"))) == [
            .count(.reset), .move(from: .signedIn, to: .reconnecting), .scheduleReconnect(deadline: h.now),
        ])
    }

    @Test("a stop during connect counts no failure: closed locally or before sign-in while stopping rests in planned")
    func closedWhileStopping() {
        for reason in [BGBCloseReason.local, .eof, .tls("handshake"), .signInTimeout] {
            var h = Harness()
            h.send(.connectDue(scheduledAt: 0))
            h.send(.tcpConnected)
            h.stopping = true
            #expect(h.send(.closed(reason)) == [.move(from: .tls, to: .planned)])
            #expect(h.machine.lastError == nil)
        }
        var signedIn = Harness()
        signedIn.send(.connectDue(scheduledAt: 0))
        signedIn.send(.tcpConnected)
        signedIn.send(.signedIn)
        signedIn.stopping = true
        #expect(signedIn.send(.closed(.local)) == [.move(from: .signedIn, to: .planned)])
    }

    @Test("the MP closing a signed-in session while the run stops is still counted, then planned")
    func remoteCloseWhileStoppingCounts() {
        var h = Harness()
        h.send(.connectDue(scheduledAt: 0))
        h.send(.tcpConnected)
        h.send(.signedIn)
        h.stopping = true
        #expect(h.send(.closed(.disconnectReceived)) == [.count(.disconnectReceived), .move(from: .signedIn, to: .planned)])
    }

    @Test("a refused MP certificate is noted and counted as tls_verify, and is no step towards the fallback")
    func tlsVerificationClose() {
        var h = Harness(reconnect: ReconnectPolicy(mode: .storm, httpFallbackAfter: 1))
        h.send(.connectDue(scheduledAt: 0))
        h.send(.tcpConnected)
        #expect(h.send(.closed(.tlsVerification("pin mismatch"))) == [
            .noteTLSVerificationFailure("pin mismatch"), .count(.tlsVerify),
            .move(from: .tls, to: .reconnecting), .scheduleReconnect(deadline: h.now),
        ])
        #expect(!h.machine.onHTTPFallback)
        #expect(h.machine.consecutiveTCPFailures == 0)
    }

    @Test("httpConnectFailed: counted and reconnects; while stopping no failure, planned")
    func httpConnectFailed() {
        var h = Harness(transport: .http, reconnect: .storm)
        h.send(.connectDue(scheduledAt: 0))
        #expect(h.send(.httpConnectFailed(.connectRefused)) == [
            .count(.connectRefused), .move(from: .connecting, to: .reconnecting), .scheduleReconnect(deadline: h.now),
        ])
        h.advance(to: h.now)
        h.stopping = true
        #expect(h.send(.httpConnectFailed(.other)) == [.move(from: .connecting, to: .planned)])
        #expect(h.machine.lastError == .connectRefused)
    }

    // MARK: stop

    @Test("stopRequested cancels the timers and closes; the state follows from the close")
    func stopRequested() {
        var h = Harness()
        h.send(.connectDue(scheduledAt: 0))
        h.send(.tcpConnectFailed(.connectRefused))
        h.stopping = true
        #expect(h.send(.stopRequested) == [.cancelTimers, .close])
        #expect(h.reconnectDeadline == nil)
        #expect(h.machine.state == .reconnecting)
    }

    // MARK: the close-reason mapping

    @Test("each close reason's counter")
    func closeReasonCounters() {
        let cases: [(BGBCloseReason, FailureReason)] = [
            (.local, .eof), (.eof, .eof), (.disconnectReceived, .disconnectReceived),
            (.negotiationNeeded, .negotiationNeeded), (.signInTimeout, .signinTimeout), (.tls("x"), .tls),
            (.tlsVerification("x"), .tlsVerify), (.connect("x"), .other), (.protocolError("x"), .protocolError),
            (.connectionReset("x"), .reset), (.io("Connection reset by peer, as text"), .other),
            (.httpStatus(990), .http990), (.httpStatus(500), .httpStatus),
        ]
        for (reason, counter) in cases {
            #expect(FailureReason(closeReason: reason) == counter, "\(reason)")
        }
    }
}
