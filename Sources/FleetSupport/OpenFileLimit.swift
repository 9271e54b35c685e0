#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's open-file limit (`RLIMIT_NOFILE`): every session, and with the embedded
/// simulator each end of it, is one descriptor.
public struct OpenFileLimit: Sendable, Hashable {
    /// The limit in force (what `open`, `socket` and `accept` are held to).
    public var soft: Int
    /// The ceiling an unprivileged process may raise ``soft`` to.
    public var hard: Int

    /// Creates a value (for tests and reports; ``raise()`` reads the process's own).
    public init(soft: Int, hard: Int) {
        self.soft = soft
        self.hard = hard
    }

    /// Raises the soft limit to the hard limit, clamped to `OPEN_MAX` where the platform defines
    /// it (macOS refuses a larger `RLIMIT_NOFILE`), and returns the limits in force afterwards;
    /// nil when the limits cannot be read. An unlimited value reads as `Int.max`.
    public static func raise() -> OpenFileLimit? {
        #if os(Linux)
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        #else
        let resource = RLIMIT_NOFILE
        #endif
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return nil }
        let wanted = target(soft: limit.rlim_cur, hard: limit.rlim_max)
        if wanted > limit.rlim_cur {
            var raised = limit
            raised.rlim_cur = wanted
            if setrlimit(resource, &raised) == 0 { limit = raised }
        }
        return OpenFileLimit(soft: clamp(limit.rlim_cur), hard: clamp(limit.rlim_max))
    }

    /// The soft limit to ask for: the hard limit, at most `OPEN_MAX` where it is defined.
    static func target(soft: rlim_t, hard: rlim_t) -> rlim_t {
        var wanted = max(soft, hard)  // soft never exceeds hard; max keeps a raise from lowering it
        #if canImport(Darwin)
        wanted = min(wanted, rlim_t(OPEN_MAX))
        #endif
        return wanted
    }

    private static func clamp(_ value: rlim_t) -> Int {
        value > rlim_t(Int.max) ? Int.max : Int(value)
    }
}
