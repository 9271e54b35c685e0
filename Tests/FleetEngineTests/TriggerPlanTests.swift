import FleetEngine
import Testing

/// Trigger targeting against a real site: only the fleet is ever targeted.
@Suite struct TriggerPlanTests {
    static let site = TriggerPlan.Policy(guardsBuiltInCollections: true)
    /// Ten sessions; the site knows eight of them (sessions 3 and 7 not discovered yet).
    static let ids: [UInt32?] = [5001, 5002, 5003, nil, 5005, 5006, 5007, nil, 5009, 5010]

    func trigger(_ targets: FleetProfile.Trigger.Targets, collection: String = "SMS00001") -> FleetProfile.Trigger {
        FleetProfile.Trigger(at: 1_000_000_000, type: 8, targets: targets, collectionID: collection)
    }

    @Test("the default trigger (targets: all on SMS00001) sends the fleet's ResourceIDs: SMS00001 only scopes the call")
    func allIsTheFleet() throws {
        let plans = try TriggerPlan.resolve([trigger(.all)], sessionCount: 10, resourceIDs: Self.ids, policy: Self.site)
        #expect(plans[0].collectionID == "SMS00001")
        #expect(!plans[0].wholeCollection)
        #expect(plans[0].resourceIDs == [5001, 5002, 5003, 5005, 5006, 5007, 5009, 5010])
        #expect(plans[0].reaches == .sessions([0, 1, 2, 4, 5, 6, 8, 9]))
        #expect(plans[0].sends)
    }

    @Test("a whole built-in collection against a real MP is refused, saying why and what to do; allowed when asked for")
    func builtInCollectionRefused() throws {
        for collection in ["SMS00001", "sms00004", "SMSDM003"] {
            #expect {
                try TriggerPlan.resolve([trigger(.collection, collection: collection)], sessionCount: 10, resourceIDs: Self.ids, policy: Self.site)
            } throws: { error in
                let text = "\(error)"
                return text.contains("built-in collection") && text.contains("--allow-site-wide-triggers") && text.contains("XYZ00042")
            }
            #expect(throws: FleetConfigurationError.self) { try TriggerPlan.checkSafety([trigger(.collection, collection: collection)], policy: Self.site) }
        }
        var allowed = Self.site
        allowed.allowSiteWideTriggers = true
        let plans = try TriggerPlan.resolve([trigger(.collection)], sessionCount: 10, resourceIDs: Self.ids, policy: allowed)
        #expect(plans[0].wholeCollection && plans[0].resourceIDs.isEmpty && plans[0].reaches == .all)
        // The simulator (no guard) and a collection the user names take the whole collection.
        let embedded = TriggerPlan.Policy(guardsBuiltInCollections: false)
        #expect(try TriggerPlan.resolve([trigger(.collection)], sessionCount: 10, resourceIDs: Self.ids, policy: embedded)[0].wholeCollection)
        let named = try TriggerPlan.resolve([trigger(.collection, collection: "XYZ00042")], sessionCount: 10, resourceIDs: Self.ids, policy: Self.site)
        #expect(named[0].wholeCollection && named[0].collectionID == "XYZ00042")
    }

    @Test("fraction and count pick the fleet's resolved ResourceIDs, never a numbering of the simulator")
    func fractionAndCount() throws {
        let plans = try TriggerPlan.resolve(
            [trigger(.fraction(0.5)), trigger(.count(2)), trigger(.fraction(1))],
            sessionCount: 10, resourceIDs: Self.ids, policy: Self.site
        )
        #expect(plans[0].resourceIDs == [5001, 5002, 5003, 5005])  // sessions 0..<5, session 3 unknown
        #expect(plans[0].reaches == .sessions([0, 1, 2, 4]))
        #expect(plans[1].resourceIDs == [5001, 5002])
        #expect(plans[2].resourceIDs.count == 8)
        #expect(plans.allSatisfy { $0.resourceIDs.allSatisfy { $0 < 16_777_216 } })
    }

    @Test("resource-ids must be the fleet's")
    func resourceIDsChecked() throws {
        let plans = try TriggerPlan.resolve([trigger(.resourceIDs([5006, 5002]))], sessionCount: 10, resourceIDs: Self.ids, policy: Self.site)
        #expect(plans[0].resourceIDs == [5006, 5002])
        #expect(plans[0].reaches == .sessions([5, 1]))
        #expect {
            try TriggerPlan.resolve([trigger(.resourceIDs([5002, 16_777_217]))], sessionCount: 10, resourceIDs: Self.ids, policy: Self.site)
        } throws: { "\($0)".contains("16777217") && "\($0)".contains("not the ResourceID of a client of the fleet") }
    }

    @Test("a fleet the site does not know is refused: nothing would be targeted")
    func nothingResolved() {
        #expect {
            try TriggerPlan.resolve([trigger(.all)], sessionCount: 3, resourceIDs: [nil, nil, nil], policy: Self.site)
        } throws: { "\($0)".contains("bgbfleet identities register") }
    }

    @Test("an embedded simulator of one shard sends its own clients only; the others' count elsewhere")
    func embeddedShard() throws {
        var ids = [UInt32?](repeating: nil, count: 10)
        for index in 5..<10 { ids[index] = UInt32(16_777_217 + index - 5) }
        let policy = TriggerPlan.Policy(guardsBuiltInCollections: false, known: 5..<10, collectionIsFleet: true)
        let plans = try TriggerPlan.resolve([trigger(.all), trigger(.fraction(0.3)), trigger(.fraction(0.7))], sessionCount: 10, resourceIDs: ids, policy: policy)
        #expect(plans[0].wholeCollection && plans[0].reaches == .all)
        #expect(!plans[1].sends && plans[1].reaches == .sessions([0, 1, 2]))  // all in shard 1
        #expect(plans[2].resourceIDs == [16_777_217, 16_777_218] && plans[2].reaches == .sessions([0, 1, 2, 3, 4, 5, 6]))
    }

    @Test("profile targets: all, collection, fraction, count, resource-ids; a collection ID is checked")
    func profileTargets() throws {
        let yaml = """
            triggers:
              - {at: 1s, type: 8}
              - {at: 2s, type: 8, targets: collection, collection: xyz00042}
              - {at: 3s, type: 8, targets: {count: 25}}
              - {at: 4s, type: 8, targets: {fraction: 0.5}}
            """
        let profile = try FleetProfile(yaml: yaml)
        #expect(profile.triggers.map(\.targets) == [.all, .collection, .count(25), .fraction(0.5)])
        #expect(profile.triggers[1].collectionID == "XYZ00042")
        #expect(throws: FleetConfigurationError.self) { try FleetProfile(yaml: "triggers:\n  - {at: 1s, collection: CHANGE-ME}\n") }
        #expect(throws: FleetConfigurationError.self) { try FleetProfile(yaml: "triggers:\n  - {at: 1s, targets: {count: 0}}\n") }
        #expect(throws: FleetConfigurationError.self) { try FleetProfile(yaml: "triggers:\n  - {at: 1s, targets: {count: 2, fraction: 0.5}}\n") }
    }
}
