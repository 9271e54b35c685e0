import Foundation

/// A flag that asks a running generation to stop. Thread-safe; set it from a signal handler's
/// dispatch source or any thread. Generation checks it between identities, writes the chunks
/// it completed and drops the partly generated ones.
public final class GenerationStopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false

    /// Creates a flag that is not set.
    public init() {}

    /// Asks the generation to stop.
    public func stop() {
        lock.withLock { stopped = true }
    }

    /// Whether ``stop()`` was called.
    public var isStopped: Bool {
        lock.withLock { stopped }
    }
}
