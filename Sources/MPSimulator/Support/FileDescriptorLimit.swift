#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's open-file limit (`RLIMIT_NOFILE`): every session is one descriptor.
enum FileDescriptorLimit {
    /// Descriptors the simulator needs besides sessions (listeners, event loops, logs, files).
    static let reserve = 64

    /// Raises the soft limit to the hard limit; returns the limits in force afterwards.
    static func raise() -> (soft: Int, hard: Int) {
        var limit = rlimit()
        #if os(Linux)
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        #else
        let resource = RLIMIT_NOFILE
        #endif
        guard getrlimit(resource, &limit) == 0 else { return (Int.max, Int.max) }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            #if canImport(Darwin)
            // macOS refuses RLIM_INFINITY for RLIMIT_NOFILE; OPEN_MAX is its ceiling.
            if raised.rlim_cur > rlim_t(OPEN_MAX) { raised.rlim_cur = rlim_t(OPEN_MAX) }
            #endif
            if setrlimit(resource, &raised) == 0 { limit = raised }
        }
        return (clamp(limit.rlim_cur), clamp(limit.rlim_max))
    }

    private static func clamp(_ value: rlim_t) -> Int {
        value > rlim_t(Int.max) ? Int.max : Int(value)
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
