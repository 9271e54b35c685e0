/// The 990 guard of spec §8.4, transport-free: every 990 logs in again at once, but more than
/// `limit` of them within `window` end the session so that its owner backs off instead of
/// starting a re-login storm (spec §4.7: 61–78 log-ins in 9 s for one SDK session).
public struct BGBHTTPReLogInGuard: Hashable, Sendable {
    public let limit: Int
    public let windowNanoseconds: UInt64
    private var times: [UInt64] = []

    public init(limit: Int, windowNanoseconds: UInt64) {
        precondition(limit >= 0, "the limit must not be negative")
        self.limit = limit
        self.windowNanoseconds = windowNanoseconds
    }

    /// A 990 arrived at monotonic `now`. True: log in again now; false: too many, give up.
    public mutating func sessionEnded(atNanoseconds now: UInt64) -> Bool {
        times.removeAll { now >= $0 && now - $0 >= windowNanoseconds }
        times.append(now)
        return times.count <= limit
    }

    /// 990s within the window that ends at the last one recorded.
    public var recentCount: Int { times.count }
}
