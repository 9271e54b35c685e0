/// A plain-value copy of an HDR histogram's counts, with the statistics derived from them.
///
/// The counts array uses ``HistogramLayout``'s slots. Statistics follow hdrhistogram-swift's
/// `Histogram` rules (percentile rounding, highest-equivalent values, mean and standard deviation
/// over each slot's median-equivalent value). Because no raw min/max is tracked by the lock-free
/// recorders, ``min`` and ``max`` are slot bounds: ``max`` is the highest equivalent value of the
/// highest non-empty slot (what hdrhistogram-swift's `max` and Java's `getMax()` return), and
/// ``min`` the lowest equivalent value of the lowest non-empty slot (0 when slot 0 is used).
public struct HistogramSnapshot: Sendable, Equatable {
    /// The bucket layout of ``counts``.
    public let layout: HistogramLayout
    /// Per-slot counts, `layout.countsLength` long.
    public private(set) var counts: [UInt64]
    /// Number of recorded values.
    public private(set) var totalCount: UInt64

    /// An empty snapshot.
    public init(layout: HistogramLayout = .latency) {
        self.layout = layout
        counts = [UInt64](repeating: 0, count: layout.countsLength)
        totalCount = 0
    }

    /// A snapshot of given counts; `counts.count` must equal `layout.countsLength`.
    public init(layout: HistogramLayout, counts: [UInt64]) {
        precondition(counts.count == layout.countsLength,
                     "counts has \(counts.count) slots, the layout needs \(layout.countsLength)")
        self.layout = layout
        self.counts = counts
        var total: UInt64 = 0
        for c in counts { total &+= c }
        totalCount = total
    }

    /// Whether nothing was recorded.
    public var isEmpty: Bool { totalCount == 0 }

    /// Adds `count` occurrences of `value` (clamped to the layout's highest trackable value).
    public mutating func record(_ value: UInt64, count: UInt64 = 1) {
        let clamped = Swift.min(value, layout.highestTrackableValue)
        counts[layout.countsIndex(for: clamped)] &+= count
        totalCount &+= count
    }

    /// Adds every count of `other` (an exact merge). The layouts must be equal.
    public mutating func merge(_ other: HistogramSnapshot) {
        precondition(layout == other.layout, "cannot merge histograms with different layouts")
        counts.withUnsafeMutableBufferPointer { dst in
            other.counts.withUnsafeBufferPointer { src in
                for i in 0..<dst.count { dst[i] &+= src[i] }
            }
        }
        totalCount &+= other.totalCount
    }

    /// The exact sum of `self` and `other`.
    public func merged(with other: HistogramSnapshot) -> HistogramSnapshot {
        var copy = self
        copy.merge(other)
        return copy
    }

    /// Sets every count to 0.
    public mutating func reset() {
        for i in counts.indices { counts[i] = 0 }
        totalCount = 0
    }

    // MARK: Derived statistics

    /// Index of the highest non-empty slot, or `nil` when empty.
    public var highestNonEmptyIndex: Int? {
        guard totalCount > 0 else { return nil }
        return counts.lastIndex { $0 != 0 }
    }

    /// Index of the lowest non-empty slot, or `nil` when empty.
    public var lowestNonEmptyIndex: Int? {
        guard totalCount > 0 else { return nil }
        return counts.firstIndex { $0 != 0 }
    }

    /// The highest equivalent value of the highest non-empty slot; 0 when empty.
    public var max: UInt64 {
        guard let index = highestNonEmptyIndex else { return 0 }
        return layout.highestEquivalentValue(layout.value(atIndex: index))
    }

    /// 0 when empty or when slot 0 holds values, otherwise the lowest equivalent value of the
    /// lowest non-empty slot (hdrhistogram-swift's `minNonZero`).
    public var min: UInt64 {
        guard let index = lowestNonEmptyIndex, index > 0 else { return 0 }
        return layout.lowestEquivalentValue(layout.value(atIndex: index))
    }

    /// Mean over the median-equivalent value of each slot; 0 when empty.
    public var mean: Double {
        guard totalCount > 0 else { return 0 }
        var total = 0.0
        for i in counts.indices where counts[i] != 0 {
            total += Double(layout.medianEquivalentValue(layout.value(atIndex: i))) * Double(counts[i])
        }
        return total / Double(totalCount)
    }

    /// Population standard deviation over median-equivalent values; 0 when empty.
    public var stdDev: Double {
        guard totalCount > 0 else { return 0 }
        let mean = mean
        var total = 0.0
        for i in counts.indices where counts[i] != 0 {
            let deviation = Double(layout.medianEquivalentValue(layout.value(atIndex: i))) - mean
            total += deviation * deviation * Double(counts[i])
        }
        return (total / Double(totalCount)).squareRoot()
    }

    /// The value at `percentile` (0…100), by hdrhistogram-swift's `valueAtPercentile` rules:
    /// 0 gives ``min``, 100 or more gives ``max``; otherwise the count at the percentile is
    /// `max(1, ceil(nextDown(p) * total / 100))` and the answer is the highest equivalent value
    /// of the slot where the running count reaches it, clamped to ``min``…``max``.
    /// Returns 0 when empty.
    public func valueAtPercentile(_ percentile: Double) -> UInt64 {
        guard totalCount > 0 else { return 0 }
        guard percentile != 0.0 else { return min }
        guard percentile < 100.0 else { return max }
        let requested = Swift.min(Swift.max(percentile.nextDown, 0.0), 100.0)
        let fpCount = (requested * Double(totalCount)) / 100.0
        let countAtPercentile = Swift.max(1, UInt64(fpCount.rounded(.up)))
        var running: UInt64 = 0
        for i in counts.indices {
            running &+= counts[i]
            if running >= countAtPercentile {
                let value = layout.highestEquivalentValue(layout.value(atIndex: i))
                return Swift.max(Swift.min(value, max), min)
            }
        }
        return 0
    }
}
