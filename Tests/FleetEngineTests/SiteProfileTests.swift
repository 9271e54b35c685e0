import FleetEngine
import Foundation
import Testing

/// The profiles for a real site.
@Suite struct SiteProfileTests {
    static func file(_ name: String) throws -> String {
        try String(contentsOf: ProfileTests.packageRoot.appendingPathComponent("profiles/\(name)"), encoding: .utf8)
    }

    @Test("the built-in real-mp profile is profiles/real-mp.yaml: no trigger, thresholds only on what a healthy MP always gives")
    func realMP() throws {
        #expect(try Self.file("real-mp.yaml") == FleetProfile.realMPYAML)
        let profile = FleetProfile.realMP()
        #expect(profile.triggers.isEmpty)
        #expect(profile.thresholds.allSatisfy { $0.hasPrefix("errors.") || $0.hasPrefix("sessions.") })
        #expect(!profile.thresholds.contains { $0.contains("delivery") })
    }

    @Test("mp-capacity: 25,000 sessions ramped over 10 minutes, 15-minute keep-alives, one hour, no trigger")
    func mpCapacity() throws {
        let profile = try FleetProfile(yaml: try Self.file("mp-capacity.yaml"), name: "mp-capacity")
        #expect(profile.sessions == 25_000)
        #expect(profile.arrival == .ramp(nanoseconds: 600_000_000_000))
        #expect(profile.keepAlive == 900_000_000_000)
        #expect(profile.duration == 3_600_000_000_000)
        #expect(profile.triggers.isEmpty)
    }

    @Test("pre-rollout refuses to run until its collection is filled in; filled in, it pushes to that collection only")
    func preRollout() throws {
        let text = try Self.file("pre-rollout.yaml")
        #expect { try FleetProfile(yaml: text, name: "pre-rollout") } throws: { "\($0)".contains("CHANGE-ME") }
        let filled = try FleetProfile(
            yaml: text.replacingOccurrences(of: "collection: CHANGE-ME", with: "collection: XYZ00042"), name: "pre-rollout"
        )
        #expect(filled.triggers.map(\.type) == [8, 135])
        #expect(filled.triggers.allSatisfy { $0.targets == .collection && $0.collectionID == "XYZ00042" })
        let plans = try TriggerPlan.resolve(
            filled.triggers, sessionCount: 3, resourceIDs: [1, 2, 3], policy: TriggerPlan.Policy(guardsBuiltInCollections: true)
        )
        #expect(plans.allSatisfy { $0.wholeCollection && $0.collectionID == "XYZ00042" })
    }

    @Test("mp-online-poll is read and checked")
    func mpOnlinePoll() throws {
        #expect(try FleetProfile(yaml: "mp-online-poll: 10s").mpOnlinePoll == 10_000_000_000)
        #expect(try FleetProfile(yaml: "mp-online-poll: 0s").mpOnlinePoll == 0)
        #expect(FleetProfile().mpOnlinePoll == 30_000_000_000)
        #expect(throws: FleetConfigurationError.self) { try FleetProfile(yaml: "mp-online-poll: 10ms") }
    }
}
