import NIOConcurrencyHelpers

/// A flag that asks a running generation to stop. Thread-safe; set it from a signal handler's
/// dispatch source or any thread. Generation checks it between identities, writes the chunks
/// it completed and drops the partly generated ones.
public final class GenerationStopFlag: Sendable {
    private let stopped = NIOLockedValueBox(false)

    /// Creates a flag that is not set.
    public init() {}

    /// Asks the generation to stop.
    public func stop() {
        stopped.withLockedValue { $0 = true }
    }

    /// Whether ``stop()`` was called.
    public var isStopped: Bool {
        stopped.withLockedValue { $0 }
    }
}
