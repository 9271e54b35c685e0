import FleetMetrics

/// Bounds the sessions one event loop has between connect and sign-in (states `connecting` and
/// `tls`), so that the ramp never starts more handshakes than the loop can finish.
///
/// Without a bound, a generator asked for more sign-ins per second than the machine can do keeps
/// starting connections on schedule: thousands of handshakes in flight share the cores, each one
/// takes seconds, their memory (~90 KB each) leaves the caches, and the ones that time out are
/// work thrown away and done again — the rate reached falls below what the machine sustains. With
/// the bound, a session due while it is reached waits for a handshake to end; the lateness is
/// measured (`start_late`) and reported, so the schedule stays the user's and the summary says
/// that the generator was the bottleneck. Reconnects are counted but never held back (they are
/// the fleet's own behaviour, not the ramp's).
///
/// One per event loop, used only on that loop.
final class HandshakeGate {
    /// The bound; 0: none.
    let limit: Int
    /// Sessions of this loop in `connecting` or `tls` now.
    private(set) var inFlight = 0
    /// Called (on the loop) when a handshake ends while the ramp waits for room.
    private let onRoom: () -> Void
    /// Whether the ramp is waiting for room.
    private var rampWaiting = false

    init(limit: Int, onRoom: @escaping () -> Void) {
        precondition(limit >= 0, "a negative handshake bound")
        self.limit = limit
        self.onRoom = onRoom
    }

    /// Whether the ramp may start one more session now; when not, it is told through `onRoom`.
    func admit() -> Bool {
        if limit == 0 || inFlight < limit { return true }
        rampWaiting = true
        return false
    }

    /// A session of this loop moved between states.
    func moved(from: SessionState, to: SessionState) {
        let was = from.isHandshaking
        let now = to.isHandshaking
        guard was != now else { return }
        if now {
            inFlight += 1
        } else {
            inFlight -= 1
            if rampWaiting, inFlight < limit {
                rampWaiting = false
                onRoom()
            }
        }
    }
}

extension SessionState {
    /// Between connect and sign-in: what ``HandshakeGate`` bounds.
    var isHandshaking: Bool { self == .connecting || self == .tls }
}
