import BGBProtocol
import NIOCore
import Testing

@Suite("TimeStamp, SMSID, ClientVersion")
struct TimeStampAndIdentityTests {
    @Test(
        "every TimeStamp form of the spec parses and re-encodes to the same text",
        arguments: [
            "2026-11-26T17:46:01.502645Z", "2026-11-26T17:46:08.85214Z", "2026-11-26T18:46:02.078027+01:00",
            "2026-11-26T17:46:01Z", "2026-11-26T17:46:02.1234567Z", "2026-11-26T17:46:02.1Z",
            "2020-01-21T15:43:43Z", "2026-11-26T17:46:02+00:00", "2026-11-26T12:46:02.5-05:00",
            "2026-11-26T17:46:02",
        ]
    )
    func parses(text: String) throws {
        let stamp = try BGBTimeStamp(parsing: text)
        #expect(stamp.description == text)
    }

    @Test("the instant is the same whatever the form")
    func instants() throws {
        let utc = try BGBTimeStamp(parsing: "2026-11-26T17:46:02.078027Z")
        let local = try BGBTimeStamp(parsing: "2026-11-26T18:46:02.078027+01:00")
        let noZone = try BGBTimeStamp(parsing: "2026-11-26T17:46:02.078027")
        #expect(utc.epochNanoseconds == local.epochNanoseconds)
        #expect(utc.epochNanoseconds == noZone.epochNanoseconds)
        #expect(noZone.zone == .unspecified)
        #expect(utc.epochNanoseconds == 1_795_715_162_078_027_000)
    }

    @Test("styles format as the SDK and the Windows client do")
    func styles() {
        let nanos: Int64 = 1_795_715_161_502_645_000
        #expect(BGBTimeStamp(epochNanoseconds: nanos, style: .utcTrimmedFraction).description
            == "2026-11-26T17:46:01.502645Z")
        #expect(BGBTimeStamp(epochNanoseconds: nanos, style: .utcWholeSeconds).description == "2026-11-26T17:46:01Z")
        #expect(BGBTimeStamp(epochNanoseconds: nanos, style: .localTrimmedFraction(offsetMinutes: 60)).description
            == "2026-11-26T18:46:01.502645+01:00")
        #expect(BGBTimeStamp(epochNanoseconds: 1_795_715_161_000_000_000, style: .utcTrimmedFraction).description
            == "2026-11-26T17:46:01Z")
        #expect(BGBTimeStamp(epochNanoseconds: 0, style: .localTrimmedFraction(offsetMinutes: -330)).description
            == "1969-12-31T18:30:00-05:30")
    }

    @Test(
        "malformed TimeStamps are typed errors",
        arguments: [
            "2026-11-26", "2026-11-26T17:46:01.Z", "2026-11-26T17:46:01.12345678Z", "2026-11-26T17:46:01X",
            "2026-13-26T17:46:01Z", "2026-02-30T17:46:01Z", "2026-11-26T17:46:01+1:00", "26-11-26T17:46:01Z",
        ]
    )
    func malformed(text: String) {
        #expect(throws: BGBTimeStampError.self) { try BGBTimeStamp(parsing: text) }
    }

    @Test("SMSID validation and canonical case")
    func smsID() throws {
        let id = try SMSID("guid:ed8c13af-496b-4188-8633-dba3120da6ec")
        #expect(id.rawValue == "GUID:ED8C13AF-496B-4188-8633-DBA3120DA6EC")
        #expect(id == (try SMSID("GUID:ED8C13AF-496B-4188-8633-DBA3120DA6EC")))
        #expect(throws: SMSIDError.missingPrefix("XXXX:ED8C13AF-496B-4188-8633-DBA3120DA6EC")) {
            try SMSID("XXXX:ED8C13AF-496B-4188-8633-DBA3120DA6EC")
        }
        #expect(throws: SMSIDError.wrongLength("GUID:ED8C", 9)) { try SMSID("GUID:ED8C") }
        #expect(throws: SMSIDError.invalidGUID("GUID:ED8C13AF-496B-4188-8633-DBA3120DA6EG")) {
            try SMSID("GUID:ED8C13AF-496B-4188-8633-DBA3120DA6EG")
        }
        #expect(throws: SMSIDError.invalidGUID("GUID:ED8C13AF+496B-4188-8633-DBA3120DA6EC")) {
            try SMSID("GUID:ED8C13AF+496B-4188-8633-DBA3120DA6EC")
        }
        let random = SMSID.random()
        #expect(try SMSID(random.rawValue) == random)
        #expect(random.rawValue.count == 41)
    }

    @Test("client versions")
    func clientVersion() throws {
        #expect(try ClientVersion("5.00.9106.1000") == ClientVersion.sdkDefault)
        #expect(ClientVersion.agentDefault.description == "5.00.8325.0000")
        for bad in ["5.0.9106.1000", "5.00.9106", "5.00.91a6.1000", "", "5.00.9106.1000.1", "-5.00.9106.1000"] {
            #expect(throws: ClientVersionError.malformed(bad)) { try ClientVersion(bad) }
        }
    }
}
