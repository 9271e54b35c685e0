import BGBClient
import BGBProtocol
import FleetMetrics
import NIOCore

/// One simulated client in the fleet: connects, signs in, answers pushes, reconnects, and records
/// everything into the run's metrics. Lives on one event loop; no task and no thread of its own.
///
/// The thin NIO shell of ``FleetSessionStateMachine``, which holds the rules (reconnect and its
/// backoff, the TCP → HTTP fallback of spec §8.4 and the TCP retry, re-login, stop): the shell
/// feeds it the events of the connection, the HTTP session and its two timers and performs the
/// actions it returns. Transport: TCP + TLS (``BGBClientChannelHandler``), or the HTTP long-poll
/// (``BGBHTTPSession``) for `transport: http` and on the fallback, where the session is counted
/// in the `http_fallback` gauge on top of its connection state (so `signed_in` still counts it for
/// triggers). Connecting is in `FleetSession+Connect.swift`, the protocol session's delegate
/// (pushes, responses, keep-alives) in `FleetSession+Delegate.swift`.
final class FleetSession {
    let index: Int
    let entry: FleetPlan.Entry
    let shared: FleetRunContext
    let eventLoop: EventLoop
    /// This session's event loop's block of the run's counters (``FleetCounters``).
    let counterShard: Int
    /// The keep-alive timers of this session's event loop, shared with its other sessions.
    let keepAliveTimers: BGBKeepAliveTimers
    /// The bound on this loop's handshakes in flight, told of every state change.
    let handshakes: HandshakeGate
    var random: FleetRandom
    var machine: FleetSessionStateMachine

    // Report columns (connects, reconnects, transport and the last error are the machine's).
    var smsID: SMSID?
    var keepAlives = 0
    var pushes = 0
    var responses = 0

    // The attempt in progress.
    var attemptStartedAt: UInt64 = 0
    var tcpConnectedAt: UInt64 = 0
    var handler: BGBClientChannelHandler?
    var channel: Channel?
    var httpSession: BGBHTTPSession?
    private var reconnectTimer: Scheduled<Void>?
    private var tcpRetryTimer: Scheduled<Void>?
    /// Pushes received and not answered yet, for `response` and `e2e` timing.
    var unanswered = UnansweredPushes()

    init(entry: FleetPlan.Entry, shared: FleetRunContext, eventLoop: EventLoop, counterShard: Int,
         keepAliveTimers: BGBKeepAliveTimers, handshakes: HandshakeGate) {
        self.index = entry.index
        self.keepAliveTimers = keepAliveTimers
        self.handshakes = handshakes
        self.entry = entry
        self.shared = shared
        self.eventLoop = eventLoop
        self.counterShard = counterShard
        self.random = FleetRandom(seed: UInt64(entry.index) &* 0x9E37_79B9_7F4A_7C15 ^ shared.seed)
        self.machine = FleetSessionStateMachine(
            configuration: .init(
                transport: shared.transport,
                httpAvailable: shared.target.httpAddress != nil,
                reconnect: shared.reconnect,
                tcpRetryInterval: shared.tcpRetryInterval
            )
        )
        shared.metrics.counters.increment(.planned, shard: counterShard)
    }

    /// The run's counters; every update goes to ``counterShard``.
    var counters: FleetCounters { shared.metrics.counters }

    var state: SessionState { machine.state }
    var isOpen: Bool { channel != nil || httpSession != nil }

    /// Starts a connection attempt; `scheduledAt` is the intended start (monotonic).
    func connect(scheduledAt: UInt64) {
        handle(.connectDue(scheduledAt: scheduledAt))
    }

    /// Closes the session for the end of the run.
    func close() {
        handle(.stopRequested)
    }

    /// Feeds one event to the state machine and performs its actions.
    func handle(_ event: FleetSessionStateMachine.Event) {
        let actions = machine.handle(event, now: NIODeadline.now().uptimeNanoseconds, stopping: shared.isStopping, random: &random)
        for action in actions { perform(action) }
    }

    private func perform(_ action: FleetSessionStateMachine.Action) {
        switch action {
        case .move(let from, let to):
            counters.transition(from: from, to: to, shard: counterShard)
            handshakes.moved(from: from, to: to)
        case .connect(let transport, let scheduledAt):
            attemptStartedAt = scheduledAt
            switch transport {
            case .tcp: connectTCP()
            case .http: connectHTTP()
            }
        case .count(let reason):
            counters.record(reason, shard: counterShard)
        case .enterHTTPFallback(let failures):
            counters.increment(.httpFallback, shard: counterShard)
            shared.noteHTTPFallback(session: index, failures: failures)
        case .leaveHTTPFallback:
            counters.decrement(.httpFallback, shard: counterShard)
            tcpRetryTimer?.cancel()
            tcpRetryTimer = nil
        case .scheduleReconnect(let deadline):
            let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
            reconnectTimer = eventLoop.assumeIsolated().scheduleTask(deadline: .uptimeNanoseconds(deadline)) {
                loopBound.value.reconnectTimer = nil
                loopBound.value.handle(.connectDue(scheduledAt: deadline))
            }
        case .scheduleTCPRetry(let interval):
            let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
            tcpRetryTimer = eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(Int64(interval))) {
                let session = loopBound.value
                session.tcpRetryTimer = nil
                session.handle(.tcpRetryDue(httpSessionOpen: session.httpSession != nil))
            }
        case .noteTLSVerificationFailure(let text):
            shared.noteTLSVerificationFailure(session: index, text)
        case .closeHTTPForTCP:
            httpSession?.close()
        case .cancelTimers:
            reconnectTimer?.cancel()
            reconnectTimer = nil
            tcpRetryTimer?.cancel()
            tcpRetryTimer = nil
        case .close:
            if let httpSession {
                httpSession.close()
            } else if let handler {
                handler.close()
            } else {
                channel?.close(promise: nil)
            }
        }
    }

    /// The sessions.csv row.
    var reportRow: SessionReportRow {
        SessionReportRow(
            smsid: smsID?.rawValue ?? "",
            sourceAddress: entry.sourceAddress ?? "",
            transport: machine.transport.rawValue,
            connects: machine.connects,
            reconnects: machine.reconnects,
            keepalives: keepAlives,
            pushes: pushes,
            responses: responses,
            lastError: machine.lastError
        )
    }
}
