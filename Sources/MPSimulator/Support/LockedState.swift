import Foundation

/// A value guarded by a mutex (`NSLock`): the simulator's shared tables live in these.
///
/// Critical sections are short and never call out while holding the lock.
final class LockedState<State>: @unchecked Sendable {
    // @unchecked Sendable: `state` is only touched with `lock` held.
    private let lock = NSLock()
    private var state: State

    init(_ state: State) {
        self.state = state
    }

    @inline(__always)
    func withLock<Result>(_ body: (inout State) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&state)
    }
}
