import BGBClient
import FleetMetrics
import Testing

@testable import FleetEngine

/// The TCP → HTTP fallback and the hourly TCP retry of ``FleetSessionStateMachine`` (spec §8.4),
/// on a virtual clock: an hour passes in a microsecond.
@Suite("Fleet session state machine: HTTP fallback and TCP retry")
struct FleetSessionStateMachineFallbackTests {
    typealias Harness = FleetSessionStateMachineHarness

    /// A session (storm reconnects) that fell back to HTTP after `threshold` TCP failures and is
    /// connecting over HTTP.
    static func connectingOverHTTP(threshold: Int, reconnect mode: ReconnectPolicy.Mode = .storm) -> Harness {
        var h = Harness(reconnect: ReconnectPolicy(mode: mode, httpFallbackAfter: threshold))
        h.send(.connectDue(scheduledAt: h.now))
        h.failTCPConnects(threshold)
        h.advance(to: h.now)
        return h
    }

    /// A session that fell back to HTTP after three TCP failures and signed in over HTTP.
    static func onHTTPFallback() -> Harness {
        var h = connectingOverHTTP(threshold: 3)
        h.send(.httpConnected)
        h.send(.signedIn)
        return h
    }

    @Test("the third TCP failure in a row puts the session on the fallback; the next attempt is HTTP")
    func fallbackAfterThreshold() {
        var h = Harness(reconnect: ReconnectPolicy(mode: .storm, httpFallbackAfter: 3))
        h.send(.connectDue(scheduledAt: h.now))
        h.failTCPConnects(2)
        #expect(!h.machine.onHTTPFallback)
        #expect(!h.log.contains(.enterHTTPFallback(consecutiveFailures: 2)))
        h.advance(to: h.now)
        #expect(h.send(.tcpConnectFailed(.connectTimeout)) == [
            .enterHTTPFallback(consecutiveFailures: 3), .count(.connectTimeout),
            .move(from: .connecting, to: .reconnecting), .scheduleReconnect(deadline: h.now),
        ])
        #expect(h.machine.onHTTPFallback)
        #expect(h.advance(to: h.now) == [.move(from: .reconnecting, to: .connecting), .connect(.http, scheduledAt: h.now)])
        #expect(h.machine.transport == .http)
    }

    @Test("TLS closes before sign-in count towards the fallback; after sign-in and other closes do not")
    func tlsClosesCount() {
        var h = Harness(reconnect: ReconnectPolicy(mode: .storm, httpFallbackAfter: 2))
        h.send(.connectDue(scheduledAt: h.now))
        h.send(.tcpConnected)
        h.send(.closed(.tls("handshake failed")))
        #expect(h.machine.consecutiveTCPFailures == 1)
        h.advance(to: h.now)
        h.send(.tcpConnected)
        h.send(.closed(.eof))
        #expect(h.machine.consecutiveTCPFailures == 1)
        h.advance(to: h.now)
        h.send(.tcpConnected)
        h.send(.signedIn)
        #expect(h.machine.consecutiveTCPFailures == 0)
        h.send(.closed(.tls("record error")))
        #expect(h.machine.consecutiveTCPFailures == 0)
        h.advance(to: h.now)
        h.send(.tcpConnected)
        h.send(.closed(.tls("handshake failed")))
        h.advance(to: h.now)
        h.send(.tcpConnected)
        let actions = h.send(.closed(.tls("handshake failed")))
        #expect(actions.first == .enterHTTPFallback(consecutiveFailures: 2))
        #expect(h.machine.onHTTPFallback)
    }

    @Test("no fallback without an HTTP port, with httpFallbackAfter 0, or while the run stops")
    func noFallback() {
        var noPort = Harness(httpAvailable: false, reconnect: ReconnectPolicy(mode: .storm, httpFallbackAfter: 1))
        noPort.send(.connectDue(scheduledAt: 0))
        noPort.failTCPConnects(5)
        #expect(!noPort.machine.onHTTPFallback)
        #expect(noPort.machine.consecutiveTCPFailures == 5)

        var never = Harness(reconnect: ReconnectPolicy(mode: .storm, httpFallbackAfter: 0))
        never.send(.connectDue(scheduledAt: 0))
        never.failTCPConnects(5)
        #expect(!never.machine.onHTTPFallback)

        var stopping = Harness(reconnect: ReconnectPolicy(mode: .storm, httpFallbackAfter: 1))
        stopping.send(.connectDue(scheduledAt: 0))
        stopping.stopping = true
        #expect(stopping.send(.tcpConnectFailed(.connectRefused)) == [.count(.connectRefused), .move(from: .connecting, to: .planned)])
        #expect(!stopping.machine.onHTTPFallback)
    }

    @Test("HTTP failures on the fallback are no TCP failures")
    func httpFailuresDoNotCount() {
        var h = Self.connectingOverHTTP(threshold: 1)
        h.send(.httpConnectFailed(.connectRefused))
        h.advance(to: h.now)
        h.send(.closed(.tls("on HTTP")))
        #expect(h.machine.consecutiveTCPFailures == 1)
        #expect(h.machine.onHTTPFallback)
    }

    @Test("signed in on the fallback: one TCP retry an hour later, not a second while one is pending")
    func retryScheduledOnce() {
        var h = Self.onHTTPFallback()
        #expect(h.log.last == .scheduleTCPRetry(after: Harness.hour))
        #expect(h.machine.tcpRetryPending)
        // A sign-in over HTTP leaves the run of TCP failures as it was.
        #expect(h.machine.consecutiveTCPFailures == 3)
        h.send(.closed(.eof))
        h.advance(to: h.now)
        #expect(h.send(.signedIn) == [.move(from: .connecting, to: .signedIn)])
        #expect(h.tcpRetryDeadline != nil)
    }

    @Test("no TCP retry is scheduled while the run stops")
    func noRetryWhileStopping() {
        var h = Self.connectingOverHTTP(threshold: 1)
        h.stopping = true
        #expect(h.send(.signedIn) == [.move(from: .connecting, to: .signedIn)])
    }

    @Test("the hourly retry: after an hour on HTTP the session hands over to TCP and stays there once signed in")
    func handOverToTCP() {
        var h = Self.onHTTPFallback()
        let signedInAt = h.now
        #expect(h.advance(by: Harness.hour - 1).isEmpty)
        #expect(h.machine.onHTTPFallback)
        let retry = h.advance(by: 1)
        #expect(h.now == signedInAt + Harness.hour)
        #expect(retry == [.leaveHTTPFallback, .closeHTTPForTCP])
        #expect(!h.machine.onHTTPFallback)
        #expect(h.machine.switchingToTCP)
        #expect(h.machine.consecutiveTCPFailures == 2)
        let connects = h.machine.connects
        // The HTTP session's local close is the hand-over: no failure, TCP at once.
        #expect(h.send(.closed(.local)) == [.move(from: .signedIn, to: .connecting), .connect(.tcp, scheduledAt: h.now)])
        #expect(h.machine.connects == connects + 1)
        #expect(h.machine.lastError == .connectRefused)
        #expect(!h.machine.switchingToTCP)
        h.send(.tcpConnected)
        #expect(h.send(.signedIn) == [.move(from: .tls, to: .signedIn)])
        #expect(h.machine.consecutiveTCPFailures == 0)
        #expect(h.advance(by: 5 * Harness.hour).isEmpty)
        #expect(h.machine.transport == .tcp)
    }

    @Test("the hourly retry: one more TCP failure returns to HTTP, which retries TCP an hour later again")
    func retryFailsBackToHTTP() {
        var h = Self.onHTTPFallback()
        h.advance(by: Harness.hour)
        h.send(.closed(.local))
        #expect(h.send(.tcpConnectFailed(.connectRefused)).first == .enterHTTPFallback(consecutiveFailures: 3))
        #expect(h.advance(to: h.now) == [.move(from: .reconnecting, to: .connecting), .connect(.http, scheduledAt: h.now)])
        h.send(.httpConnected)
        h.send(.signedIn)
        let signedInAt = h.now
        #expect(h.log.last == .scheduleTCPRetry(after: Harness.hour))
        #expect(h.advance(by: Harness.hour) == [.leaveHTTPFallback, .closeHTTPForTCP])
        #expect(h.now == signedInAt + Harness.hour)
    }

    @Test("the retry firing between HTTP sessions leaves the fallback; the pending reconnect goes over TCP")
    func retryWithoutHTTPSession() {
        var h = Self.onHTTPFallback()
        h.send(.closed(.eof))
        #expect(!h.httpSessionOpen)
        #expect(h.send(.tcpRetryDue(httpSessionOpen: false)) == [.leaveHTTPFallback])
        #expect(!h.machine.switchingToTCP)
        #expect(h.advance(to: h.now) == [.move(from: .reconnecting, to: .connecting), .connect(.tcp, scheduledAt: h.now)])
    }

    @Test("a retry due off the fallback or while the run stops does nothing")
    func retryIgnored() {
        var off = Harness()
        off.send(.connectDue(scheduledAt: 0))
        #expect(off.send(.tcpRetryDue(httpSessionOpen: true)).isEmpty)

        var stopping = Self.onHTTPFallback()
        stopping.stopping = true
        #expect(stopping.send(.tcpRetryDue(httpSessionOpen: true)).isEmpty)
        #expect(stopping.machine.onHTTPFallback)
        #expect(!stopping.machine.tcpRetryPending)
    }

    @Test("while switching, a close other than local is an ordinary failure and ends the switch")
    func switchInterrupted() {
        var h = Self.onHTTPFallback()
        h.advance(by: Harness.hour)
        #expect(h.machine.switchingToTCP)
        let actions = h.send(.closed(.httpStatus(500)))
        #expect(actions == [.count(.httpStatus), .move(from: .signedIn, to: .reconnecting), .scheduleReconnect(deadline: h.now)])
        #expect(!h.machine.switchingToTCP)
        #expect(h.advance(to: h.now).last == .connect(.tcp, scheduledAt: h.now))
    }

    @Test("stop on the fallback: timers cancelled; the close leaves the fallback and rests in planned")
    func stopOnFallback() {
        var h = Self.onHTTPFallback()
        h.stopping = true
        #expect(h.send(.stopRequested) == [.cancelTimers, .close])
        #expect(!h.machine.tcpRetryPending)
        #expect(h.tcpRetryDeadline == nil)
        #expect(h.send(.closed(.local)) == [.leaveHTTPFallback, .move(from: .signedIn, to: .planned)])
        #expect(!h.machine.onHTTPFallback)
    }

    @Test("a permanent failure or reconnect none on the fallback leaves it (the gauge goes down)")
    func failedLeavesFallback() {
        var h = Self.connectingOverHTTP(threshold: 1)
        #expect(h.send(.cannotConnect) == [.count(.other), .leaveHTTPFallback, .move(from: .connecting, to: .failed)])

        var none = Harness(reconnect: ReconnectPolicy(mode: .none, httpFallbackAfter: 1))
        none.send(.connectDue(scheduledAt: 0))
        #expect(none.send(.tcpConnectFailed(.connectRefused)) == [
            .enterHTTPFallback(consecutiveFailures: 1), .count(.connectRefused), .leaveHTTPFallback,
            .move(from: .connecting, to: .failed),
        ])
    }
}
