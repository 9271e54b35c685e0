import BGBClient
import NIOCore

/// The sessions of one event loop and the timer that starts them on schedule.
final class LoopShard {
    let eventLoop: EventLoop
    let shared: FleetRunContext
    /// This loop's block of the run's counters.
    let counterShard: Int
    /// The keep-alive timers of this loop's TCP sessions (one heap, polled by their reads).
    let keepAliveTimers: BGBKeepAliveTimers
    /// The bound on this loop's handshakes in flight (``HandshakeGate``).
    private(set) var handshakes: HandshakeGate!
    private(set) var sessions: [FleetSession] = []
    private var pending: [FleetPlan.Entry]
    private var nextPending = 0
    private var startTimer: Scheduled<Void>?
    private var runStart: UInt64 = 0

    /// `handshakeLimit`: this loop's bound on sessions between connect and sign-in (0: none).
    init(eventLoop: EventLoop, shared: FleetRunContext, entries: [FleetPlan.Entry], counterShard: Int, handshakeLimit: Int) {
        self.eventLoop = eventLoop
        self.shared = shared
        self.counterShard = counterShard
        self.keepAliveTimers = BGBKeepAliveTimers(eventLoop: eventLoop)
        self.pending = entries.sorted { $0.startOffset < $1.startOffset }
        sessions.reserveCapacity(entries.count)
        handshakes = HandshakeGate(limit: handshakeLimit) { [weak self] in
            // A handshake ended while the ramp waited: start what is due, after this event.
            guard let self else { return }
            self.eventLoop.assumeIsolated().execute { self.startDue() }
        }
    }

    /// Starts the ramp: every session connects at `runStart + its offset`.
    func start(runStart: UInt64) {
        self.runStart = runStart
        startDue()
    }

    private func startDue() {
        startTimer = nil
        guard !shared.isStopping else { return }
        let now = NIODeadline.now().uptimeNanoseconds
        // Start what is due, a bounded batch per tick so the loop keeps serving I/O, and no more
        // than the handshake bound lets in (the gate calls back when one ends).
        var started = 0
        while nextPending < pending.count, started < 256 {
            let entry = pending[nextPending]
            let due = runStart + entry.startOffset
            guard due <= now else { break }
            guard handshakes.admit() else { return }
            let session = FleetSession(
                entry: entry, shared: shared, eventLoop: eventLoop, counterShard: counterShard,
                keepAliveTimers: keepAliveTimers, handshakes: handshakes
            )
            sessions.append(session)
            // How late the generator is to start it (open model: the schedule stays the user's).
            shared.metrics.record(.startLate, nanoseconds: NIODeadline.now().uptimeNanoseconds &- due)
            session.connect(scheduledAt: due)
            nextPending += 1
            started += 1
        }
        guard nextPending < pending.count else {
            pending = []
            return
        }
        let nextDue = runStart + pending[nextPending].startOffset
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        startTimer = eventLoop.assumeIsolated().scheduleTask(deadline: .uptimeNanoseconds(max(nextDue, now))) {
            bound.value.startDue()
        }
    }

    /// Stops the ramp and closes every session.
    func stop() {
        startTimer?.cancel()
        startTimer = nil
        for session in sessions { session.close() }
    }

    var openSessions: Int { sessions.reduce(0) { $0 + ($1.isOpen ? 1 : 0) } }
}
