import BGBProtocol
import Foundation
import NIOCore
import TestSupport
import Testing

@Suite("HTTP golden vectors")
struct HTTPVectorTests {
    static let httpVectors = [
        "http-login", "http-login-answer-200", "http-continue-signin", "http-continue-answer-signinconfirm",
        "http-continue-keepalive", "http-continue-answer-request", "http-continue-response",
        "http-continue-answer-none", "http-logout", "http-logout-answer-200",
    ]

    @Test("every HTTP BGB vector parses to its start line, headers and body fields", arguments: httpVectors)
    func decodes(name: String) throws {
        let vector = GoldenVectors.named(name)
        let message = try HTTPMessage(parsing: ByteBuffer(bytes: vector.bytes))
        let startLine = vector.string("http", "request_line") ?? vector.string("http", "status_line")
        #expect(message.startLine == startLine)
        #expect(message.headers.map { [$0.name, $0.value] } == vector.httpHeaders.map { [$0.0, $0.1] })
        #expect(message.body.readableBytes == vector.int("body_length"))

        if let target = message.target {
            let type = try #require(BGBHTTPRequestType(target: target))
            #expect(type.rawValue == vector.string("bgb", "request_type"))
        }
        if let sessionIDLength = vector.int("bgb", "session_id_length") {
            var body = message.body
            let sessionID: BGBSessionID
            if name.hasPrefix("http-continue-") && !name.contains("answer") {
                let request = try BGBContinueRequest(body: message.body)
                #expect(Int(request.keepAliveInterval) == vector.int("bgb", "keepalive_interval_s"))
                sessionID = request.sessionID
                try checkFrame(request.frame, vector: vector)
                let header = try BGBMessageHeader(bytes: request.frame.xmlHeader)
                #expect(String(buffer: request.frame.xmlHeader) == vector.string("bgb", "xml_header"))
                #expect(header.payloadSignature == vector.string("bgb", "payload_signature_b64"))
                #expect(header.sourceType == "SCCM")
                #expect(String(buffer: request.frame.payload) == vector.string("bgb", "payload_xml"))
                _ = try BGBMessage(frame: request.frame)
            } else if name.hasPrefix("http-continue-answer") {
                let answer = try BGBContinueAnswer(body: message.body)
                sessionID = answer.sessionID
                let frame = try #require(answer.frame)
                try checkFrame(frame, vector: vector)
                if let payload = vector.string("bgb", "payload_xml") {
                    #expect(String(buffer: frame.payload) == payload)
                }
                _ = try BGBMessage(frame: frame)
            } else {
                sessionID = try body.readBGBSessionID()
            }
            #expect(sessionID.bytes.count == sessionIDLength)
            #expect(sessionID.utf16LEText == vector.string("bgb", "session_id"))
        }
    }

    func checkFrame(_ frame: BGBFrame, vector: GoldenVector) throws {
        #expect(Int(frame.header.payloadSize) == vector.int("bgb", "frame", "payload_size"))
        #expect(Int(frame.header.headerSize) == vector.int("bgb", "frame", "header_size"))
        #expect(Int(frame.channel.rawValue) == vector.int("bgb", "frame", "channel"))
        var header = ByteBuffer()
        header.writeBGBFrameHeader(frame.header)
        #expect(header.readableBytesView.map { String(format: "%02x", $0) }.joined() == vector.string(
            "bgb", "frame_header_hex"))
    }

    static let sessionID = BGBSessionID(utf16LE: "{D027C89E-BF25-4771-990F-25198409F599}")
    static let host = "127.0.0.1:58363"

    @Test("LogIn, LogOut and their answers re-encode byte for byte")
    func reencodesLogInAndLogOut() {
        #expect(Array(BGBHTTPMessages.logIn(host: Self.host).bytes.readableBytesView)
            == GoldenVectors.named("http-login").bytes)
        #expect(Array(BGBHTTPMessages.logInAnswer(BGBLogInAnswer(sessionID: Self.sessionID)).bytes.readableBytesView)
            == GoldenVectors.named("http-login-answer-200").bytes)
        #expect(Array(BGBHTTPMessages.logOut(BGBLogOutRequest(sessionID: Self.sessionID), host: Self.host).bytes
            .readableBytesView) == GoldenVectors.named("http-logout").bytes)
        #expect(Array(BGBHTTPMessages.logOutAnswer().bytes.readableBytesView)
            == GoldenVectors.named("http-logout-answer-200").bytes)
        #expect(Array(BGBHTTPMessages.continueAnswer(.idle(sessionID: Self.sessionID)).bytes.readableBytesView)
            == GoldenVectors.named("http-continue-answer-none").bytes)
    }

    @Test(
        "Continue requests re-encode byte for byte from their decoded values",
        arguments: ["http-continue-signin", "http-continue-keepalive", "http-continue-response"]
    )
    func reencodesContinue(name: String) throws {
        let vector = GoldenVectors.named(name)
        let parsed = try BGBContinueRequest(body: try HTTPMessage(parsing: ByteBuffer(bytes: vector.bytes)).body)
        let message = try BGBMessage(frame: parsed.frame)
        let header = try BGBMessageHeader(bytes: parsed.frame.xmlHeader)
        let rebuilt = BGBContinueRequest(
            keepAliveInterval: parsed.keepAliveInterval,
            sessionID: Self.sessionID,
            frame: BGBFrame(
                channel: message.channel,
                xmlHeader: BGBMessageHeader(sourceID: header.sourceID, payloadSignature: header.payloadSignature)
                    .buffer,
                payload: message.payload()
            )
        )
        #expect(rebuilt.frame.xmlHeader.readableBytes == 549)
        let bytes = Array(BGBHTTPMessages.continue(rebuilt, host: Self.host).bytes.readableBytesView)
        #expect(bytes == vector.bytes)
    }

    @Test(
        "280 answers re-encode byte for byte",
        arguments: ["http-continue-answer-signinconfirm", "http-continue-answer-request"]
    )
    func reencodesAnswers(name: String) throws {
        let vector = GoldenVectors.named(name)
        let parsed = try BGBContinueAnswer(body: try HTTPMessage(parsing: ByteBuffer(bytes: vector.bytes)).body)
        let message = try BGBMessage(frame: try #require(parsed.frame))
        let rebuilt = BGBContinueAnswer(sessionID: Self.sessionID, frame: message.frame())
        #expect(Array(BGBHTTPMessages.continueAnswer(rebuilt).bytes.readableBytesView) == vector.bytes)
    }
}
