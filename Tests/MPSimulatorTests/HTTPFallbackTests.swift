import BGBProtocol
import Foundation
import NIOCore
import TestSupport
import Testing

@testable import MPSimulator

@Suite("HTTP long-poll fallback")
struct HTTPFallbackTests {
    @Test("LogIn, SignIn, held KeepAlive, push, Response, LogOut (held poll idle), then 990")
    func fullSession() async throws {
        try await Fixture.with({ $0.signatureVerification = .enforce }) { fixture in
            let identity = try TestIdentity.rsa()
            fixture.simulator.registerClient(smsID: identity.smsID, certificateDER: identity.certificateDER)
            let bgb = HTTPBGB(identity: identity, address: fixture.addresses.http!)
            let poller = try await fixture.connectHTTP()

            let id = try await bgb.logIn(on: poller)
            #expect(id.bytes.count == 76)
            #expect(id.utf16LEText.map { GUIDText.canonical($0) != nil } == true)

            let confirm = try await bgb.send(bgb.signInMessage(), sessionID: id, on: poller)
            #expect(confirm.status == 280)
            #expect(confirm.sawContinue)
            let answer = try BGBContinueAnswer(body: confirm.body)
            #expect(answer.sessionID == id)
            #expect(answer.frame?.header.headerSize == 0)
            guard case .signInConfirm(let signInConfirm) = try HTTPBGB.message(confirm) else {
                Issue.record("expected SignInConfirm")
                return
            }
            #expect(signInConfirm.messageVersion == "1.0")

            // The KeepAlive is held as a long poll …
            try await poller.send(bgb.continueMessage(bgb.keepAliveMessage(), sessionID: id))
            #expect(await poller.isSilent(for: .milliseconds(300)))
            #expect(fixture.simulator.clientStatus().first?.channelType == .http)
            // … and answered with the push.
            let operation = try fixture.simulator.initiateClientOperation(type: 8)
            let pushed = try await poller.readResponse()
            #expect(pushed.status == 280)
            guard case .request(let request) = try HTTPBGB.message(pushed) else {
                Issue.record("expected the Request")
                return
            }
            // The Response is also the next poll: held.
            let response = BGBMessage.response(BGBResponse(answering: request, timeStamp: .now(.utcWholeSeconds)))
            try await poller.send(bgb.continueMessage(response, sessionID: id))
            #expect(await poller.isSilent(for: .milliseconds(200)))
            #expect(await eventually { fixture.simulator.operationStatus(id: operation)?.completedClients == 1 })

            // LogOut on another connection: 200; the held poll gets the idle answer, never 990.
            let closer = try await fixture.connectHTTP()
            try await closer.send(BGBHTTPMessages.logOut(BGBLogOutRequest(sessionID: id), host: bgb.host))
            let logOut = try await closer.readResponse()
            #expect(logOut.status == 200)
            #expect(logOut.sawContinue)
            #expect(await closer.waitForClose())
            let released = try await poller.readResponse()
            #expect(HTTPBGB.isIdleAnswer(released))

            // The session is gone: 990, on the same keep-alive connection.
            let ended = try await bgb.send(bgb.keepAliveMessage(), sessionID: id, on: poller)
            #expect(ended.status == 990)

            let counters = fixture.simulator.counters()
            #expect(counters.signInsHTTP == 1)
            #expect(counters.httpLogIns == 1)
            #expect(counters.httpLogOuts == 1)
            #expect(counters.signaturesVerified == 3)
            #expect(counters.signaturesInvalid == 0)
            #expect(counters.responsesMatched == 1)
            #expect(counters.sessionsOnlineHTTP == 0)
            #expect(counters.closes(.httpLogOut) == 1)
            #expect(fixture.simulator.rttSnapshot().totalCount == 1)
            await poller.close()
        }
    }

    @Test("the fallback over HTTPS (httpTLS), client certificate optional")
    func https() async throws {
        try await Fixture.with({
            $0.httpTLS = true
            $0.clientCertificate = .optional
        }) { fixture in
            let bgb = HTTPBGB(identity: try TestIdentity.p256(), address: fixture.addresses.http!)
            let client = try await TestHTTPClient.connect(to: fixture.addresses.http!, tls: true)
            let id = try await bgb.signIn(on: client)
            #expect(id.bytes.count == 76)
            #expect(fixture.simulator.counters().signInsHTTP == 1)
            await client.close()
        }
    }

    @Test("an unknown session id is answered 990")
    func unknownSession() async throws {
        try await Fixture.with { fixture in
            let bgb = HTTPBGB(identity: try TestIdentity.p256(), address: fixture.addresses.http!)
            let client = try await fixture.connectHTTP()
            let answer = try await bgb.send(bgb.keepAliveMessage(), sessionID: .random(), on: client)
            #expect(answer.status == 990)
            #expect(fixture.simulator.counters().protocolErrors(.unknownHTTPSession) == 1)
            await client.close()
        }
    }

    @Test("a held poll gets the idle answer after httpHold")
    func holdExpiry() async throws {
        try await Fixture.with({ $0.httpHold = .milliseconds(300) }) { fixture in
            let bgb = HTTPBGB(identity: try TestIdentity.p256(), address: fixture.addresses.http!)
            let client = try await fixture.connectHTTP()
            let id = try await bgb.signIn(on: client)
            let answer = try await bgb.send(bgb.keepAliveMessage(), sessionID: id, on: client)
            #expect(HTTPBGB.isIdleAnswer(answer))
            #expect(fixture.simulator.counters().sessionsOnlineHTTP == 1)
            await client.close()
        }
    }

    @Test("newest poll wins; a push waiting in the queue is answered at the next poll")
    func newestPollWinsAndQueue() async throws {
        try await Fixture.with { fixture in
            let bgb = HTTPBGB(identity: try TestIdentity.p256(), address: fixture.addresses.http!)
            let first = try await fixture.connectHTTP()
            let second = try await fixture.connectHTTP()
            let id = try await bgb.signIn(on: first)

            try await first.send(bgb.continueMessage(bgb.keepAliveMessage(), sessionID: id))
            #expect(await first.isSilent(for: .milliseconds(200)))
            try await second.send(bgb.continueMessage(bgb.keepAliveMessage(), sessionID: id))
            #expect(HTTPBGB.isIdleAnswer(try await first.readResponse()))
            let operation = try fixture.simulator.initiateClientOperation(type: 8)
            guard case .request(let request) = try HTTPBGB.message(try await second.readResponse()) else {
                Issue.record("expected the Request on the newest poll")
                return
            }
            // No poll held now: the next push is queued and answers the next Continue at once.
            let response = BGBMessage.response(BGBResponse(answering: request, timeStamp: .now(.utcWholeSeconds)))
            let queuedOperation = try fixture.simulator.initiateClientOperation(type: 8)
            #expect(await eventually { fixture.simulator.counters().pushesQueued == 1 })
            let answer = try await bgb.send(response, sessionID: id, on: first)
            guard case .request(let queued) = try HTTPBGB.message(answer) else {
                Issue.record("expected the queued Request")
                return
            }
            #expect(queued.pushID != request.pushID)
            // Recorded when the simulator's write completes, which may be after the client read it.
            #expect(await eventually { fixture.simulator.httpQueueWaitSnapshot().totalCount == 1 })
            #expect(await eventually { fixture.simulator.operationStatus(id: operation)?.completedClients == 1 })
            #expect(await eventually { fixture.simulator.operationStatus(id: queuedOperation)?.writtenClients == 1 })
            await first.close()
            await second.close()
        }
    }

    @Test("a full HTTP queue fails the push")
    func queueOverflow() async throws {
        try await Fixture.with({ $0.httpQueueLimit = 1 }) { fixture in
            let bgb = HTTPBGB(identity: try TestIdentity.p256(), address: fixture.addresses.http!)
            let client = try await fixture.connectHTTP()
            _ = try await bgb.signIn(on: client)
            let queued = try fixture.simulator.initiateClientOperation(type: 8)
            let overflowing = try fixture.simulator.initiateClientOperation(type: 8)
            #expect(fixture.simulator.operationStatus(id: queued)?.unknownClients == 1)
            let status = try #require(fixture.simulator.operationStatus(id: overflowing))
            #expect(status.failedClients == 1)
            #expect(status.state == .failed)
            await client.close()
        }
    }

    @Test("an HTTP session without Continues expires")
    func idleExpiry() async throws {
        // Long enough that LogIn → SignIn fits on a loaded CI machine, short enough to wait out.
        try await Fixture.with({ $0.httpMinimumIdle = .seconds(3) }) { fixture in
            var bgb = HTTPBGB(identity: try TestIdentity.p256(), address: fixture.addresses.http!)
            bgb.keepAliveInterval = 0
            let client = try await fixture.connectHTTP()
            let id = try await bgb.signIn(on: client)
            #expect(await eventually(timeout: .seconds(15)) { fixture.simulator.counters().httpSessionsExpired == 1 })
            #expect(fixture.simulator.counters().sessionsOnlineHTTP == 0)
            #expect(try await bgb.send(bgb.keepAliveMessage(), sessionID: id, on: client).status == 990)
            await client.close()
        }
    }

    @Test("enforced PayloadSignature: a bad signature is answered 403 and ends the session")
    func badSignatureEnforced() async throws {
        try await Fixture.with({ $0.signatureVerification = .enforce }) { fixture in
            let identity = try TestIdentity.rsa()
            fixture.simulator.registerClient(smsID: identity.smsID, certificateDER: identity.certificateDER)
            let bgb = HTTPBGB(identity: identity, address: fixture.addresses.http!)
            let client = try await fixture.connectHTTP()
            let id = try await bgb.signIn(on: client)
            let forged = try bgb.continueMessage(bgb.keepAliveMessage(), sessionID: id, signature: Data(repeating: 7, count: 256).base64EncodedString())
            try await client.send(forged)
            #expect(try await client.readResponse().status == 403)
            #expect(fixture.simulator.counters().signaturesInvalid == 1)
            #expect(fixture.simulator.counters().sessionsOnlineHTTP == 0)
            await client.close()
        }
    }

    @Test("under signatureVerification log a bad signature is counted and accepted")
    func badSignatureLogged() async throws {
        try await Fixture.with { fixture in
            let identity = try TestIdentity.p256()
            fixture.simulator.registerClient(smsID: identity.smsID, certificateDER: identity.certificateDER)
            let bgb = HTTPBGB(identity: identity, address: fixture.addresses.http!)
            let client = try await fixture.connectHTTP()
            let id = try await bgb.logIn(on: client)
            let forged = try bgb.continueMessage(bgb.signInMessage(), sessionID: id, signature: "AAAA")
            try await client.send(forged)
            #expect(try await client.readResponse().status == 280)
            #expect(fixture.simulator.counters().signaturesInvalid == 1)
            // A good P-256 signature verifies.
            _ = try await bgb.send(bgb.signInMessage(), sessionID: id, on: client)
            #expect(fixture.simulator.counters().signaturesVerified == 1)
            await client.close()
        }
    }
}
