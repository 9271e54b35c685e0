import FleetSupport

/// The engine's seedable generator for per-session decisions on the hot path: SplitMix64.
public typealias FleetRandom = SplitMix64
