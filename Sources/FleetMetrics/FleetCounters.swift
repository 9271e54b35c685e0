import Atomics

/// Lock-free counters of a run: a gauge per ``SessionState``, a counter per ``FailureReason`` and
/// per ``FleetCounter``.
///
/// One fixed allocation of atomics, each on its own 64-byte cache line so that event loops
/// updating different counters do not contend. Every update is one relaxed atomic add.
public final class FleetCounters: @unchecked Sendable {
    // @unchecked Sendable: the slots are only touched through atomic operations.

    private static let stride = 8 // UInt64 slots per cache line
    private static let stateBase = 0
    private static let reasonBase = SessionState.allCases.count
    private static let counterBase = reasonBase + FailureReason.allCases.count
    private static let slotCount = counterBase + FleetCounter.allCases.count

    private let slots: UnsafeMutablePointer<UnsafeAtomic<UInt64>.Storage>

    /// Creates zeroed counters.
    public init() {
        let capacity = Self.slotCount * Self.stride
        slots = UnsafeMutablePointer<UnsafeAtomic<UInt64>.Storage>.allocate(capacity: capacity)
        slots.initialize(repeating: UnsafeAtomic<UInt64>.Storage(0), count: capacity)
    }

    deinit {
        slots.deinitialize(count: Self.slotCount * Self.stride)
        slots.deallocate()
    }

    private func atomic(_ slot: Int) -> UnsafeAtomic<UInt64> {
        UnsafeAtomic(at: slots + slot * Self.stride)
    }

    /// Adds `amount` to a counter.
    public func add(_ counter: FleetCounter, _ amount: UInt64 = 1) {
        atomic(Self.counterBase + counter.ordinal).wrappingIncrement(by: amount, ordering: .relaxed)
    }

    /// Counts one failure.
    public func record(_ reason: FailureReason) {
        atomic(Self.reasonBase + reason.ordinal).wrappingIncrement(ordering: .relaxed)
    }

    /// Adds `amount` sessions to a state gauge.
    public func increment(_ state: SessionState, by amount: UInt64 = 1) {
        atomic(Self.stateBase + state.ordinal).wrappingIncrement(by: amount, ordering: .relaxed)
    }

    /// Removes `amount` sessions from a state gauge.
    public func decrement(_ state: SessionState, by amount: UInt64 = 1) {
        atomic(Self.stateBase + state.ordinal).wrappingDecrement(by: amount, ordering: .relaxed)
    }

    /// Moves one session from one state gauge to another (two relaxed adds; a concurrent
    /// snapshot may see the session in both or neither for an instant).
    public func transition(from old: SessionState, to new: SessionState) {
        decrement(old)
        increment(new)
    }

    /// Reads every counter (relaxed loads, one after the other).
    public func snapshot() -> CounterSnapshot {
        var snapshot = CounterSnapshot()
        for state in SessionState.allCases {
            snapshot.states[state] = Int64(bitPattern: atomic(Self.stateBase + state.ordinal).load(ordering: .relaxed))
        }
        for reason in FailureReason.allCases {
            snapshot.errors[reason] = atomic(Self.reasonBase + reason.ordinal).load(ordering: .relaxed)
        }
        for counter in FleetCounter.allCases {
            snapshot.counters[counter] = atomic(Self.counterBase + counter.ordinal).load(ordering: .relaxed)
        }
        return snapshot
    }
}
