/// The bucket layout of an HDR histogram: the mapping from a recorded value to a slot in a flat
/// counts array.
///
/// The layout and every formula here are those of HdrHistogram (Java, and hdrhistogram-swift's
/// `Histogram`), so that counts arrays, percentiles and the V2 wire encoding are interchangeable
/// with the standard tools:
///
/// - `unitMagnitude` is `floor(log2(lowestDiscernibleValue))`: with the latency layout (1 µs =
///   1,000 ns) the finest bucket is 512 ns wide, and values below it land in the lowest buckets.
/// - `subBucketCount` is the power of two at or above `2 * 10^significantDigits` (2,048 for 3
///   digits); bucket 0 uses all its sub-buckets, every later bucket only the upper half.
/// - `bucketCount` is the number of doublings needed to cover `highestTrackableValue`.
public struct HistogramLayout: Sendable, Hashable {
    /// The lowest value that can be told apart from 0 (HdrHistogram rounds it down to a power of 2
    /// internally).
    public let lowestDiscernibleValue: UInt64
    /// The highest value the layout tracks; larger values are clamped to it by the recorders.
    public let highestTrackableValue: UInt64
    /// Decimal digits of precision kept across the whole range (0...5).
    public let significantDigits: Int

    /// Number of buckets (each a power of two wider than the one before).
    public let bucketCount: Int
    /// Number of slots in the flat counts array.
    public let countsLength: Int

    @usableFromInline let unitMagnitude: Int
    @usableFromInline let subBucketHalfCountMagnitude: Int
    @usableFromInline let subBucketCount: Int
    @usableFromInline let subBucketHalfCount: Int
    @usableFromInline let subBucketMask: UInt64
    @usableFromInline let leadingZeroCountBase: Int

    /// The layout used for every latency in bgbfleet: nanoseconds, 3 significant digits,
    /// 1 µs (1,000 ns) … 1 h (3,600,000,000,000 ns). 24,576 slots, 192 KiB of `UInt64` counts.
    public static let latency = HistogramLayout(
        lowestDiscernibleValue: 1_000,
        highestTrackableValue: 3_600_000_000_000,
        significantDigits: 3
    )

    /// Creates a layout; the arguments must satisfy HdrHistogram's constraints (see
    /// ``validate(lowestDiscernibleValue:highestTrackableValue:significantDigits:)``).
    public init(lowestDiscernibleValue: UInt64, highestTrackableValue: UInt64, significantDigits: Int) {
        if let problem = Self.validate(
            lowestDiscernibleValue: lowestDiscernibleValue,
            highestTrackableValue: highestTrackableValue,
            significantDigits: significantDigits
        ) {
            preconditionFailure("invalid histogram layout: \(problem)")
        }
        self.lowestDiscernibleValue = lowestDiscernibleValue
        self.highestTrackableValue = highestTrackableValue
        self.significantDigits = significantDigits

        var largestSingleUnitValue: UInt64 = 2
        for _ in 0..<significantDigits { largestSingleUnitValue *= 10 }
        unitMagnitude = 63 - lowestDiscernibleValue.leadingZeroBitCount
        let subBucketCountMagnitude = 64 - (largestSingleUnitValue - 1).leadingZeroBitCount
        subBucketHalfCountMagnitude = max(subBucketCountMagnitude, 1) - 1
        subBucketCount = 1 << subBucketCountMagnitude
        subBucketHalfCount = subBucketCount / 2
        subBucketMask = UInt64(subBucketCount - 1) << UInt64(unitMagnitude)
        leadingZeroCountBase = 64 - unitMagnitude - subBucketCountMagnitude

        var smallestUntrackable = UInt64(subBucketCount) << UInt64(unitMagnitude)
        var buckets = 1
        while smallestUntrackable <= highestTrackableValue {
            if smallestUntrackable > UInt64.max / 2 {
                buckets += 1
                break
            }
            smallestUntrackable <<= 1
            buckets += 1
        }
        bucketCount = buckets
        countsLength = (buckets + 1) * subBucketHalfCount
    }

    /// Checks layout parameters without trapping; returns a description of the first problem or
    /// `nil` when they are valid. Used when decoding layouts from files.
    public static func validate(
        lowestDiscernibleValue: UInt64,
        highestTrackableValue: UInt64,
        significantDigits: Int
    ) -> String? {
        guard (0...5).contains(significantDigits) else {
            return "numberOfSignificantValueDigits \(significantDigits) is not in 0...5"
        }
        guard lowestDiscernibleValue >= 1 else {
            return "lowestDiscernibleValue must be >= 1"
        }
        guard lowestDiscernibleValue <= UInt64.max / 2,
              lowestDiscernibleValue * 2 <= highestTrackableValue else {
            return "highestTrackableValue \(highestTrackableValue) must be >= 2 * lowestDiscernibleValue \(lowestDiscernibleValue)"
        }
        // HdrHistogram's values are Java longs: above Int64.max the top slots' highest equivalent
        // values overflow UInt64 (a crafted .hlog trapped `max` and every percentile).
        guard highestTrackableValue <= UInt64(Int64.max) else {
            return "highestTrackableValue \(highestTrackableValue) must be at most \(Int64.max)"
        }
        var largestSingleUnitValue: UInt64 = 2
        for _ in 0..<significantDigits { largestSingleUnitValue *= 10 }
        let unitMagnitude = 63 - lowestDiscernibleValue.leadingZeroBitCount
        let subBucketCountMagnitude = 64 - (largestSingleUnitValue - 1).leadingZeroBitCount
        guard unitMagnitude + subBucketCountMagnitude - 1 <= 61 else {
            return "cannot represent \(significantDigits) significant digits above lowestDiscernibleValue \(lowestDiscernibleValue)"
        }
        return nil
    }

    // MARK: Value ↔ index

    /// The counts-array slot for `value` (which must not exceed ``highestTrackableValue`` by more
    /// than the layout's power-of-two headroom; recorders clamp first).
    @inlinable @inline(__always)
    public func countsIndex(for value: UInt64) -> Int {
        let bucketIndex = leadingZeroCountBase - (value | subBucketMask).leadingZeroBitCount
        let subBucketIndex = Int(truncatingIfNeeded: value >> UInt64(bucketIndex + unitMagnitude))
        return ((bucketIndex + 1) << subBucketHalfCountMagnitude) + subBucketIndex - subBucketHalfCount
    }

    /// The lowest value that falls into counts slot `index`.
    @inlinable
    public func value(atIndex index: Int) -> UInt64 {
        var bucketIndex = (index >> subBucketHalfCountMagnitude) - 1
        var subBucketIndex = (index & (subBucketHalfCount - 1)) + subBucketHalfCount
        if bucketIndex < 0 {
            subBucketIndex -= subBucketHalfCount
            bucketIndex = 0
        }
        return UInt64(subBucketIndex) << UInt64(bucketIndex + unitMagnitude)
    }

    @inlinable
    func bucketAndSubBucket(_ value: UInt64) -> (bucket: Int, subBucket: Int) {
        let bucketIndex = leadingZeroCountBase - (value | subBucketMask).leadingZeroBitCount
        return (bucketIndex, Int(truncatingIfNeeded: value >> UInt64(bucketIndex + unitMagnitude)))
    }

    /// Width of the range of values that share `value`'s slot.
    @inlinable
    public func sizeOfEquivalentRange(_ value: UInt64) -> UInt64 {
        let (bucket, subBucket) = bucketAndSubBucket(value)
        let adjustedBucket = subBucket >= subBucketCount ? bucket + 1 : bucket
        return UInt64(1) << UInt64(unitMagnitude + adjustedBucket)
    }

    /// The lowest value that shares `value`'s slot.
    @inlinable
    public func lowestEquivalentValue(_ value: UInt64) -> UInt64 {
        let (bucket, subBucket) = bucketAndSubBucket(value)
        return UInt64(subBucket) << UInt64(bucket + unitMagnitude)
    }

    /// The highest value that shares `value`'s slot (HdrHistogram's `highestEquivalentValue`).
    @inlinable
    public func highestEquivalentValue(_ value: UInt64) -> UInt64 {
        lowestEquivalentValue(value) + sizeOfEquivalentRange(value) - 1
    }

    /// The middle (rounded up) of `value`'s slot: the representative value used for mean and
    /// standard deviation.
    @inlinable
    public func medianEquivalentValue(_ value: UInt64) -> UInt64 {
        lowestEquivalentValue(value) + (sizeOfEquivalentRange(value) >> 1)
    }
}

extension HistogramLayout: Codable {
    private enum CodingKeys: String, CodingKey {
        case lowestDiscernibleValue = "lowest_discernible_value"
        case highestTrackableValue = "highest_trackable_value"
        case significantDigits = "significant_digits"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let lowest = try container.decode(UInt64.self, forKey: .lowestDiscernibleValue)
        let highest = try container.decode(UInt64.self, forKey: .highestTrackableValue)
        let digits = try container.decode(Int.self, forKey: .significantDigits)
        if let problem = Self.validate(lowestDiscernibleValue: lowest, highestTrackableValue: highest, significantDigits: digits) {
            throw DecodingError.dataCorruptedError(forKey: .lowestDiscernibleValue, in: container, debugDescription: problem)
        }
        self.init(lowestDiscernibleValue: lowest, highestTrackableValue: highest, significantDigits: digits)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(lowestDiscernibleValue, forKey: .lowestDiscernibleValue)
        try container.encode(highestTrackableValue, forKey: .highestTrackableValue)
        try container.encode(significantDigits, forKey: .significantDigits)
    }
}
