import Atomics

/// HdrHistogram's WriterReaderPhaser: lets many wait-free writers and one reader agree on
/// "phases", so the reader can flip writers to another data structure and then wait until every
/// writer still working on the old one has left.
///
/// Writers bracket their work with ``writerCriticalSectionEnter()`` (one atomic fetch-add) and
/// ``writerCriticalSectionExit(_:)`` (one atomic increment). The sign of the value returned by
/// enter tells the phase: `>= 0` even, `< 0` odd. The reader calls ``flipPhase()``, which switches
/// the phase and spins (yielding) until all writers that entered in the previous phase have
/// exited. Readers must be serialised by the caller (``Recorder`` holds a lock).
public final class WriterReaderPhaser: Sendable {
    private let startEpoch = ManagedAtomic<Int64>(0)
    private let evenEndEpoch = ManagedAtomic<Int64>(0)
    private let oddEndEpoch = ManagedAtomic<Int64>(Int64.min)

    /// Creates a phaser in the even phase.
    public init() {}

    /// Enters a writer critical section; pass the result to ``writerCriticalSectionExit(_:)``.
    /// A non-negative result means the even phase, a negative one the odd phase.
    @inlinable @inline(__always)
    public func writerCriticalSectionEnter() -> Int64 {
        _enter()
    }

    /// Leaves the writer critical section entered with `criticalValue`.
    @inlinable @inline(__always)
    public func writerCriticalSectionExit(_ criticalValue: Int64) {
        _exit(criticalValue)
    }

    @usableFromInline
    func _enter() -> Int64 {
        startEpoch.loadThenWrappingIncrement(ordering: .acquiringAndReleasing)
    }

    @usableFromInline
    func _exit(_ criticalValue: Int64) {
        if criticalValue < 0 {
            oddEndEpoch.wrappingIncrement(ordering: .releasing)
        } else {
            evenEndEpoch.wrappingIncrement(ordering: .releasing)
        }
    }

    /// Whether writers entering now are in the even phase.
    public var isEvenPhase: Bool {
        startEpoch.load(ordering: .acquiring) >= 0
    }

    /// Flips the phase and waits until every writer of the previous phase has exited.
    ///
    /// Must not be called concurrently with itself.
    /// - Returns: `true` when the phase that just ended was the even one.
    @discardableResult
    public func flipPhase() -> Bool {
        let nextPhaseIsEven = startEpoch.load(ordering: .acquiring) < 0
        let initialStartValue: Int64 = nextPhaseIsEven ? 0 : Int64.min
        // Reset the end epoch of the phase we are about to enter before writers can use it.
        if nextPhaseIsEven {
            evenEndEpoch.store(initialStartValue, ordering: .releasing)
        } else {
            oddEndEpoch.store(initialStartValue, ordering: .releasing)
        }
        let startValueAtFlip = startEpoch.exchange(initialStartValue, ordering: .acquiringAndReleasing)
        let endEpoch = nextPhaseIsEven ? oddEndEpoch : evenEndEpoch
        var spins = 0
        while endEpoch.load(ordering: .acquiring) != startValueAtFlip {
            spins += 1
            if spins > 64 { Self.yieldThread() }
        }
        return !nextPhaseIsEven
    }

    private static func yieldThread() {
        #if canImport(Glibc)
        _ = sched_yield()
        #elseif canImport(Musl)
        _ = sched_yield()
        #elseif canImport(Darwin)
        _ = sched_yield()
        #endif
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
