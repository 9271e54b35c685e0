import FleetSupport

/// The simulator's open-file check: every session is one descriptor.
enum FileDescriptorLimit {
    /// Descriptors the simulator needs besides sessions (listeners, event loops, logs, files).
    static let reserve = 64

    /// Raises the soft limit to the hard limit (``OpenFileLimit/raise()``); returns the limits in
    /// force afterwards, unlimited when they cannot be read.
    static func raise() -> (soft: Int, hard: Int) {
        guard let limit = OpenFileLimit.raise() else { return (Int.max, Int.max) }
        return (limit.soft, limit.hard)
    }

    /// Throws a clear error when `expectedSessions` cannot fit in the soft limit.
    static func check(expectedSessions: Int?, limit: (soft: Int, hard: Int)) throws(MPSimulatorError) {
        guard let expectedSessions else { return }
        let needed = expectedSessions + reserve
        guard needed > limit.soft else { return }
        throw .capacity(
            "expectedSessions \(expectedSessions) needs about \(needed) open files (one per session plus \(reserve)), "
                + "but this process may open only \(limit.soft) (hard limit \(limit.hard)); raise the hard limit "
                + "(ulimit -Hn, LimitNOFILE=) or expect at most \(max(0, limit.soft - reserve)) sessions"
        )
    }
}
