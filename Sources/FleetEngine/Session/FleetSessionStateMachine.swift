import BGBClient
import FleetMetrics

/// The rules of one simulated client above the BGB protocol: when it connects and over which
/// transport, how it counts a failure and backs off, when it falls back from TCP to the HTTP
/// long-poll and when it tries TCP again, and what a stop does. Pure: events in, actions out, no
/// clock and no socket (``FleetSession`` is the NIO shell that performs the actions). Time comes in
/// with each event (`now`, monotonic nanoseconds) and randomness through the generator passed in,
/// so a test drives it with a virtual clock and a seeded generator.
///
/// `state` is the session's `SessionState` (the run's state gauges); every change of it is a
/// ``Action/move(from:to:)``. `stopping` is the run's stop flag as it is when the event arrives:
/// it is set before the loops close their sessions, so events in between follow the stop rules.
///
/// Transitions ("fail(R)" and "fallback check" are the rules at the end):
///
/// - `connectDue(scheduledAt: T)` (the ramp, or the reconnect timer):
///   - stopping: nothing.
///   - otherwise: `connects += 1`; state → `connecting`; transport = HTTP when the run's transport
///     is HTTP or the session is on the fallback, else TCP; ``Action/connect(_:scheduledAt:)``.
/// - `cannotConnect` (no identity, or HTTP without a known HTTP port): fail(`other`), permanent.
/// - `tcpConnected`: state → `tls`; when stopping, stop (below).
/// - `tcpConnectFailed(R)`: fallback check, then fail(R).
/// - `httpConnected` (the HTTP session's first connection is up): when stopping, stop.
/// - `httpConnectFailed(R)`:
///   - stopping: no failure counted ("a stop during connect counts no failure"): leave the
///     fallback, state → `planned`.
///   - otherwise: fail(R).
/// - `signedIn`: the backoff resets (attempt 0, previous delay 0); on TCP the run of TCP failures
///   resets; state → `signedIn`; on the fallback, with no TCP retry pending and not stopping:
///   ``Action/scheduleTCPRetry(after:)`` the retry interval (spec §8.4: hourly).
/// - `httpLogInAgain` (990: the HTTP session logs in again by itself): last error `http_990`,
///   count it; `reconnects += 1`, `connects += 1`; state → `connecting`. The backoff is untouched.
/// - `closed(reason)`:
///   - stopping and (closed locally, or not signed in): no failure counted; leave the fallback,
///     state → `planned`.
///   - switching to TCP and closed locally (the hand-over back to TCP): connect again at once over
///     TCP (`connectDue(scheduledAt: now)`), no failure counted.
///   - otherwise (the switch, if any, is over): a TLS close on TCP before sign-in runs the fallback
///     check; a refused MP certificate is noted (``Action/noteTLSVerificationFailure(_:)``); then
///     fail(the reason's counter, ``FailureReason/init(closeReason:)``).
/// - `tcpRetryDue(httpSessionOpen:)` (the retry timer fired):
///   - not on the fallback, or stopping: nothing.
///   - otherwise: leave the fallback; the TCP failure run is set to one short of the threshold (one
///     more TCP failure returns to HTTP); when an HTTP session is open, switching to TCP and
///     ``Action/closeHTTPForTCP`` (its local close then reconnects over TCP, above); else the next
///     `connectDue` uses TCP.
/// - `stopRequested` (the end of the run): the TCP retry is no longer pending;
///   ``Action/cancelTimers``, ``Action/close``. The fallback gauge and the state follow from the
///   close that results (`closed`).
///
/// fail(R) (permanent or not): last error R, ``Action/count(_:)`` R; then
/// - stopping: leave the fallback, state → `planned`;
/// - permanent: leave the fallback, state → `failed`;
/// - otherwise `attempt += 1` and the reconnect policy draws the delay D (jittered backoff,
///   ``ReconnectPolicy/delay(attempt:previous:using:)``):
///   - no delay (`reconnect: none`): leave the fallback, state → `failed`;
///   - D: `reconnects += 1`, state → `reconnecting`, ``Action/scheduleReconnect(deadline:)`` now + D.
///
/// Fallback check (a TCP connect or TLS failure; only when the attempt is over TCP): one more TCP
/// failure in a row; once they reach `httpFallbackAfter` (> 0), with the session not on the
/// fallback yet, an HTTP port known and not stopping: on the fallback,
/// ``Action/enterHTTPFallback(consecutiveFailures:)``. Leaving the fallback (only when on it):
/// ``Action/leaveHTTPFallback``, the TCP retry no longer pending.
///
/// Actions run in the order returned; a connect or close is always last, since performing it can
/// deliver the next event at once.
struct FleetSessionStateMachine {
    /// The run's settings the rules depend on.
    struct Configuration: Hashable, Sendable {
        /// The transport every session starts with.
        var transport: FleetProfile.Transport
        /// Whether the MP's HTTP port is known (a fallback needs it).
        var httpAvailable: Bool
        var reconnect: ReconnectPolicy
        /// How long a session stays on the fallback before it tries TCP again.
        var tcpRetryInterval: UInt64
    }

    enum Event: Hashable, Sendable {
        /// Time to connect: the ramp's start, or the reconnect timer (`scheduledAt` its deadline).
        case connectDue(scheduledAt: UInt64)
        /// The attempt cannot be set up at all (identity unreadable, no HTTP port): permanent.
        case cannotConnect
        case tcpConnected
        case tcpConnectFailed(FailureReason)
        case httpConnected
        case httpConnectFailed(FailureReason)
        /// SignIn done (confirmed, or accepted without a confirmation).
        case signedIn
        /// The HTTP session got 990 and logs in again by itself.
        case httpLogInAgain
        /// The connection (TCP) or HTTP session ended.
        case closed(BGBCloseReason)
        /// The TCP retry timer fired; `httpSessionOpen`: an HTTP session is up or connecting.
        case tcpRetryDue(httpSessionOpen: Bool)
        /// The end of the run: close the session.
        case stopRequested
    }

    enum Action: Hashable, Sendable {
        /// The session's state changed (move it between the state gauges).
        case move(from: SessionState, to: SessionState)
        /// Start an attempt over `transport`; the attempt's timings start at `scheduledAt`.
        case connect(FleetProfile.Transport, scheduledAt: UInt64)
        /// Count a failure (`errors.<reason>`).
        case count(FailureReason)
        /// The session went onto the HTTP fallback: up the `http_fallback` gauge, note it.
        case enterHTTPFallback(consecutiveFailures: Int)
        /// The session left the fallback: down the gauge, cancel the TCP retry timer.
        case leaveHTTPFallback
        /// Reconnect at `deadline` (monotonic nanoseconds): then `connectDue(scheduledAt: deadline)`.
        case scheduleReconnect(deadline: UInt64)
        /// Fire `tcpRetryDue` after this many nanoseconds.
        case scheduleTCPRetry(after: UInt64)
        /// Close the HTTP session to hand over to TCP.
        case closeHTTPForTCP
        /// Log the MP certificate `tls.verify` refused (once per distinct text, by the run).
        case noteTLSVerificationFailure(String)
        /// Cancel the reconnect and TCP retry timers.
        case cancelTimers
        /// Close the connection or HTTP session, if any.
        case close
    }

    let configuration: Configuration
    private(set) var state: SessionState = .planned
    /// The transport of the attempt in progress (the sessions.csv `transport` column).
    private(set) var transport: FleetProfile.Transport
    private(set) var connects = 0
    private(set) var reconnects = 0
    private(set) var lastError: FailureReason?
    /// On the TCP → HTTP fallback (counted in the `http_fallback` gauge).
    private(set) var onHTTPFallback = false
    /// TCP connect or TLS failures in a row.
    private(set) var consecutiveTCPFailures = 0
    private(set) var tcpRetryPending = false
    /// The HTTP session is being closed to try TCP again.
    private(set) var switchingToTCP = false
    /// Reconnect attempts since the last sign-in (the backoff's position).
    private(set) var attempt = 0
    private(set) var previousDelay: UInt64 = 0

    init(configuration: Configuration) {
        self.configuration = configuration
        self.transport = configuration.transport
    }

    /// Applies one event; returns what the shell must do, in order.
    mutating func handle<G: RandomNumberGenerator>(
        _ event: Event,
        now: UInt64,
        stopping: Bool,
        random: inout G
    ) -> [Action] {
        var actions: [Action] = []
        switch event {
        case .connectDue(let scheduledAt):
            connect(scheduledAt: scheduledAt, stopping: stopping, into: &actions)
        case .cannotConnect:
            fail(.other, permanent: true, now: now, stopping: stopping, random: &random, into: &actions)
        case .tcpConnected:
            move(to: .tls, into: &actions)
            if stopping { stop(into: &actions) }
        case .tcpConnectFailed(let reason):
            tcpAttemptFailed(stopping: stopping, into: &actions)
            fail(reason, permanent: false, now: now, stopping: stopping, random: &random, into: &actions)
        case .httpConnected:
            if stopping { stop(into: &actions) }
        case .httpConnectFailed(let reason):
            if stopping {
                leaveHTTPFallback(into: &actions)
                move(to: .planned, into: &actions)
            } else {
                fail(reason, permanent: false, now: now, stopping: stopping, random: &random, into: &actions)
            }
        case .signedIn:
            attempt = 0
            previousDelay = 0
            if transport == .tcp { consecutiveTCPFailures = 0 }
            move(to: .signedIn, into: &actions)
            if onHTTPFallback, !tcpRetryPending, !stopping {
                tcpRetryPending = true
                actions.append(.scheduleTCPRetry(after: configuration.tcpRetryInterval))
            }
        case .httpLogInAgain:
            lastError = .http990
            actions.append(.count(.http990))
            reconnects += 1
            connects += 1
            move(to: .connecting, into: &actions)
        case .closed(let reason):
            closed(reason, now: now, stopping: stopping, random: &random, into: &actions)
        case .tcpRetryDue(let httpSessionOpen):
            tcpRetryPending = false
            guard onHTTPFallback, !stopping else { break }
            leaveHTTPFallback(into: &actions)
            consecutiveTCPFailures = max(0, configuration.reconnect.httpFallbackAfter - 1)
            if httpSessionOpen {
                switchingToTCP = true
                actions.append(.closeHTTPForTCP)
            }
        case .stopRequested:
            stop(into: &actions)
        }
        return actions
    }

    private mutating func connect(scheduledAt: UInt64, stopping: Bool, into actions: inout [Action]) {
        guard !stopping else { return }
        connects += 1
        move(to: .connecting, into: &actions)
        transport = configuration.transport == .http || onHTTPFallback ? .http : .tcp
        actions.append(.connect(transport, scheduledAt: scheduledAt))
    }

    private mutating func closed<G: RandomNumberGenerator>(
        _ reason: BGBCloseReason,
        now: UInt64,
        stopping: Bool,
        random: inout G,
        into actions: inout [Action]
    ) {
        if stopping, reason == .local || state != .signedIn {
            leaveHTTPFallback(into: &actions)
            move(to: .planned, into: &actions)
            return
        }
        if switchingToTCP, reason == .local {
            switchingToTCP = false
            connect(scheduledAt: now, stopping: stopping, into: &actions)
            return
        }
        switchingToTCP = false
        if transport == .tcp, state != .signedIn, case .tls = reason { tcpAttemptFailed(stopping: stopping, into: &actions) }
        if case .tlsVerification(let text) = reason { actions.append(.noteTLSVerificationFailure(text)) }
        fail(FailureReason(closeReason: reason), permanent: false, now: now, stopping: stopping, random: &random, into: &actions)
    }

    private mutating func stop(into actions: inout [Action]) {
        tcpRetryPending = false
        actions.append(.cancelTimers)
        actions.append(.close)
    }

    private mutating func fail<G: RandomNumberGenerator>(
        _ reason: FailureReason,
        permanent: Bool,
        now: UInt64,
        stopping: Bool,
        random: inout G,
        into actions: inout [Action]
    ) {
        lastError = reason
        actions.append(.count(reason))
        guard !stopping, !permanent else {
            leaveHTTPFallback(into: &actions)
            move(to: stopping ? .planned : .failed, into: &actions)
            return
        }
        attempt += 1
        guard let delay = configuration.reconnect.delay(attempt: attempt, previous: previousDelay, using: &random) else {
            leaveHTTPFallback(into: &actions)
            move(to: .failed, into: &actions)
            return
        }
        previousDelay = delay
        reconnects += 1
        move(to: .reconnecting, into: &actions)
        let (deadline, overflow) = now.addingReportingOverflow(delay)
        actions.append(.scheduleReconnect(deadline: overflow ? .max : deadline))
    }

    /// A TCP connect or TLS failure: after `httpFallbackAfter` in a row, the next attempts use HTTP.
    private mutating func tcpAttemptFailed(stopping: Bool, into actions: inout [Action]) {
        guard transport == .tcp else { return }
        consecutiveTCPFailures += 1
        let threshold = configuration.reconnect.httpFallbackAfter
        guard threshold > 0, consecutiveTCPFailures >= threshold, !onHTTPFallback, configuration.httpAvailable, !stopping
        else { return }
        onHTTPFallback = true
        actions.append(.enterHTTPFallback(consecutiveFailures: consecutiveTCPFailures))
    }

    private mutating func leaveHTTPFallback(into actions: inout [Action]) {
        guard onHTTPFallback else { return }
        onHTTPFallback = false
        tcpRetryPending = false
        actions.append(.leaveHTTPFallback)
    }

    private mutating func move(to newState: SessionState, into actions: inout [Action]) {
        guard newState != state else { return }
        actions.append(.move(from: state, to: newState))
        state = newState
    }
}
