import BGBProtocol
import FleetSupport
import NIOCore
import Testing

@Suite("Message round trips")
struct RoundTripTests {
    typealias SeededGenerator = SplitMix64

    static func randomTimeStamp(_ generator: inout SeededGenerator) -> BGBTimeStamp {
        let nanos = Int64.random(in: 0...4_102_444_800_000_000_000, using: &generator)
        switch Int.random(in: 0..<3, using: &generator) {
        case 0: return BGBTimeStamp(epochNanoseconds: nanos, style: .utcTrimmedFraction)
        case 1:
            return BGBTimeStamp(
                epochNanoseconds: nanos,
                style: .localTrimmedFraction(offsetMinutes: Int.random(in: -720...840, using: &generator))
            )
        default: return BGBTimeStamp(epochNanoseconds: nanos, style: .utcWholeSeconds)
        }
    }

    static func randomMessages(count: Int) -> [BGBMessage] {
        var generator = SeededGenerator(seed: 42)
        var messages: [BGBMessage] = []
        for _ in 0..<count {
            let stamp = randomTimeStamp(&generator)
            let smsID = SMSID.random(using: &generator)
            let int = { (g: inout SeededGenerator) in Int32.random(in: Int32.min...Int32.max, using: &g) }
            let version = ClientVersion(
                major: Int.random(in: 0...9, using: &generator),
                minor: Int.random(in: 0...99, using: &generator),
                build: Int.random(in: 0...9999, using: &generator),
                revision: Int.random(in: 0...9999, using: &generator)
            )
            let param = ["", "PFNjcmlwdENvbnRlbnQ+", "a&b<c>d"][Int.random(in: 0..<3, using: &generator)]
            messages += [
                .signIn(BGBSignIn(timeStamp: stamp, clientID: smsID, clientVersion: version)),
                .signInConfirm(BGBSignInConfirm(timeStamp: stamp, messageVersion: param)),
                .keepAlive(BGBKeepAlive(timeStamp: stamp, clientID: smsID)),
                .request(
                    BGBRequest(
                        timeStamp: stamp,
                        pushID: int(&generator),
                        taskID: int(&generator),
                        taskGuid: GUIDText.random(using: &generator),
                        taskType: TaskType(rawValue: int(&generator)),
                        taskParam: Bool.random(using: &generator) ? param : nil
                    )
                ),
                .response(
                    BGBResponse(
                        timeStamp: stamp,
                        pushID: int(&generator),
                        taskID: int(&generator),
                        returnCode: ReturnCode(rawValue: int(&generator))
                    )
                ),
                .disconnect(timeStamp: Bool.random(using: &generator) ? stamp : nil),
            ]
        }
        return messages
    }

    @Test("every message type survives encode → frame → decode")
    func roundTrip() throws {
        for message in Self.randomMessages(count: 50) {
            var buffer = ByteBuffer()
            message.writeTCPFrame(into: &buffer)
            let frames = try BGBFrameParser(configuration: .tolerant).frames(in: buffer)
            #expect(frames.count == 1)
            let decoded = try BGBMessage(frame: frames[0])
            #expect(decoded == message)
        }
    }

    @Test("TaskType 15 and a Run Script TaskParam round-trip")
    func taskType15() throws {
        let request = BGBRequest(
            timeStamp: .now(.utcWholeSeconds),
            pushID: 9,
            taskID: 12,
            taskGuid: "A43DD1B3-A006-4604-B012-5529380B3B6F",
            taskType: .runScript,
            taskParam: "PFNjcmlwdENvbnRlbnQgU2NyaXB0R3VpZD0nN0RDNkI2RjEnPjwvU2NyaXB0Q29udGVudD4="
        )
        let decoded = try BGBMessage(channel: .request, payload: BGBMessage.request(request).payload())
        #expect(decoded == .request(request))
        guard case .request(let back) = decoded else { return }
        #expect(back.taskType.rawValue == 15)
        #expect(!back.taskType.isAcceptedBySDK)
    }

    @Test("NegotiationNeeded and None carry their payloads")
    func otherChannels() throws {
        let payload = ByteBuffer(string: "<Whatever/>")
        #expect(try BGBMessage(channel: .negotiationNeeded, payload: payload) == .negotiationNeeded(payload: payload))
        #expect(try BGBMessage(channel: .none, payload: ByteBuffer()) == .none)
        #expect(try BGBMessage(channel: .disconnect, payload: ByteBuffer()) == .disconnect(timeStamp: nil))
    }
}
