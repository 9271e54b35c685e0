/// A worker's clock offset from the coordinator's, from ping/pong round trips (no NTP assumed).
///
/// For one round trip sent at `sent` and answered at `received` (coordinator clock) with the
/// worker's clock reading `worker`, the offset is `worker − (sent + received) / 2`, wrong by at
/// most half the round trip. The estimate keeps the sample of the shortest round trip.
public struct ClockOffsetEstimate: Sendable, Equatable {
    /// Worker clock minus coordinator clock, nanoseconds.
    public private(set) var offsetNanoseconds: Int64 = 0
    /// The shortest round trip seen, nanoseconds (its half bounds the offset's error).
    public private(set) var roundTripNanoseconds: Int64 = .max
    public private(set) var samples = 0

    public init() {}

    /// Adds one round trip (all in nanoseconds since the epoch).
    public mutating func add(sent: Int64, worker: Int64, received: Int64) {
        precondition(received >= sent, "a round trip cannot end before it starts")
        samples += 1
        let roundTrip = received - sent
        guard roundTrip < roundTripNanoseconds else { return }
        roundTripNanoseconds = roundTrip
        offsetNanoseconds = worker - (sent + roundTrip / 2)
    }

    /// The coordinator's instant `coordinatorEpoch` on the worker's clock.
    public func workerTime(_ coordinatorEpoch: Int64) -> Int64 { coordinatorEpoch + offsetNanoseconds }

    /// The worker's instant `workerEpoch` on the coordinator's clock.
    public func coordinatorTime(_ workerEpoch: Int64) -> Int64 { workerEpoch - offsetNanoseconds }

    /// Half the shortest round trip: how far the offset may be off.
    public var uncertaintyNanoseconds: Int64 { roundTripNanoseconds == .max ? 0 : roundTripNanoseconds / 2 }
}
