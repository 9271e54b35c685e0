import BGBProtocol
import Foundation
import NIOCore

@testable import MPSimulator

/// BGB over the HTTP fallback, built from BGBProtocol's bodies and builders.
struct HTTPBGB: Sendable {
    let identity: TestIdentity
    let host: String
    var keepAliveInterval: UInt32 = 900

    init(identity: TestIdentity, address: SocketAddress, keepAliveInterval: UInt32 = 900) {
        self.identity = identity
        self.host = httpHostHeader(host: "127.0.0.1", port: address.port ?? 80, tls: false)
        self.keepAliveInterval = keepAliveInterval
    }

    func logIn(on client: TestHTTPClient) async throws -> BGBSessionID {
        try await client.send(BGBHTTPMessages.logIn(host: host))
        let response = try await client.readResponse()
        guard response.status == 200 else { throw TestFailure("LogIn answered \(response.status)") }
        return try BGBLogInAnswer(body: response.body).sessionID
    }

    /// A signed Continue carrying `message`.
    func continueMessage(_ message: BGBMessage, sessionID: BGBSessionID, signature: String? = nil) throws -> HTTPMessage {
        let payload = message.payload()
        let header = BGBMessageHeader(
            sourceID: identity.smsID,
            payloadSignature: try signature ?? identity.payloadSignature(Array(payload.readableBytesView))
        )
        let frame = BGBFrame(channel: message.channel, xmlHeader: header.buffer, payload: payload)
        return BGBHTTPMessages.continue(
            BGBContinueRequest(keepAliveInterval: keepAliveInterval, sessionID: sessionID, frame: frame),
            host: host
        )
    }

    func signInMessage() -> BGBMessage {
        .signIn(BGBSignIn(timeStamp: .now(.utcTrimmedFraction), clientID: identity.smsID))
    }

    func keepAliveMessage() -> BGBMessage {
        .keepAlive(BGBKeepAlive(timeStamp: .now(.utcTrimmedFraction), clientID: identity.smsID))
    }

    /// Sends a Continue and reads its answer.
    func send(_ message: BGBMessage, sessionID: BGBSessionID, on client: TestHTTPClient) async throws -> TestHTTPClient.Response {
        try await client.send(continueMessage(message, sessionID: sessionID))
        return try await client.readResponse()
    }

    /// LogIn + Continue[SignIn] → 280 SignInConfirm.
    func signIn(on client: TestHTTPClient) async throws -> BGBSessionID {
        let id = try await logIn(on: client)
        let answer = try await send(signInMessage(), sessionID: id, on: client)
        guard answer.status == 280, case .signInConfirm = try Self.message(answer) else {
            throw TestFailure("SignIn answered \(answer.status)")
        }
        return id
    }

    /// The BGB message in a 280 answer (nil for the empty idle frame's channel 7).
    static func message(_ response: TestHTTPClient.Response) throws -> BGBMessage {
        let answer = try BGBContinueAnswer(body: response.body)
        guard let frame = answer.frame else { throw TestFailure("280 without a frame") }
        return try BGBMessage(frame: frame)
    }

    static func isIdleAnswer(_ response: TestHTTPClient.Response) -> Bool {
        guard response.status == 280, let answer = try? BGBContinueAnswer(body: response.body),
            let frame = answer.frame
        else { return false }
        return frame.channel == .none && frame.payload.readableBytes == 0
    }
}
