import BGBProtocol
import NIOCore
import NIOEmbedded
import Testing

@Suite("Malformed input is a typed error")
struct MalformedInputTests {
    func header(payloadSize: UInt32, headerSize: UInt32 = 0, channel: UInt16 = 3) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeBGBFrameHeader(
            BGBFrameHeader(payloadSize: payloadSize, headerSize: headerSize, channel: BGBChannel(rawValue: channel))
        )
        return buffer
    }

    @Test("PayloadSize 0")
    func zeroPayload() {
        var buffer = header(payloadSize: 0, channel: 5)
        #expect(throws: BGBFrameError.zeroPayloadSize(channel: .disconnect)) {
            try BGBFrameParser().nextFrame(from: &buffer)
        }
        // Tolerant parsing delivers it as an empty message of its channel.
        var tolerant = header(payloadSize: 0, channel: 5)
        let frame = try? BGBFrameParser(configuration: .tolerant).nextFrame(from: &tolerant)
        #expect(frame?.channel == .disconnect)
        #expect(frame?.payload.readableBytes == 0)
    }

    @Test("unknown channel")
    func unknownChannel() {
        var buffer = header(payloadSize: 3, channel: 42)
        buffer.writeString("abc")
        #expect(throws: BGBFrameError.unknownChannel(42)) { try BGBFrameParser().nextFrame(from: &buffer) }
    }

    @Test("payload over the maximum is refused from the header alone")
    func tooLarge() {
        var buffer = header(payloadSize: 1 << 20 + 1)
        #expect(throws: BGBFrameError.payloadTooLarge(size: 1 << 20 + 1, maximum: 1 << 20)) {
            try BGBFrameParser().nextFrame(from: &buffer)
        }
        var small = header(payloadSize: 101)
        let parser = BGBFrameParser(configuration: .init(maximumPayloadSize: 100))
        #expect(throws: BGBFrameError.payloadTooLarge(size: 101, maximum: 100)) { try parser.nextFrame(from: &small) }
    }

    @Test("HeaderSize larger than PayloadSize")
    func headerSize() {
        var buffer = header(payloadSize: 10, headerSize: 11)
        #expect(throws: BGBFrameError.headerSizeExceedsPayload(headerSize: 11, payloadSize: 10)) {
            try BGBFrameParser().nextFrame(from: &buffer)
        }
    }

    @Test("the NIO decoder surfaces the typed error")
    func nioDecoderError() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(BGBFrameDecoder()))
        #expect(throws: BGBFrameError.zeroPayloadSize(channel: .request)) {
            try channel.writeInbound(header(payloadSize: 0))
        }
        _ = try? channel.finish()
    }

    @Test("truncated input where completeness is known")
    func truncated() {
        let buffer = header(payloadSize: 10)
        #expect(throws: BGBFrameError.truncated(expected: 24, available: 14)) {
            try BGBFrameParser().frames(in: buffer)
        }
    }

    func decode(_ xml: String, channel: BGBChannel = .request, limits: XMLReader.Limits = .bgbMessage) throws(
        BGBMessageError
    ) -> BGBMessage {
        try BGBMessage(channel: channel, payload: ByteBuffer(bytes: Array(xml.utf8)), limits: limits)
    }

    static let request =
        #"<BgbRequestMessage TimeStamp="2026-11-26T17:46:02Z"><PushID>1</PushID><TaskID>2</TaskID><TaskGuid>A43DD1B3-A006-4604-B012-5529380B3B6F</TaskGuid><TaskType>1</TaskType><TaskParam></TaskParam></BgbRequestMessage>"#

    @Test("non-ASCII bytes")
    func nonASCII() {
        let xml = Self.request.replacingOccurrences(of: "<TaskParam></TaskParam>", with: "<TaskParam>é</TaskParam>")
        #expect(throws: BGBMessageError.xml(.nonASCII(byte: 0xC3, offset: 178))) { try decode(xml) }
    }

    @Test("DOCTYPE and entity definitions")
    func doctype() {
        #expect(throws: BGBMessageError.xml(.doctypeNotAllowed(offset: 0))) {
            try decode("<!DOCTYPE x [<!ENTITY a \"b\">]>" + Self.request)
        }
        #expect(throws: BGBMessageError.xml(.doctypeNotAllowed(offset: 21))) {
            try decode("<?xml version=\"1.0\"?><!ENTITY a \"b\">" + Self.request)
        }
    }

    @Test("unexpected nesting")
    func nesting() {
        let xml = Self.request.replacingOccurrences(
            of: "<TaskParam></TaskParam>",
            with: "<TaskParam><Inner>x</Inner></TaskParam>"
        )
        #expect(throws: BGBMessageError.xml(.unexpectedNesting(element: "Inner", depth: 3, offset: 178))) {
            try decode(xml)
        }
    }

    @Test("over-long text")
    func overLong() {
        let xml = Self.request.replacingOccurrences(
            of: "<TaskParam></TaskParam>",
            with: "<TaskParam>" + String(repeating: "A", count: 65) + "</TaskParam>"
        )
        let limits = XMLReader.Limits(maximumTextLength: 64)
        #expect(throws: BGBMessageError.xml(.textTooLong(element: "TaskParam", limit: 64, offset: 243))) {
            try decode(xml, limits: limits)
        }
    }

    @Test("unknown entity, mismatched tag, wrong root, bad number, missing element")
    func otherErrors() {
        #expect(throws: BGBMessageError.xml(.unknownEntity("nbsp", offset: 178))) {
            try decode(Self.request.replacingOccurrences(of: "<TaskParam></", with: "<TaskParam>&nbsp;</"))
        }
        #expect(throws: BGBMessageError.xml(.mismatchedTag(expected: "PushID", found: "PushId", offset: 61))) {
            try decode(Self.request.replacingOccurrences(of: "1</PushID>", with: "1</PushId>"))
        }
        #expect(
            throws: BGBMessageError.unexpectedRoot(
                channel: .response,
                expected: "BgbResponseMessage",
                found: "BgbRequestMessage"
            )
        ) { try decode(Self.request, channel: .response) }
        #expect(
            throws: BGBMessageError.invalidValue(element: "PushID", value: "x1", reason: "not a 32-bit integer")
        ) { try decode(Self.request.replacingOccurrences(of: "<PushID>1<", with: "<PushID>x1<")) }
        #expect(throws: BGBMessageError.missingElement("TaskID", in: "BgbRequestMessage")) {
            try decode(Self.request.replacingOccurrences(of: "<TaskID>2</TaskID>", with: ""))
        }
        #expect(throws: BGBMessageError.missingTimeStamp(in: "BgbRequestMessage")) {
            try decode(Self.request.replacingOccurrences(of: #" TimeStamp="2026-11-26T17:46:02Z""#, with: ""))
        }
        #expect(throws: BGBMessageError.xml(.unexpectedEnd(offset: 30))) {
            try decode(String(Self.request.prefix(30)))
        }
    }

    @Test("lenient decoding: declaration, whitespace, attribute order, unknown elements, entities, no TaskParam")
    func lenient() throws {
        let xml = """
            <?xml version="1.0" encoding="us-ascii"?>
            <!-- pushed by a test -->
            <BgbRequestMessage Extra = 'x' TimeStamp="2026-11-26T17:46:02.1234567Z">
              <Unknown a="b">ignored</Unknown>
              <PushID> 7 </PushID>
              <TaskID>8</TaskID>
              <TaskGuid>{a43dd1b3-a006-4604-b012-5529380b3b6f}</TaskGuid>
              <TaskType>15</TaskType>
              <Empty/>
            </BgbRequestMessage>
            """
        guard case .request(let request) = try decode(xml) else {
            Issue.record("not a request")
            return
        }
        #expect(request.pushID == 7)
        #expect(request.taskID == 8)
        #expect(request.taskType.rawValue == 15)
        #expect(request.taskParam == nil)
        #expect(request.normalizedTaskGuid == "A43DD1B3-A006-4604-B012-5529380B3B6F")
        #expect(request.timeStamp.ticks == 1_234_567)

        let entities = Self.request.replacingOccurrences(
            of: "<TaskParam></TaskParam>",
            with: "<TaskParam>&amp;&lt;&gt;&quot;&apos;&#65;&#x42;</TaskParam>"
        )
        guard case .request(let withEntities) = try decode(entities) else { return }
        #expect(withEntities.taskParam == "&<>\"'AB")
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        var result = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
