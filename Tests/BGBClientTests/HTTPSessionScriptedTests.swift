import BGBClient
import BGBProtocol
import Crypto
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import TestSupport
import Testing

/// The scripted tests record with HTTPSessionTests' recorder.
typealias HTTPSessionRecorder = HTTPEventRecorder

/// The BGB HTTP session against a scripted server: the edge cases of spec §10 items 3, 4, 5, 6, 17.
@Suite("HTTP session against a scripted endpoint")
struct HTTPSessionScriptedTests {
    static let sessionID = BGBSessionID(utf16LE: "{00000000-0000-0000-0000-0000000000AA}")

    /// What a Continue carries.
    static func channel(of request: HTTPMessage) -> BGBChannel? {
        (try? BGBContinueRequest(body: request.body))?.frame.channel
    }

    static func type(of request: HTTPMessage) -> BGBHTTPRequestType? {
        request.target.flatMap(BGBHTTPRequestType.init(target:))
    }

    static let logInAnswer = BGBHTTPMessages.logInAnswer(BGBLogInAnswer(sessionID: sessionID))
    static let confirm = BGBHTTPMessages.continueAnswer(
        BGBContinueAnswer(sessionID: sessionID, frame: BGBMessage.signInConfirm(BGBSignInConfirm(timeStamp: .now(.utcWholeSeconds))).frame())
    )

    /// Starts a session on one loop of the singleton group against `server`.
    static func startSession(
        _ server: HTTPScriptedServer,
        recorder: HTTPSessionRecorder,
        http: BGBHTTPSessionConfiguration
    ) async throws -> NIOLoopBound<BGBHTTPSession> {
        try await HTTPSessionTests.startSession(
            smsID: .random(),
            signer: BGBPayloadSigner(p256: P256.Signing.PrivateKey()),
            address: server.address,
            http: http,
            recorder: recorder
        )
    }

    @Test("interim 100 Continue skipped, a 280 without a frame tolerated (counted) and the session re-polls")
    func noFrameThen200() async throws {
        let server = try await HTTPScriptedServer.start { request, _ in
            switch (Self.type(of: request), Self.channel(of: request)) {
            case (.logIn, _): return .respond(Self.logInAnswer)
            case (.continue, .signIn): return .respond(Self.confirm)
            case (.continue, _):
                // The session id and no frame ("Read 0 bytes. Expected 14 bytes!" for the SDK).
                return .respond(
                    HTTPMessage(startLine: "HTTP/1.1 280 BGB-Continue", headers: [("Content-Length", "80")], body: {
                        var body = ByteBuffer()
                        body.writeBGBSessionID(Self.sessionID)
                        return body
                    }())
                )
            default: return .respond(BGBHTTPMessages.logOutAnswer())
            }
        }
        defer { Task { await server.shutdown() } }
        let recorder = HTTPSessionRecorder()
        _ = try await Self.startSession(server, recorder: recorder, http: .init(minimumPollDelay: .milliseconds(20)))
        // The no-frame answer is quick and empty: the session re-polls after the minimum delay.
        #expect(await eventually { server.count(.continue) >= 3 })
        let events = recorder.snapshot
        #expect(events.signIns == [true])
        #expect(events.closed.isEmpty)
        #expect(events.anomalies.contains(.undecodableMessage(.none, "280 answer without a frame")))
        await server.shutdown()
    }

    @Test("200 answering a Continue ends the session with that status and sends no LogOut")
    func okEndsSession() async throws {
        let server = try await HTTPScriptedServer.start { request, _ in
            switch (Self.type(of: request), Self.channel(of: request)) {
            case (.logIn, _): return .respond(Self.logInAnswer)
            case (.continue, .signIn): return .respond(Self.confirm)
            case (.continue, _): return .respond(HTTPMessage(startLine: "HTTP/1.1 200 OK", headers: [("Content-Length", "0")]))
            default: return .respond(BGBHTTPMessages.logOutAnswer())
            }
        }
        defer { Task { await server.shutdown() } }
        let recorder = HTTPSessionRecorder()
        _ = try await Self.startSession(server, recorder: recorder, http: .init())
        #expect(await eventually { !recorder.snapshot.closed.isEmpty })
        #expect(recorder.snapshot.closed == [.httpStatus(200)])
        #expect(server.count(.logOut) == 0)
        #expect(server.count(.logIn) == 1)
    }

    @Test("990 logs in again at once; the fourth within 60 s ends the session with 990")
    func reLogInGuard() async throws {
        let server = try await HTTPScriptedServer.start { request, _ in
            switch (Self.type(of: request), Self.channel(of: request)) {
            case (.logIn, _): return .respond(Self.logInAnswer)
            case (.continue, .signIn): return .respond(Self.confirm)
            case (.continue, _): return .respond(BGBHTTPMessages.sessionEnded())
            default: return .respond(BGBHTTPMessages.logOutAnswer())
            }
        }
        defer { Task { await server.shutdown() } }
        let recorder = HTTPSessionRecorder()
        _ = try await Self.startSession(server, recorder: recorder, http: .init())
        #expect(await eventually { !recorder.snapshot.closed.isEmpty })
        let events = recorder.snapshot
        #expect(events.closed == [.httpStatus(990)])
        #expect(events.reLogIns == [1, 2, 3])
        #expect(events.signIns.count == 4)
        #expect(server.count(.logIn) == 4)
        #expect(server.count(.logOut) == 0)
    }

    @Test("answers after our own LogOut are ignored: a 990 releasing the held poll starts no re-login")
    func answersAfterLogOut() async throws {
        let server = try await HTTPScriptedServer.start { request, _ in
            switch (Self.type(of: request), Self.channel(of: request)) {
            case (.logIn, _): return .respond(Self.logInAnswer)
            case (.continue, .signIn): return .respond(Self.confirm)
            case (.continue, _): return .hold
            default: return .respond(BGBHTTPMessages.logOutAnswer())
            }
        }
        defer { Task { await server.shutdown() } }
        let recorder = HTTPSessionRecorder()
        let session = try await Self.startSession(server, recorder: recorder, http: .init())
        #expect(await eventually { server.count(.continue) == 2 && recorder.snapshot.signIns == [true] })
        try await session.eventLoop.submit { session.value.close() }.get()
        #expect(await eventually { server.count(.logOut) == 1 })
        // A zombie-making 990 for the poll still held (spec §10 item 6).
        server.answerHeld(BGBHTTPMessages.sessionEnded())
        #expect(await eventually { !recorder.snapshot.closed.isEmpty })
        try await Task.sleep(for: .milliseconds(100))
        let events = recorder.snapshot
        #expect(events.closed == [.local])
        #expect(events.reLogIns.isEmpty)
        #expect(server.count(.logIn) == 1)
        let logOut = try #require(server.requests.first { Self.type(of: $0) == .logOut })
        #expect(logOut.header("Connection") == "close")
        #expect(try BGBLogOutRequest(body: logOut.body).sessionID == Self.sessionID)
    }

    @Test("sdk poll mode does not re-poll after a quick idle answer; continuous does")
    func pollModes() async throws {
        for mode in BGBHTTPSessionConfiguration.PollMode.allCases {
            let server = try await HTTPScriptedServer.start { request, _ in
                switch (Self.type(of: request), Self.channel(of: request)) {
                case (.logIn, _): return .respond(Self.logInAnswer)
                case (.continue, .signIn): return .respond(Self.confirm)
                case (.continue, _): return .respond(BGBHTTPMessages.continueAnswer(.idle(sessionID: Self.sessionID)))
                default: return .respond(BGBHTTPMessages.logOutAnswer())
                }
            }
            let recorder = HTTPSessionRecorder()
            _ = try await Self.startSession(server, recorder: recorder, http: .init(pollMode: mode, minimumPollDelay: .milliseconds(20)))
            #expect(await eventually { server.count(.continue) >= 2 })
            if mode == .continuous {
                // 20, 40, 80 ms … : at least two re-polls come.
                #expect(await eventually { server.count(.continue) >= 4 })
            } else {
                try await Task.sleep(for: .milliseconds(300))
                #expect(server.count(.continue) == 2)
            }
            // The idle answer (PayloadSize 0, channel 7) is never an anomaly.
            #expect(recorder.snapshot.anomalies.isEmpty)
            #expect(recorder.snapshot.closed.isEmpty)
            await server.shutdown()
        }
    }
}
