/// Session *i* → identity *i*, source address, scheduled start. Deterministic: shard processes of a
/// distributed run compute the same plan and take disjoint slices of it.
public struct FleetPlan: Hashable, Sendable {
    public struct Entry: Hashable, Sendable {
        /// The session's index in the whole fleet.
        public var index: Int
        /// The identity it uses (the pool index).
        public var identityIndex: Int
        /// The source address, or nil for the system's choice.
        public var sourceAddress: String?
        /// Nanoseconds after the run start.
        public var startOffset: UInt64
    }

    public let sessionCount: Int
    public let arrival: ArrivalSchedule
    public let sourceAddresses: [String]
    /// This process's slice of the fleet (all of it in a single-process run).
    public let slice: Range<Int>

    public init(
        sessionCount: Int,
        arrival: ArrivalSchedule,
        sourceAddressRanges: [SourceAddressRange],
        shard: Int = 0,
        shardCount: Int = 1
    ) {
        precondition(sessionCount > 0 && shardCount > 0 && shard >= 0 && shard < shardCount)
        self.sessionCount = sessionCount
        self.arrival = arrival
        self.sourceAddresses = sourceAddressRanges.flatMap { range in (0..<range.count).map { range.address(at: $0) } }
        let perShard = (sessionCount + shardCount - 1) / shardCount
        self.slice = min(sessionCount, shard * perShard)..<min(sessionCount, (shard + 1) * perShard)
    }

    /// The plan of session `index`.
    public func entry(_ index: Int) -> Entry {
        Entry(
            index: index,
            identityIndex: index,
            sourceAddress: sourceAddresses.isEmpty ? nil : sourceAddresses[index % sourceAddresses.count],
            startOffset: arrival.offset(of: index, count: sessionCount)
        )
    }

    /// Sessions per source address (the most any one address gets).
    public var sessionsPerSourceAddress: Int {
        let addresses = max(1, sourceAddresses.count)
        return (slice.count + addresses - 1) / addresses
    }
}
