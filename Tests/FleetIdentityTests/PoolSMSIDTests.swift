import Testing

@testable import FleetIdentity

@Suite struct PoolSMSIDTests {
    @Test func acceptsCanonicalAndNormalisesCase() throws {
        let canonical = try #require(PoolSMSID("GUID:ED8C13AF-496B-4188-8633-DBA3120DA6EC"))
        #expect(canonical.rawValue == "GUID:ED8C13AF-496B-4188-8633-DBA3120DA6EC")
        #expect(canonical.guid == "ED8C13AF-496B-4188-8633-DBA3120DA6EC")
        let lower = try #require(PoolSMSID("guid:ed8c13af-496b-4188-8633-dba3120da6ec"))
        #expect(lower == canonical)
    }

    @Test(arguments: [
        "",
        "ED8C13AF-496B-4188-8633-DBA3120DA6EC",
        "GUID:{ED8C13AF-496B-4188-8633-DBA3120DA6EC}",
        "GUID:ED8C13AF-496B-4188-8633-DBA3120DA6E",
        "GUID:ED8C13AF-496B-4188-8633-DBA3120DA6ECA",
        "GUID:ED8C13AF+496B-4188-8633-DBA3120DA6EC",
        "GUID:ED8C13AG-496B-4188-8633-DBA3120DA6EC",
        "UUID:ED8C13AF-496B-4188-8633-DBA3120DA6EC",
    ])
    func rejectsMalformed(_ text: String) {
        #expect(PoolSMSID(text) == nil)
    }

    @Test func randomIsCanonicalAndFresh() {
        let a = PoolSMSID.random()
        #expect(PoolSMSID(a.rawValue) == a)
        #expect(a.rawValue == a.rawValue.uppercased())
        #expect(a.rawValue.count == 41)
        #expect(a != PoolSMSID.random())
    }

    @Test func netbiosNames() {
        #expect(Identity.netbiosName(forIndex: 42) == "BGBSIM0000042")
        #expect(Identity.netbiosName(forIndex: 99_999_999) == "BGBSIM99999999")
        #expect(Identity.netbiosName(forIndex: 99_999_999).count <= 15)
    }
}
