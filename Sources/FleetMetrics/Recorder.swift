import Foundation

/// An interval recorder: writers record concurrently and wait-free while a reader takes interval
/// snapshots, with no sample lost or counted twice (HdrHistogram's `Recorder`).
///
/// Two ``AtomicHistogram``s alternate as the active one; a ``WriterReaderPhaser`` says which.
/// ``record(_:)`` costs **three atomic read-modify-writes** (phaser enter, the relaxed count
/// increment, phaser exit) instead of one for a bare ``AtomicHistogram``; the enter/exit epochs
/// are shared by all writers, so under heavy multi-core recording they are contended cache lines.
/// Memory is two histograms (384 KiB with the latency layout), fixed.
///
/// ``intervalSnapshot()`` flips the phase, waits for writers still in the old phase to finish
/// (they are a few instructions long), moves the old histogram's counts into a snapshot and leaves
/// it zeroed for the phase after next. Every recorded sample appears in exactly one snapshot.
public final class Recorder: Sendable {
    /// The bucket layout shared by both histograms and every snapshot.
    public let layout: HistogramLayout
    @usableFromInline let even: AtomicHistogram
    @usableFromInline let odd: AtomicHistogram
    @usableFromInline let phaser = WriterReaderPhaser()
    private let readerLock = NSLock()

    /// Creates an empty recorder.
    public init(layout: HistogramLayout = .latency) {
        self.layout = layout
        even = AtomicHistogram(layout: layout)
        odd = AtomicHistogram(layout: layout)
    }

    /// Records one value (nanoseconds): phaser enter, one relaxed increment, phaser exit.
    @inlinable @inline(__always)
    public func record(_ nanoseconds: UInt64) {
        let critical = phaser.writerCriticalSectionEnter()
        (critical < 0 ? odd : even).record(nanoseconds)
        phaser.writerCriticalSectionExit(critical)
    }

    /// Records `count` occurrences of one value.
    @inlinable @inline(__always)
    public func record(_ nanoseconds: UInt64, count: UInt64) {
        let critical = phaser.writerCriticalSectionEnter()
        (critical < 0 ? odd : even).record(nanoseconds, count: count)
        phaser.writerCriticalSectionExit(critical)
    }

    /// Returns everything recorded since the previous call (or since creation) and starts a new
    /// interval. Safe to call from any thread; concurrent callers are serialised.
    public func intervalSnapshot() -> HistogramSnapshot {
        readerLock.lock()
        defer { readerLock.unlock() }
        let endedEven = phaser.flipPhase()
        // No writer is inside the ended phase any more: its histogram is quiescent.
        return (endedEven ? even : odd).snapshotAndReset()
    }
}
