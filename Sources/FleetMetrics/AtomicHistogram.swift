import Atomics

/// A lock-free HDR histogram of nanosecond values with a fixed memory footprint.
///
/// Counts live in one allocation of `UInt64` atomics laid out exactly like HdrHistogram
/// (``HistogramLayout``). ``record(_:)`` is an index computation (a leading-zero count, two
/// shifts) plus **one relaxed atomic wrapping increment**: no lock, no allocation, no CAS loop.
/// Nothing but the counts is tracked; total, min, max, mean and percentiles are derived from the
/// counts when a ``HistogramSnapshot`` is taken. Memory is `layout.countsLength * 8` bytes
/// (192 KiB for ``HistogramLayout/latency``), whatever the run length.
///
/// Values above `layout.highestTrackableValue` are clamped to it (they are counted as the highest
/// trackable value); values below the lowest discernible value land in the lowest slots.
///
/// Use it directly when one reader looks at the counts at the end (or when a per-bucket cut is
/// good enough, see ``snapshotAndReset()``); use ``Recorder`` for interval snapshots that are an
/// exact, consistent cut while writers keep recording.
public final class AtomicHistogram: @unchecked Sendable {
    // @unchecked Sendable: the only mutable state is the counts buffer, accessed exclusively
    // through atomic operations; the pointer itself is immutable and freed in deinit.

    /// The bucket layout.
    public let layout: HistogramLayout

    @usableFromInline let counts: UnsafeMutablePointer<UnsafeAtomic<UInt64>.Storage>
    @usableFromInline let highest: UInt64
    @usableFromInline let subBucketMask: UInt64
    @usableFromInline let leadingZeroCountBase: Int
    @usableFromInline let unitMagnitude: Int
    @usableFromInline let subBucketHalfCountMagnitude: Int
    @usableFromInline let subBucketHalfCount: Int

    /// Creates an empty histogram with the given layout (default: 1 µs … 1 h, 3 digits).
    public init(layout: HistogramLayout = .latency) {
        self.layout = layout
        counts = UnsafeMutablePointer<UnsafeAtomic<UInt64>.Storage>.allocate(capacity: layout.countsLength)
        counts.initialize(repeating: UnsafeAtomic<UInt64>.Storage(0), count: layout.countsLength)
        highest = layout.highestTrackableValue
        subBucketMask = layout.subBucketMask
        leadingZeroCountBase = layout.leadingZeroCountBase
        unitMagnitude = layout.unitMagnitude
        subBucketHalfCountMagnitude = layout.subBucketHalfCountMagnitude
        subBucketHalfCount = layout.subBucketHalfCount
    }

    deinit {
        counts.deinitialize(count: layout.countsLength)
        counts.deallocate()
    }

    /// Records one value (nanoseconds for the latency layout): one relaxed atomic increment.
    @inlinable @inline(__always)
    public func record(_ nanoseconds: UInt64) {
        UnsafeAtomic<UInt64>(at: counts + index(for: nanoseconds))
            .wrappingIncrement(ordering: .relaxed)
    }

    /// Records `count` occurrences of one value: one relaxed atomic add.
    @inlinable @inline(__always)
    public func record(_ nanoseconds: UInt64, count: UInt64) {
        UnsafeAtomic<UInt64>(at: counts + index(for: nanoseconds))
            .wrappingIncrement(by: count, ordering: .relaxed)
    }

    @inlinable @inline(__always)
    func index(for value: UInt64) -> Int {
        let clamped = value < highest ? value : highest
        let bucketIndex = leadingZeroCountBase - (clamped | subBucketMask).leadingZeroBitCount
        let subBucketIndex = Int(truncatingIfNeeded: clamped >> UInt64(bucketIndex + unitMagnitude))
        return ((bucketIndex + 1) << subBucketHalfCountMagnitude) + subBucketIndex - subBucketHalfCount
    }

    /// Copies the counts (relaxed loads, slot by slot) into a value snapshot.
    ///
    /// With concurrent writers the copy is not an instantaneous cut: a sample recorded during the
    /// copy may or may not be in it. Use ``Recorder`` when that matters.
    public func snapshot() -> HistogramSnapshot {
        var values = [UInt64](repeating: 0, count: layout.countsLength)
        for i in 0..<layout.countsLength {
            values[i] = UnsafeAtomic<UInt64>(at: counts + i).load(ordering: .relaxed)
        }
        return HistogramSnapshot(layout: layout, counts: values)
    }

    /// Moves the counts into a snapshot, atomically exchanging each slot with 0.
    ///
    /// Every increment lands in exactly one call's result (none is lost or counted twice), but
    /// slots are taken one after the other, so the result is not a single instant. Cost: one
    /// atomic exchange per slot (24,576 for the latency layout).
    public func snapshotAndReset() -> HistogramSnapshot {
        var values = [UInt64](repeating: 0, count: layout.countsLength)
        for i in 0..<layout.countsLength {
            values[i] = UnsafeAtomic<UInt64>(at: counts + i).exchange(0, ordering: .relaxed)
        }
        return HistogramSnapshot(layout: layout, counts: values)
    }

    /// Sets every count to 0 (relaxed stores). Increments racing with the reset may be lost;
    /// call it only while no writer records, or use ``snapshotAndReset()``.
    public func reset() {
        for i in 0..<layout.countsLength {
            UnsafeAtomic<UInt64>(at: counts + i).store(0, ordering: .relaxed)
        }
    }
}
