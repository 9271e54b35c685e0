/// When an HTTP session polls again (spec §4.10), transport-free.
///
/// `continuous`: after an answer, when no other Continue of the session is outstanding, poll
/// again — at once after a held answer (one that took at least the minimum delay) or one that
/// carried a message, otherwise after a delay of 1 s doubling up to the keep-alive interval.
/// Answers that arrive while another Continue is outstanding (the MP releasing an older poll,
/// newest-poll-wins) neither poll nor change the delay, so overlapping polls never ping-pong.
/// `sdk`: never poll on its own.
public struct BGBHTTPPollScheduler: Hashable, Sendable {
    public let mode: BGBHTTPSessionConfiguration.PollMode
    public let minimumDelayNanoseconds: UInt64
    public let maximumDelayNanoseconds: UInt64
    /// The delay the next quick empty answer extends (0: the last answer was held or carried a message).
    public private(set) var delayNanoseconds: UInt64 = 0

    public init(mode: BGBHTTPSessionConfiguration.PollMode, minimumDelayNanoseconds: UInt64, maximumDelayNanoseconds: UInt64) {
        precondition(minimumDelayNanoseconds > 0, "the minimum delay must be positive")
        self.mode = mode
        self.minimumDelayNanoseconds = minimumDelayNanoseconds
        self.maximumDelayNanoseconds = max(minimumDelayNanoseconds, maximumDelayNanoseconds)
    }

    /// A Continue was answered after `elapsedNanoseconds`. Returns the delay before the next poll
    /// (0: at once), or nil for no poll.
    public mutating func answered(
        afterNanoseconds elapsedNanoseconds: UInt64,
        carriedMessage: Bool,
        othersOutstanding: Bool
    ) -> UInt64? {
        guard mode == .continuous, !othersOutstanding else { return nil }
        if carriedMessage || elapsedNanoseconds >= minimumDelayNanoseconds {
            delayNanoseconds = 0
        } else if delayNanoseconds == 0 {
            delayNanoseconds = minimumDelayNanoseconds
        } else {
            delayNanoseconds = min(maximumDelayNanoseconds, delayNanoseconds.multipliedReportingOverflow(by: 2).partialValue)
        }
        return delayNanoseconds
    }

    /// Forgets the delay (a new login).
    public mutating func reset() {
        delayNanoseconds = 0
    }
}
