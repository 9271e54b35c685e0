import FleetMetrics
import Foundation

/// How long a simulated client "works" on a push before its Response goes out.
public enum HandlingTime: Hashable, Sendable, CustomStringConvertible {
    case constant(nanoseconds: UInt64)
    case uniform(minimum: UInt64, maximum: UInt64)
    /// Lognormal with this median and shape σ (a realistic long tail).
    case lognormal(median: UInt64, sigma: Double)

    /// Draws one handling time.
    public func sample<G: RandomNumberGenerator>(using generator: inout G) -> UInt64 {
        switch self {
        case .constant(let value):
            return value
        case .uniform(let minimum, let maximum):
            return minimum == maximum ? minimum : UInt64.random(in: minimum...maximum, using: &generator)
        case .lognormal(let median, let sigma):
            // Box–Muller for a standard normal.
            let u1 = Double.random(in: Double.ulpOfOne..<1, using: &generator)
            let u2 = Double.random(in: 0..<1, using: &generator)
            let normal = (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
            let value = Double(median) * exp(sigma * normal)
            return UInt64(min(value, 3.6e12))
        }
    }

    public var description: String {
        switch self {
        case .constant(let value): DurationText.format(value)
        case .uniform(let minimum, let maximum): "uniform(\(DurationText.format(minimum)), \(DurationText.format(maximum)))"
        case .lognormal(let median, let sigma): "lognormal(median \(DurationText.format(median)), σ \(sigma))"
        }
    }
}
