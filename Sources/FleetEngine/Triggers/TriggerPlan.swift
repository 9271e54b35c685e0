/// Which of the fleet's sessions a trigger reaches, by session index.
public enum FleetSelection: Sendable, Hashable {
    case all
    case sessions(Set<Int>)

    public func contains(_ index: Int) -> Bool {
        switch self {
        case .all: true
        case .sessions(let indices): indices.contains(index)
        }
    }
}

/// A trigger of the profile made ready to fire: what the AdminService call carries and which of the
/// fleet's sessions it reaches.
///
/// The caller resolves it (``resolve(_:sessionCount:resourceIDs:policy:)``) from the ResourceIDs the
/// site gave the fleet's clients; the engine only sends what the plan says and counts, at each
/// firing, its own signed-in sessions among those the plan reaches.
public struct TriggerPlan: Sendable, Hashable {
    /// Schedule, admin Type and Param.
    public var trigger: FleetProfile.Trigger
    public var collectionID: String
    /// `TargetResourceIDs` this process sends (empty when it reaches the whole collection).
    public var resourceIDs: [UInt32]
    /// Whether the call reaches every member of ``collectionID`` (no ResourceIDs).
    public var wholeCollection: Bool
    /// The fleet sessions it reaches, by index.
    public var reaches: FleetSelection

    /// Whether this process sends the call (false: it would carry no ResourceID of this process's).
    public var sends: Bool { wholeCollection || !resourceIDs.isEmpty }

    public init(trigger: FleetProfile.Trigger, collectionID: String, resourceIDs: [UInt32], wholeCollection: Bool, reaches: FleetSelection) {
        precondition(wholeCollection || reaches != .all || !resourceIDs.isEmpty, "a plan reaching the fleet names its ResourceIDs")
        self.trigger = trigger
        self.collectionID = collectionID
        self.resourceIDs = resourceIDs
        self.wholeCollection = wholeCollection
        self.reaches = reaches
    }

    /// How triggers may reach the site.
    public struct Policy: Sendable {
        /// The target is a real site (any `--mp`): a whole built-in `SMS…` collection is refused.
        public var guardsBuiltInCollections: Bool
        /// `--allow-site-wide-triggers`.
        public var allowSiteWideTriggers: Bool
        /// The sessions whose ResourceIDs this process knows (an embedded simulator of a
        /// multi-process run knows its own shard's); nil: the whole fleet.
        public var known: Range<Int>?
        /// `targets: all` goes out as the whole collection: the target's `SMS00001` holds the
        /// fleet and nothing else (the embedded simulator).
        public var collectionIsFleet: Bool

        public init(guardsBuiltInCollections: Bool, allowSiteWideTriggers: Bool = false, known: Range<Int>? = nil, collectionIsFleet: Bool = false) {
            self.guardsBuiltInCollections = guardsBuiltInCollections
            self.allowSiteWideTriggers = allowSiteWideTriggers
            self.known = known
            self.collectionIsFleet = collectionIsFleet
        }
    }

    /// Whether `text` looks like a collection ID: 8 letters and digits (`XYZ00042`, `SMS00001`, `SMSDM003`).
    public static func isCollectionID(_ text: String) -> Bool {
        text.utf8.count == 8 && text.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) }
    }

    /// Whether a collection is one of ConfigMgr's built-in ones (`SMS00001` All Systems, `SMS00002`
    /// All Users, `SMSDM003` All Mobile Devices, …): the site code `SMS` is reserved for them.
    public static func isBuiltIn(_ collectionID: String) -> Bool {
        collectionID.uppercased().hasPrefix("SMS")
    }

    /// Refuses, before anything connects, every trigger that would reach a whole built-in
    /// collection of a real site (see ``resolve(_:sessionCount:resourceIDs:policy:)``).
    public static func checkSafety(_ triggers: [FleetProfile.Trigger], policy: Policy) throws(FleetConfigurationError) {
        for (number, trigger) in triggers.enumerated() { try checkCollection(trigger, key: "triggers[\(number)]", policy: policy) }
    }

    static func checkCollection(_ trigger: FleetProfile.Trigger, key: String, policy: Policy) throws(FleetConfigurationError) {
        guard case .collection = trigger.targets, policy.guardsBuiltInCollections, isBuiltIn(trigger.collectionID),
            !policy.allowSiteWideTriggers
        else { return }
        throw .invalid(
            key: "\(key).targets",
            value: "collection \(trigger.collectionID)",
            reason: "\(trigger.collectionID) is a built-in collection: the trigger would reach every client of the site in it, "
                + "not only the fleet. Target the fleet (targets: all, {fraction: F}, {count: N}), name a collection that "
                + "holds only the simulated clients (collection: XYZ00042), or, if this site holds nothing but simulated "
                + "clients, give --allow-site-wide-triggers"
        )
    }

    /// Resolves the profile's triggers against the ResourceIDs of the fleet's sessions.
    ///
    /// - Parameters:
    ///   - resourceIDs: the ResourceID of each session of the fleet (index = session index), nil
    ///     where the site knows none; sessions outside `policy.known` are not looked at.
    /// - Throws: a ``FleetConfigurationError`` naming the trigger: a whole built-in collection
    ///   against a real site, ResourceIDs that are not the fleet's, a fleet with no ResourceID.
    public static func resolve(
        _ triggers: [FleetProfile.Trigger],
        sessionCount: Int,
        resourceIDs: [UInt32?],
        policy: Policy
    ) throws(FleetConfigurationError) -> [TriggerPlan] {
        let known = policy.known ?? 0..<sessionCount
        precondition(known.lowerBound >= 0 && known.upperBound <= sessionCount, "known \(known) of \(sessionCount)")
        func resourceID(_ index: Int) -> UInt32? { index < resourceIDs.count ? resourceIDs[index] : nil }
        var plans: [TriggerPlan] = []
        for (number, trigger) in triggers.enumerated() {
            let key = "triggers[\(number)]"
            try checkCollection(trigger, key: key, policy: policy)
            switch trigger.targets {
            case .collection:
                plans.append(TriggerPlan(trigger: trigger, collectionID: trigger.collectionID, resourceIDs: [], wholeCollection: true, reaches: .all))
                continue
            case .all where policy.collectionIsFleet:
                plans.append(TriggerPlan(trigger: trigger, collectionID: trigger.collectionID, resourceIDs: [], wholeCollection: true, reaches: .all))
                continue
            default:
                break
            }
            let chosen: Range<Int>
            switch trigger.targets {
            case .fraction(let fraction):
                chosen = 0..<min(sessionCount, Int((Double(sessionCount) * fraction).rounded(.up)))
            case .count(let count):
                chosen = 0..<min(sessionCount, count)
            default:
                chosen = 0..<sessionCount
            }
            var reached = Set<Int>()
            var sent: [UInt32] = []
            if case .resourceIDs(let wanted) = trigger.targets {
                var byID: [UInt32: Int] = [:]
                for index in known { if let id = resourceID(index) { byID[id] = index } }
                for id in wanted {
                    if let index = byID[id] {
                        reached.insert(index)
                        sent.append(id)
                    } else if known.count == sessionCount {
                        throw .invalid(
                            key: "\(key).targets.resource-ids",
                            value: String(id),
                            reason: "not the ResourceID of a client of the fleet: a trigger reaches the fleet's own clients only"
                        )
                    }
                }
            } else {
                for index in chosen {
                    if known.contains(index) {
                        guard let id = resourceID(index) else { continue }
                        sent.append(id)
                    }
                    reached.insert(index)
                }
            }
            if sent.isEmpty, known.count == sessionCount {
                throw .impossiblePlan(
                    "\(key): none of the fleet's \(sessionCount) clients has a ResourceID at the site: register the pool "
                        + "(`bgbfleet identities register`) and let the site discover it, then run again"
                )
            }
            let reaches: FleetSelection = reached.count == sessionCount ? .all : .sessions(reached)
            if sent.isEmpty {
                // Another process's simulator holds these clients: nothing to send from here.
                plans.append(TriggerPlan(trigger: trigger, collectionID: trigger.collectionID, resourceIDs: [], wholeCollection: false, reaches: .sessions(reached)))
            } else {
                plans.append(TriggerPlan(trigger: trigger, collectionID: trigger.collectionID, resourceIDs: sent, wholeCollection: false, reaches: reaches))
            }
        }
        return plans
    }
}
