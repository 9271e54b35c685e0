import NIOCore
import TestSupport
import Testing

@testable import BGBProtocol

/// The Request fast path (``BGBRequest/init(canonical:)``) against the general XML reader: whatever
/// the fast path accepts, the general reader decodes to the same value; whatever it refuses, the
/// public decoder still answers exactly as the general reader does.
@Suite("Request decoding without an XML tree")
struct CanonicalRequestDecodingTests {
    static func canonical(_ payload: String) -> BGBRequest? {
        ByteBuffer(string: payload).withUnsafeReadableBytes { BGBRequest(canonical: $0) }
    }

    static func general(_ payload: String) -> Result<BGBMessage, BGBMessageError> {
        Result { () throws(BGBMessageError) in
            try BGBMessage(generalChannel: .request, payload: ByteBuffer(string: payload), limits: .bgbMessage)
        }
    }

    static func decoded(_ payload: String) -> Result<BGBMessage, BGBMessageError> {
        Result { () throws(BGBMessageError) in try BGBMessage(channel: .request, payload: ByteBuffer(string: payload)) }
    }

    @Test("the SDK's Request vector is read by the fast path, to the general reader's value")
    func goldenVector() throws {
        let frames = try BGBFrameParser().frames(in: ByteBuffer(bytes: GoldenVectors.named("tcp-request").bytes))
        let payload = String(buffer: try #require(frames.first).payload)
        let fast = try #require(Self.canonical(payload))
        #expect(Self.general(payload) == .success(.request(fast)))
    }

    @Test("Requests as the simulator writes them, over the range of every field, take the fast path")
    func writtenRequests() throws {
        let stamps = [
            BGBTimeStamp(epochNanoseconds: 1_795_000_000_123_456_700, style: .utcTrimmedFraction),
            BGBTimeStamp(epochNanoseconds: 1_795_000_000_000_000_000, style: .utcWholeSeconds),
            BGBTimeStamp(epochNanoseconds: 1_795_000_000_500_000_000, style: .localTrimmedFraction(offsetMinutes: -330)),
            try BGBTimeStamp(parsing: "2026-11-26T17:46:02"),
        ]
        let numbers: [Int32] = [0, 1, -1, 42, 999_999_999, Int32.max, Int32.min]
        let params: [String?] = [nil, "", "QUJDRA==", "a b c"]
        var count = 0
        for (index, number) in numbers.enumerated() {
            for param in params {
                let request = BGBRequest(
                    timeStamp: stamps[(index + count) % stamps.count],
                    pushID: number,
                    taskID: numbers[(index + 3) % numbers.count],
                    taskGuid: index.isMultiple(of: 2) ? "A43DD1B3-A006-4604-B012-5529380B3B6F" : "{a43dd1b3-a006-4604-b012-5529380b3b6f}",
                    taskType: TaskType(rawValue: numbers[(index + 5) % numbers.count]),
                    taskParam: param
                )
                let payload = String(buffer: BGBMessage.request(request).payload())
                #expect(Self.canonical(payload) == request, "\(payload)")
                #expect(Self.general(payload) == .success(.request(request)))
                count += 1
            }
        }
    }

    @Test(
        "anything else falls back to the general reader, which decides",
        arguments: [
            // Children in another order: still canonical, same value.
            #"<BgbRequestMessage TimeStamp="2026-11-26T17:46:02Z"><TaskType>1</TaskType><TaskGuid>G</TaskGuid><TaskID>2</TaskID><PushID>3</PushID></BgbRequestMessage>"#,
            // Whitespace, entities, an XML declaration, an empty-element tag: general reader.
            "<BgbRequestMessage TimeStamp=\"2026-11-26T17:46:02Z\">\n  <PushID>1</PushID><TaskID>1</TaskID><TaskGuid>G</TaskGuid><TaskType>1</TaskType></BgbRequestMessage>",
            #"<BgbRequestMessage TimeStamp="2026-11-26T17:46:02Z"><PushID>1</PushID><TaskID>1</TaskID><TaskGuid>A&amp;B</TaskGuid><TaskType>1</TaskType></BgbRequestMessage>"#,
            #"<?xml version="1.0"?><BgbRequestMessage TimeStamp="2026-11-26T17:46:02Z"><PushID>1</PushID><TaskID>1</TaskID><TaskGuid>G</TaskGuid><TaskType>1</TaskType></BgbRequestMessage>"#,
            #"<BgbRequestMessage TimeStamp="2026-11-26T17:46:02Z"><PushID>1</PushID><TaskID>1</TaskID><TaskGuid>G</TaskGuid><TaskType>1</TaskType><TaskParam/></BgbRequestMessage>"#,
            // Values the fast path does not read: a sign, padding, overflow, a repeated child.
            #"<BgbRequestMessage TimeStamp="2026-11-26T17:46:02Z"><PushID>+5</PushID><TaskID>1</TaskID><TaskGuid>G</TaskGuid><TaskType>1</TaskType></BgbRequestMessage>"#,
            #"<BgbRequestMessage TimeStamp="2026-11-26T17:46:02Z"><PushID> 5 </PushID><TaskID>1</TaskID><TaskGuid>G</TaskGuid><TaskType>1</TaskType></BgbRequestMessage>"#,
            #"<BgbRequestMessage TimeStamp="2026-11-26T17:46:02Z"><PushID>2147483648</PushID><TaskID>1</TaskID><TaskGuid>G</TaskGuid><TaskType>1</TaskType></BgbRequestMessage>"#,
            #"<BgbRequestMessage TimeStamp="2026-11-26T17:46:02Z"><PushID>1</PushID><PushID>2</PushID><TaskID>1</TaskID><TaskGuid>G</TaskGuid><TaskType>1</TaskType></BgbRequestMessage>"#,
            // Unknown children and attributes, a missing child, a bad TimeStamp, trailing bytes.
            #"<BgbRequestMessage TimeStamp="2026-11-26T17:46:02Z"><PushID>1</PushID><TaskID>1</TaskID><TaskGuid>G</TaskGuid><TaskType>1</TaskType><Extra>x</Extra></BgbRequestMessage>"#,
            #"<BgbRequestMessage TimeStamp="2026-11-26T17:46:02Z" Other="1"><PushID>1</PushID><TaskID>1</TaskID><TaskGuid>G</TaskGuid><TaskType>1</TaskType></BgbRequestMessage>"#,
            #"<BgbRequestMessage TimeStamp="2026-11-26T17:46:02Z"><PushID>1</PushID><TaskGuid>G</TaskGuid><TaskType>1</TaskType></BgbRequestMessage>"#,
            #"<BgbRequestMessage TimeStamp="2026-13-26T17:46:02Z"><PushID>1</PushID><TaskID>1</TaskID><TaskGuid>G</TaskGuid><TaskType>1</TaskType></BgbRequestMessage>"#,
            #"<BgbRequestMessage TimeStamp="2026-11-26T17:46:02Z"><PushID>1</PushID><TaskID>1</TaskID><TaskGuid>G</TaskGuid><TaskType>1</TaskType></BgbRequestMessage>x"#,
            #"<BgbRequestMessage TimeStamp="2026-11-26T17:46:02Z"><PushID>1</PushID><TaskID>1</TaskID><TaskGuid>G</TaskGuid><TaskType>1</TaskType>"#,
            "<BgbRequestMessage TimeStamp=\"2026-11-26T17:46:02Z\"><PushID>1</PushID><TaskID>1</TaskID><TaskGuid>G\u{e9}</TaskGuid><TaskType>1</TaskType></BgbRequestMessage>",
            #"<BgbResponseMessage TimeStamp="2026-11-26T17:46:02Z"><PushID>1</PushID><TaskID>1</TaskID><ReturnCode>0</ReturnCode></BgbResponseMessage>"#,
        ]
    )
    func fallback(payload: String) {
        if let fast = Self.canonical(payload) {
            #expect(Self.general(payload) == .success(.request(fast)))
        }
        #expect(Self.decoded(payload) == Self.general(payload))
    }

    @Test("the fast path refuses everything but the canonical form")
    func refusals() {
        #expect(Self.canonical(#"<BgbRequestMessage TimeStamp="2026-11-26T17:46:02Z"><PushID>+5</PushID><TaskID>1</TaskID><TaskGuid>G</TaskGuid><TaskType>1</TaskType></BgbRequestMessage>"#) == nil)
        #expect(Self.canonical(#"<BgbRequestMessage TimeStamp="2026-11-26T17:46:02Z"><PushID>1</PushID><TaskID>1</TaskID><TaskGuid>A&amp;B</TaskGuid><TaskType>1</TaskType></BgbRequestMessage>"#) == nil)
        #expect(Self.canonical(#"<BgbRequestMessage TimeStamp="2026-11-26T17:46:02Z"><PushID>1</PushID><PushID>2</PushID><TaskID>1</TaskID><TaskGuid>G</TaskGuid><TaskType>1</TaskType></BgbRequestMessage>"#) == nil)
        #expect(Self.canonical("") == nil)
    }
}
