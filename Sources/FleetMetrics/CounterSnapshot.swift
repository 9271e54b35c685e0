/// A plain copy of ``FleetCounters``.
public struct CounterSnapshot: Sendable, Equatable {
    /// Sessions currently in each state (gauges; may be transiently off by one mid-transition).
    public var states: [SessionState: Int64]
    /// Failures by reason.
    public var errors: [FailureReason: UInt64]
    /// Event counters.
    public var counters: [FleetCounter: UInt64]

    /// All zero.
    public init() {
        states = Dictionary(uniqueKeysWithValues: SessionState.allCases.map { ($0, 0) })
        errors = Dictionary(uniqueKeysWithValues: FailureReason.allCases.map { ($0, 0) })
        counters = Dictionary(uniqueKeysWithValues: FleetCounter.allCases.map { ($0, 0) })
    }

    /// Gauge value of `state`.
    public subscript(state state: SessionState) -> Int64 { states[state] ?? 0 }
    /// Failures counted for `reason`.
    public subscript(error reason: FailureReason) -> UInt64 { errors[reason] ?? 0 }
    /// Value of `counter`.
    public subscript(counter: FleetCounter) -> UInt64 { counters[counter] ?? 0 }

    /// Failures of every reason.
    public var errorsTotal: UInt64 { errors.values.reduce(0, &+) }

    /// `delivery` in percent: `responses_sent / pushes_targeted * 100`, i.e. the share of pushes
    /// aimed at online sessions that were answered. `nil` when nothing was targeted.
    public var deliveryPercent: Double? {
        let targeted = self[.pushesTargeted]
        guard targeted > 0 else { return nil }
        return Double(self[.responsesSent]) / Double(targeted) * 100
    }

    /// Adds every gauge and counter of `other` (shards of one distributed run add up).
    public mutating func merge(_ other: CounterSnapshot) {
        for (key, value) in other.states { states[key, default: 0] &+= value }
        for (key, value) in other.errors { errors[key, default: 0] &+= value }
        for (key, value) in other.counters { counters[key, default: 0] &+= value }
    }
}

extension CounterSnapshot: Codable {
    private enum CodingKeys: String, CodingKey {
        case states, errors, counters
        case errorsTotal = "errors_total"
    }

    public init(from decoder: any Decoder) throws {
        self.init()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let states = try container.decodeIfPresent([String: Int64].self, forKey: .states) ?? [:]
        let errors = try container.decodeIfPresent([String: UInt64].self, forKey: .errors) ?? [:]
        let counters = try container.decodeIfPresent([String: UInt64].self, forKey: .counters) ?? [:]
        for (name, value) in states {
            guard let state = SessionState(rawValue: name) else {
                throw DecodingError.dataCorruptedError(forKey: .states, in: container, debugDescription: "unknown session state '\(name)'")
            }
            self.states[state] = value
        }
        for (name, value) in errors {
            guard let reason = FailureReason(rawValue: name) else {
                throw DecodingError.dataCorruptedError(forKey: .errors, in: container, debugDescription: "unknown failure reason '\(name)'")
            }
            self.errors[reason] = value
        }
        for (name, value) in counters {
            guard let counter = FleetCounter(rawValue: name) else {
                throw DecodingError.dataCorruptedError(forKey: .counters, in: container, debugDescription: "unknown counter '\(name)'")
            }
            self.counters[counter] = value
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Dictionary(uniqueKeysWithValues: states.map { ($0.rawValue, $1) }), forKey: .states)
        try container.encode(Dictionary(uniqueKeysWithValues: errors.map { ($0.rawValue, $1) }), forKey: .errors)
        try container.encode(Dictionary(uniqueKeysWithValues: counters.map { ($0.rawValue, $1) }), forKey: .counters)
        try container.encode(errorsTotal, forKey: .errorsTotal)
    }
}
