/// SplitMix64 (Steele, Lea and Flood 2014): a small, fast, seedable generator. The engine's
/// per-session decisions on the hot path use it, and tests use it so that failures reproduce.
///
/// Not for anything secret: its output is predictable from its seed.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The generator's whole state; each ``next()`` adds the golden-ratio increment to it.
    @usableFromInline var state: UInt64

    /// Creates a generator; the same seed gives the same sequence.
    public init(seed: UInt64) {
        self.state = seed
    }

    /// The next 64 random bits.
    @inlinable
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
