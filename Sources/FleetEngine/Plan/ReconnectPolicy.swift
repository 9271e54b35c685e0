/// How sessions reconnect after the MP closes them or a connect fails (spec §8.4).
public struct ReconnectPolicy: Hashable, Sendable {
    public enum Mode: String, Hashable, Sendable, CaseIterable {
        /// First delay uniform in [0, firstDelayMaximum], then decorrelated jitter (base, cap).
        case backoff
        /// Reconnect at once, no jitter: reproduces a reconnect storm after an MP restart.
        case storm
        /// SDK-faithful: never reconnect.
        case none
    }

    public var mode: Mode
    public var firstDelayMaximum: UInt64
    public var base: UInt64
    public var cap: UInt64
    /// Switch a session to HTTP after this many consecutive TCP connect or TLS failures (0 = never).
    public var httpFallbackAfter: Int

    public init(
        mode: Mode = .backoff,
        firstDelayMaximum: UInt64 = 60_000_000_000,
        base: UInt64 = 5_000_000_000,
        cap: UInt64 = 900_000_000_000,
        httpFallbackAfter: Int = 3
    ) {
        self.mode = mode
        self.firstDelayMaximum = firstDelayMaximum
        self.base = base
        self.cap = cap
        self.httpFallbackAfter = httpFallbackAfter
    }

    /// The delay before reconnect attempt `attempt` (1 = the first after a drop), given the previous delay.
    public func delay<G: RandomNumberGenerator>(attempt: Int, previous: UInt64, using generator: inout G) -> UInt64? {
        switch mode {
        case .none:
            return nil
        case .storm:
            return 0
        case .backoff:
            if attempt <= 1 { return firstDelayMaximum == 0 ? 0 : UInt64.random(in: 0...firstDelayMaximum, using: &generator) }
            let upper = max(base, min(cap, previous.multipliedReportingOverflow(by: 3).overflow ? cap : previous * 3))
            return min(cap, UInt64.random(in: base...upper, using: &generator))
        }
    }
}
