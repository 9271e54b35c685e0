import BGBProtocol
import CCMMessaging
import Foundation
import NIOCore
import TestSupport
import Testing

@testable import MPSimulator

/// The SDK's own bytes (golden vectors) replayed against the simulator.
@Suite("SDK vectors replayed")
struct VectorReplayTests {
    static let vectorSMSID = try! SMSID("GUID:ED8C13AF-496B-4188-8633-DBA3120DA6EC")

    /// The SMS certificate of the vectors' identity (inside `registration-request`).
    static func vectorCertificate() throws -> [UInt8] {
        let message = try HTTPMessage(parsing: ByteBuffer(bytes: GoldenVectors.named("registration-request").bytes))
        let body = try CCMMessageBody(decoding: Array(message.body.readableBytesView), contentType: message.header("Content-Type")!)
        return try ClientRegistrationRequest(xml: body.payloadXML).signingCertificate
    }

    @Test("tcp-signin, tcp-keepalive and tcp-response are accepted over TLS")
    func tcpVectors() async throws {
        try await Fixture.with { fixture in
            let client = try await fixture.connectTCP(try TestIdentity.p256())
            try await client.sendRaw(GoldenVectors.named("tcp-signin").bytes)
            guard case .signInConfirm = try await client.nextMessage() else {
                Issue.record("expected SignInConfirm")
                return
            }
            try await client.sendRaw(GoldenVectors.named("tcp-keepalive").bytes)
            try await client.sendRaw(GoldenVectors.named("tcp-response").bytes)
            #expect(await eventually {
                let counters = fixture.simulator.counters()
                return counters.keepAlives == 1 && counters.responsesUnmatched == 1
            })
            let counters = fixture.simulator.counters()
            #expect(counters.signInsTCP == 1)
            #expect(counters.protocolErrors.isEmpty)
            #expect(counters.sessionsOnlineTCP == 1)
            #expect(fixture.simulator.clientStatus().first?.smsID == Self.vectorSMSID)
            await client.close()
        }
    }

    /// A Continue vector with its session id replaced by the simulator's (frame and signature kept).
    static func replay(_ name: String, sessionID: BGBSessionID) throws -> HTTPMessage {
        var message = try HTTPMessage(parsing: ByteBuffer(bytes: GoldenVectors.named(name).bytes))
        var body = ByteBuffer()
        if name == "http-logout" {
            BGBLogOutRequest(sessionID: sessionID).write(into: &body)
        } else {
            var request = try BGBContinueRequest(body: message.body)
            request.sessionID = sessionID
            request.write(into: &body)
        }
        #expect(body.readableBytes == message.body.readableBytes)
        message.body = body
        return message
    }

    @Test("http-login, http-continue-signin/-keepalive/-response and http-logout are accepted, signatures verified")
    func httpVectors() async throws {
        try await Fixture.with({ $0.signatureVerification = .enforce }) { fixture in
            fixture.simulator.registerClient(smsID: Self.vectorSMSID, certificateDER: try Self.vectorCertificate())
            let client = try await fixture.connectHTTP()
            try await client.send(ByteBuffer(bytes: GoldenVectors.named("http-login").bytes))
            let logIn = try await client.readResponse()
            #expect(logIn.status == 200)
            let sessionID = try BGBLogInAnswer(body: logIn.body).sessionID

            try await client.send(try Self.replay("http-continue-signin", sessionID: sessionID))
            let confirm = try await client.readResponse()
            #expect(confirm.status == 280)
            #expect(confirm.sawContinue)
            guard case .signInConfirm = try HTTPBGB.message(confirm) else {
                Issue.record("expected SignInConfirm")
                return
            }

            try await client.send(try Self.replay("http-continue-keepalive", sessionID: sessionID))
            #expect(await client.isSilent(for: .milliseconds(200)))
            let operation = try fixture.simulator.initiateClientOperation(type: 8)
            guard case .request = try HTTPBGB.message(try await client.readResponse()) else {
                Issue.record("expected the Request")
                return
            }
            #expect(fixture.simulator.operationStatus(id: operation)?.writtenClients == 1)

            try await client.send(try Self.replay("http-continue-response", sessionID: sessionID))
            #expect(await client.isSilent(for: .milliseconds(200)))

            let closer = try await fixture.connectHTTP()
            try await closer.send(try Self.replay("http-logout", sessionID: sessionID))
            #expect(try await closer.readResponse().status == 200)
            #expect(HTTPBGB.isIdleAnswer(try await client.readResponse()))

            let counters = fixture.simulator.counters()
            #expect(counters.signaturesVerified == 3)
            #expect(counters.signaturesInvalid == 0)
            #expect(counters.keepAlives == 1)
            // The vector answers PushID 1 / TaskID 1; the simulator's TaskIDs start at 1001.
            #expect(counters.responsesUnmatched == 1)
            #expect(counters.signInsHTTP == 1)
            #expect(counters.httpLogOuts == 1)
            await client.close()
            await closer.close()
        }
    }
}
