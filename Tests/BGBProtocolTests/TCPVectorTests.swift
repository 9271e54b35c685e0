import BGBProtocol
import NIOCore
import TestSupport
import Testing

@Suite("TCP golden vectors")
struct TCPVectorTests {
    static let tcpVectors = ["tcp-signin", "tcp-keepalive", "tcp-response", "tcp-signinconfirm", "tcp-request"]

    @Test("every TCP vector decodes to the fields its README lists", arguments: tcpVectors)
    func decodesFields(name: String) throws {
        let vector = GoldenVectors.named(name)
        let frames = try BGBFrameParser().frames(in: ByteBuffer(bytes: vector.bytes))
        try #require(frames.count == 1)
        let frame = frames[0]
        #expect(frame.header.payloadSize == UInt32(vector.int("frame", "payload_size")!))
        #expect(frame.majorVersion == UInt16(vector.int("frame", "major_version")!))
        #expect(frame.minorVersion == UInt16(vector.int("frame", "minor_version")!))
        #expect(frame.header.headerSize == UInt32(vector.int("frame", "header_size")!))
        #expect(frame.channel.rawValue == UInt16(vector.int("frame", "channel")!))
        #expect(frame.channel.name == vector.string("frame", "channel_name"))
        #expect(String(buffer: frame.payload) == vector.string("xml"))

        let message = try BGBMessage(frame: frame)
        let elements = (vector.value("xml_fields", "elements") as! [[String]]).map { ($0[0], $0[1]) }
        let timeStamp = vector.string("xml_fields", "attributes", "TimeStamp")!
        func element(_ name: String) -> String { elements.first { $0.0 == name }!.1 }
        switch message {
        case .signIn(let signIn):
            #expect(signIn.timeStamp.description == timeStamp)
            #expect(signIn.clientID.rawValue == element("ClientID"))
            #expect(signIn.clientType == element("ClientType"))
            #expect(signIn.clientVersion.description == element("ClientVersion"))
        case .keepAlive(let keepAlive):
            #expect(keepAlive.timeStamp.description == timeStamp)
            #expect(keepAlive.clientID.rawValue == element("ClientID"))
            #expect(keepAlive.clientType == element("ClientType"))
        case .response(let response):
            #expect(response.timeStamp.description == timeStamp)
            #expect(String(response.pushID) == element("PushID"))
            #expect(String(response.taskID) == element("TaskID"))
            #expect(String(response.returnCode.rawValue) == element("ReturnCode"))
        case .signInConfirm(let confirm):
            #expect(confirm.timeStamp.description == timeStamp)
            #expect(confirm.messageVersion == element("MessageVersion"))
        case .request(let request):
            #expect(request.timeStamp.description == timeStamp)
            #expect(String(request.pushID) == element("PushID"))
            #expect(String(request.taskID) == element("TaskID"))
            #expect(request.taskGuid == element("TaskGuid"))
            #expect(String(request.taskType.rawValue) == element("TaskType"))
            #expect(request.taskParam == element("TaskParam"))
        default:
            Issue.record("unexpected message \(message)")
        }
    }

    @Test("re-encoding the decoded message gives the vector's bytes", arguments: tcpVectors)
    func reencodesExactly(name: String) throws {
        let vector = GoldenVectors.named(name)
        let frame = try #require(try BGBFrameParser().frames(in: ByteBuffer(bytes: vector.bytes)).first)
        let message = try BGBMessage(frame: frame)
        var buffer = ByteBuffer()
        message.writeTCPFrame(into: &buffer)
        #expect(Array(buffer.readableBytesView) == vector.bytes)
        // The frame value path gives the same bytes.
        var viaFrame = ByteBuffer()
        viaFrame.writeBGBFrame(message.frame())
        #expect(Array(viaFrame.readableBytesView) == vector.bytes)
    }

    @Test("messages built from values match the SDK bytes")
    func buildFromValues() throws {
        let smsID = try SMSID("GUID:ED8C13AF-496B-4188-8633-DBA3120DA6EC")
        let signIn = BGBMessage.signIn(
            BGBSignIn(timeStamp: try BGBTimeStamp(parsing: "2026-11-26T17:46:01.502645Z"), clientID: smsID)
        )
        var buffer = ByteBuffer()
        signIn.writeTCPFrame(into: &buffer)
        #expect(Array(buffer.readableBytesView) == GoldenVectors.named("tcp-signin").bytes)

        // The Response's local-time stamp built from the instant and the recording's +01:00 zone.
        let instant = try BGBTimeStamp(parsing: "2026-11-26T17:46:02.078027Z").epochNanoseconds
        let response = BGBMessage.response(
            BGBResponse(
                timeStamp: BGBTimeStamp(epochNanoseconds: instant, style: .localTrimmedFraction(offsetMinutes: 60)),
                pushID: 1,
                taskID: 1,
                returnCode: .success
            )
        )
        buffer.clear()
        response.writeTCPFrame(into: &buffer)
        #expect(Array(buffer.readableBytesView) == GoldenVectors.named("tcp-response").bytes)

        let confirm = BGBMessage.signInConfirm(
            BGBSignInConfirm(
                timeStamp: BGBTimeStamp(
                    epochNanoseconds: try BGBTimeStamp(parsing: "2026-11-26T17:46:01.9Z").epochNanoseconds,
                    style: .utcWholeSeconds
                )
            )
        )
        buffer.clear()
        confirm.writeTCPFrame(into: &buffer)
        #expect(Array(buffer.readableBytesView) == GoldenVectors.named("tcp-signinconfirm").bytes)
    }
}
