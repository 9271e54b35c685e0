import Atomics

/// Lock-free counters of a run: a gauge per ``SessionState``, a counter per ``FailureReason`` and
/// per ``FleetCounter``.
///
/// One fixed allocation of atomics, each on its own 64-byte cache line so that event loops
/// updating different counters do not contend. Every update is one relaxed atomic add, inlined
/// into the caller (no call, no reference counting).
///
/// The counters come in `shards`: one block of every counter per event loop, so that two loops
/// counting the same event (a push received, bytes read) do not bounce one cache line between
/// their cores on every push. Updates take the shard of the caller's loop; ``snapshot()`` sums
/// the shards. A gauge may go below zero in one shard (a session counted in on one loop and out
/// on another); only the sum is meaningful.
public final class FleetCounters: @unchecked Sendable {
    // @unchecked Sendable: the slots are only touched through atomic operations.

    /// UInt64 slots per cache line.
    @usableFromInline static let stride = 8

    /// Blocks of counters (one per event loop).
    public let shards: Int
    @usableFromInline let reasonBase: Int
    @usableFromInline let counterBase: Int
    @usableFromInline let slotCount: Int
    @usableFromInline let slots: UnsafeMutablePointer<UnsafeAtomic<UInt64>.Storage>

    /// Creates zeroed counters with `shards` blocks (one per event loop that updates them).
    public init(shards: Int = 1) {
        precondition(shards >= 1, "FleetCounters needs at least one shard")
        self.shards = shards
        reasonBase = SessionState.allCases.count
        counterBase = reasonBase + FailureReason.allCases.count
        slotCount = counterBase + FleetCounter.allCases.count
        let capacity = shards * slotCount * Self.stride
        slots = UnsafeMutablePointer<UnsafeAtomic<UInt64>.Storage>.allocate(capacity: capacity)
        slots.initialize(repeating: UnsafeAtomic<UInt64>.Storage(0), count: capacity)
    }

    deinit {
        slots.deinitialize(count: shards * slotCount * Self.stride)
        slots.deallocate()
    }

    @inlinable @inline(__always)
    func atomic(_ slot: Int, shard: Int) -> UnsafeAtomic<UInt64> {
        precondition(shard >= 0 && shard < shards, "counter shard \(shard) of \(shards)")
        return UnsafeAtomic(at: slots + (shard * slotCount + slot) * Self.stride)
    }

    /// Adds `amount` to a counter, in the caller's shard.
    @inlinable
    public func add(_ counter: FleetCounter, _ amount: UInt64 = 1, shard: Int = 0) {
        atomic(counterBase + counter.ordinal, shard: shard).wrappingIncrement(by: amount, ordering: .relaxed)
    }

    /// Counts one failure, in the caller's shard.
    @inlinable
    public func record(_ reason: FailureReason, shard: Int = 0) {
        atomic(reasonBase + reason.ordinal, shard: shard).wrappingIncrement(ordering: .relaxed)
    }

    /// Adds `amount` sessions to a state gauge, in the caller's shard.
    @inlinable
    public func increment(_ state: SessionState, by amount: UInt64 = 1, shard: Int = 0) {
        atomic(state.ordinal, shard: shard).wrappingIncrement(by: amount, ordering: .relaxed)
    }

    /// Removes `amount` sessions from a state gauge, in the caller's shard.
    @inlinable
    public func decrement(_ state: SessionState, by amount: UInt64 = 1, shard: Int = 0) {
        atomic(state.ordinal, shard: shard).wrappingDecrement(by: amount, ordering: .relaxed)
    }

    /// Moves one session from one state gauge to another (two relaxed adds; a concurrent
    /// snapshot may see the session in both or neither for an instant).
    @inlinable
    public func transition(from old: SessionState, to new: SessionState, shard: Int = 0) {
        decrement(old, shard: shard)
        increment(new, shard: shard)
    }

    /// Reads every counter (relaxed loads, one after the other) and sums the shards.
    public func snapshot() -> CounterSnapshot {
        var snapshot = CounterSnapshot()
        for state in SessionState.allCases {
            snapshot.states[state] = Int64(bitPattern: sum(state.ordinal))
        }
        for reason in FailureReason.allCases {
            snapshot.errors[reason] = sum(reasonBase + reason.ordinal)
        }
        for counter in FleetCounter.allCases {
            snapshot.counters[counter] = sum(counterBase + counter.ordinal)
        }
        return snapshot
    }

    /// One slot summed over the shards (wrapping: a gauge's shards may be "negative").
    private func sum(_ slot: Int) -> UInt64 {
        var total: UInt64 = 0
        for shard in 0..<shards {
            total &+= atomic(slot, shard: shard).load(ordering: .relaxed)
        }
        return total
    }
}
