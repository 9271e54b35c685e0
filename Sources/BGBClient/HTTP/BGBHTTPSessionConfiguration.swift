import NIOCore

/// The HTTP long-poll transport's own settings (spec §4.1, §4.10, §8.4); identity and keep-alive
/// timing come from ``BGBSessionConfiguration``.
public struct BGBHTTPSessionConfiguration: Hashable, Sendable {
    /// When the session polls (spec §4.10, `httpPollMode`).
    public enum PollMode: String, Hashable, Sendable, CaseIterable {
        /// Keep exactly one poll outstanding; after a quick empty answer wait 1 s, doubling up to
        /// the keep-alive interval, before polling again (the generator's default).
        case continuous
        /// Poll only when there is something to send, as the SDK does.
        case sdk
    }

    public var pollMode: PollMode
    /// Connections per session, 1 or 2. HTTP/1.1 cannot multiplex and a poll is held for minutes,
    /// so a Continue sent while a poll is held goes out on a second connection (the MP answers
    /// the older poll then: newest poll wins). With 1, such a Continue waits for the held poll.
    public var maximumConnections: Int
    /// The SDK's LogIn timeout (5 min).
    public var logInTimeout: TimeAmount
    /// The SDK's Continue timeout (10 min); a held poll must be answered before it.
    public var continueTimeout: TimeAmount
    /// How long ``BGBHTTPSession/close()`` waits for the LogOut answer before closing anyway
    /// (the SDK waits 5 min; a load generator shutting down does not).
    public var logOutTimeout: TimeAmount
    /// The first re-poll delay after a quick empty answer, and what counts as quick.
    public var minimumPollDelay: TimeAmount
    /// 990 answers tolerated within ``reLogInWindow``: each logs in again at once; one more
    /// closes the session with ``BGBCloseReason/httpStatus(_:)`` 990 so the owner backs off.
    public var reLogInLimit: Int
    public var reLogInWindow: TimeAmount
    /// The largest answer body accepted.
    public var maximumBodySize: Int

    public init(
        pollMode: PollMode = .continuous,
        maximumConnections: Int = 2,
        logInTimeout: TimeAmount = .minutes(5),
        continueTimeout: TimeAmount = .minutes(10),
        logOutTimeout: TimeAmount = .seconds(5),
        minimumPollDelay: TimeAmount = .seconds(1),
        reLogInLimit: Int = 3,
        reLogInWindow: TimeAmount = .seconds(60),
        maximumBodySize: Int = 1 << 20
    ) {
        precondition((1...2).contains(maximumConnections), "an HTTP session uses 1 or 2 connections")
        precondition(minimumPollDelay > .zero, "the minimum poll delay must be positive")
        precondition(reLogInLimit >= 0 && reLogInWindow >= .zero, "the re-login guard must not be negative")
        self.pollMode = pollMode
        self.maximumConnections = maximumConnections
        self.logInTimeout = logInTimeout
        self.continueTimeout = continueTimeout
        self.logOutTimeout = logOutTimeout
        self.minimumPollDelay = minimumPollDelay
        self.reLogInLimit = reLogInLimit
        self.reLogInWindow = reLogInWindow
        self.maximumBodySize = maximumBodySize
    }
}
