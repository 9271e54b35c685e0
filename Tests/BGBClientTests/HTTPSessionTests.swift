import BGBClient
import BGBProtocol
import FleetIdentity
import Foundation
import Logging
import MPSimulator
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import TestSupport
import Testing

/// Records an HTTP session's events (on its loop) for the test to read from any thread, and the
/// most connections the session held at any event.
final class HTTPEventRecorder: BGBSessionDelegate, BGBHTTPSessionObserver, @unchecked Sendable {
    struct Events {
        var signIns: [Bool] = []
        var pushes: [BGBRequest] = []
        var flushed: [BGBRequest] = []
        var anomalies: [BGBAnomaly] = []
        var closed: [BGBCloseReason] = []
        var reLogIns: [Int] = []
        var maximumConnections = 0
    }

    let events = NIOLockedValueBox(Events())
    var snapshot: Events { events.withLockedValue { $0 } }

    private func note(_ session: any BGBSession, _ update: (inout Events) -> Void = { _ in }) {
        let connections = (session as? BGBHTTPSession)?.connectionCount ?? 0
        events.withLockedValue {
            $0.maximumConnections = max($0.maximumConnections, connections)
            update(&$0)
        }
    }

    func sessionDidSendSignIn(_ session: any BGBSession, atNanoseconds: UInt64) { note(session) }
    func sessionDidSignIn(_ session: any BGBSession, confirmed: Bool, atNanoseconds: UInt64) {
        note(session) { $0.signIns.append(confirmed) }
    }
    func session(_ session: any BGBSession, didReceive request: BGBRequest, atNanoseconds: UInt64) {
        note(session) { $0.pushes.append(request) }
        session.respond(to: request, returnCode: .success)
    }
    func session(_ session: any BGBSession, didFlushResponseTo request: BGBRequest, atNanoseconds: UInt64) {
        note(session) { $0.flushed.append(request) }
    }
    func session(_ session: any BGBSession, didSendKeepAliveLate latenessNanoseconds: UInt64) { note(session) }
    func session(_ session: any BGBSession, didSurvive anomaly: BGBAnomaly) {
        note(session) { $0.anomalies.append(anomaly) }
    }
    func session(_ session: any BGBSession, didTransferBytesIn bytesIn: Int, out bytesOut: Int) { note(session) }
    func session(_ session: any BGBSession, didCloseWith reason: BGBCloseReason) {
        events.withLockedValue { $0.closed.append(reason) }
    }
    func sessionWillLogInAgain(_ session: BGBHTTPSession, count: Int) {
        note(session) { $0.reLogIns.append(count) }
    }
}

/// ``BGBHTTPSession`` against the in-process MP simulator's HTTP port (spec §4).
@Suite("HTTP long-poll session against the simulator")
struct HTTPSessionTests {
    /// TestSupport's `eventually` with this suite's 15 s limit.
    static func eventually(_ condition: () throws -> Bool) async rethrows -> Bool {
        try await TestSupport.eventually(timeout: .seconds(15), condition)
    }

    /// The simulator on ephemeral loopback ports (its RSA server certificate is made once per machine).
    static func startSimulator(
        _ configure: (inout MPSimulatorConfiguration) -> Void = { _ in }
    ) async throws -> (MPSimulator, MPSimulator.BoundAddresses) {
        var configuration = ephemeralSimulatorConfiguration(stateIn: "bgbfleet-engine-sim")
        configure(&configuration)
        return try await startQuietSimulator(configuration)
    }

    /// A pre-registered identity: its SMSID, certificate and signer.
    static func identity(_ keyType: IdentityKeyType, registeredWith simulator: MPSimulator) throws -> (SMSID, BGBPayloadSigner) {
        let certificate = try SMSCertificate.generate(keyType: keyType)
        let smsID = SMSID.random()
        simulator.registerClient(smsID: smsID, certificateDER: certificate.certificateDER)
        return (smsID, try BGBPayloadSigner(privateKeyDER: certificate.privateKeyDER))
    }

    static func startSession(
        smsID: SMSID,
        signer: BGBPayloadSigner,
        address: SocketAddress,
        http: BGBHTTPSessionConfiguration = .init(),
        recorder: HTTPEventRecorder
    ) async throws -> NIOLoopBound<BGBHTTPSession> {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        return try await loop.flatSubmit {
            let session = BGBHTTPSession(
                configuration: BGBSessionConfiguration(smsID: smsID, keepAliveIntervalNanoseconds: 60_000_000_000),
                http: http,
                signer: signer,
                endpoint: BGBConnector.Endpoint(address: address, hostname: "127.0.0.1"),
                eventLoop: loop,
                delegate: recorder
            )
            let bound = NIOLoopBound(session, eventLoop: loop)
            return session.start().map { bound }
        }.get()
    }

    @Test("RSA: LogIn, SignIn, held poll, push answered (the operation completes), LogOut on close; signatures verify")
    func fullSession() async throws {
        let (simulator, addresses) = try await Self.startSimulator { $0.signatureVerification = .enforce }
        let (smsID, signer) = try Self.identity(.rsa2048, registeredWith: simulator)
        #expect(signer.isRSA)
        let recorder = HTTPEventRecorder()
        let session = try await Self.startSession(smsID: smsID, signer: signer, address: addresses.http!, recorder: recorder)

        #expect(await Self.eventually { recorder.snapshot.signIns == [true] })
        // The first KeepAlive is the poll, held by the MP.
        #expect(await Self.eventually { simulator.counters().httpPollsHeld >= 1 && simulator.counters().sessionsOnlineHTTP == 1 })
        #expect(simulator.clientStatus().first { $0.smsID == smsID }?.channelType == .http)

        let operation = try simulator.initiateClientOperation(type: 8)
        #expect(await Self.eventually { simulator.operationStatus(id: operation)?.completedClients == 1 })
        #expect(recorder.snapshot.pushes.count == 1)
        #expect(await Self.eventually { recorder.snapshot.flushed.count == 1 })

        try await session.eventLoop.submit { session.value.close() }.get()
        #expect(await Self.eventually { recorder.snapshot.closed == [.local] })
        #expect(await Self.eventually { simulator.counters().sessionsOnlineHTTP == 0 })
        let counters = simulator.counters()
        #expect(counters.httpLogIns == 1)
        #expect(counters.httpLogOuts == 1)
        #expect(counters.closes(.httpLogOut) == 1)
        #expect(counters.signInsHTTP == 1)
        #expect(counters.responsesMatched == 1)
        #expect(counters.signaturesVerified >= 3)  // SignIn, KeepAlive, Response
        #expect(counters.signaturesInvalid == 0)
        #expect(counters.signaturesMissing == 0)
        let events = recorder.snapshot
        #expect(events.anomalies.isEmpty)
        #expect((1...2).contains(events.maximumConnections))
        try await simulator.shutdown()
    }

    @Test("idle answers (hold expiry) are tolerated: the session re-polls and still receives a push")
    func idleAnswers() async throws {
        let (simulator, addresses) = try await Self.startSimulator { $0.httpHold = .milliseconds(150) }
        let (smsID, signer) = try Self.identity(.p256, registeredWith: simulator)
        let recorder = HTTPEventRecorder()
        let session = try await Self.startSession(
            smsID: smsID,
            signer: signer,
            address: addresses.http!,
            http: .init(minimumPollDelay: .milliseconds(50)),
            recorder: recorder
        )
        #expect(await Self.eventually { simulator.counters().httpIdleAnswers >= 3 })
        let operation = try simulator.initiateClientOperation(type: 8)
        #expect(await Self.eventually { simulator.operationStatus(id: operation)?.completedClients == 1 })
        let events = recorder.snapshot
        #expect(events.closed.isEmpty)
        #expect(events.anomalies.isEmpty)
        #expect(events.signIns == [true])
        #expect(simulator.counters().signaturesVerified >= 3)  // P-256, verified by the simulator only
        try await session.eventLoop.submit { session.value.close() }.get()
        #expect(await Self.eventually { recorder.snapshot.closed == [.local] })
        try await simulator.shutdown()
    }

    @Test("990 after the simulator forgets the session: the session logs in again at once and answers pushes")
    func reLogIn() async throws {
        let (simulator, addresses) = try await Self.startSimulator()
        let (smsID, signer) = try Self.identity(.p256, registeredWith: simulator)
        let recorder = HTTPEventRecorder()
        let session = try await Self.startSession(smsID: smsID, signer: signer, address: addresses.http!, recorder: recorder)
        #expect(await Self.eventually { simulator.counters().httpPollsHeld >= 1 && recorder.snapshot.signIns.count == 1 })

        #expect(simulator.closeSessions(fraction: 1, channelType: .http) == 1)
        #expect(await Self.eventually { recorder.snapshot.reLogIns == [1] && recorder.snapshot.signIns.count == 2 })
        #expect(await Self.eventually { simulator.counters().sessionsOnlineHTTP == 1 })
        let counters = simulator.counters()
        #expect(counters.httpLogIns == 2)
        #expect(counters.signInsHTTP == 2)
        #expect(counters.httpSessionEndedAnswers >= 1)

        let operation = try simulator.initiateClientOperation(type: 8)
        #expect(await Self.eventually { simulator.operationStatus(id: operation)?.completedClients == 1 })
        #expect(recorder.snapshot.closed.isEmpty)
        try await session.eventLoop.submit { session.value.close() }.get()
        #expect(await Self.eventually { recorder.snapshot.closed == [.local] })
        try await simulator.shutdown()
    }

    @Test("HTTPS: the same session over TLS with the identity's client certificate")
    func https() async throws {
        let (simulator, addresses) = try await Self.startSimulator { $0.httpTLS = true }
        let certificate = try SMSCertificate.generate(keyType: .p256)
        let smsID = SMSID.random()
        simulator.registerClient(smsID: smsID, certificateDER: certificate.certificateDER)
        let credentials = try BGBClientCredentials(smsID: smsID, certificateDER: certificate.certificateDER, privateKeyDER: certificate.privateKeyDER)
        let options = BGBTLSOptions()
        let tls = HTTPClientTLS(context: try options.makeContext(credentials: credentials), options: options)
        let signer = try BGBPayloadSigner(privateKeyDER: certificate.privateKeyDER)
        let recorder = HTTPEventRecorder()
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let address = addresses.http!
        let session = try await loop.flatSubmit {
            let session = BGBHTTPSession(
                configuration: BGBSessionConfiguration(smsID: smsID),
                signer: signer,
                endpoint: BGBConnector.Endpoint(address: address, hostname: "127.0.0.1"),
                tls: tls,
                eventLoop: loop,
                delegate: recorder
            )
            let bound = NIOLoopBound(session, eventLoop: loop)
            return session.start().map { bound }
        }.get()
        #expect(await Self.eventually { recorder.snapshot.signIns == [true] && simulator.counters().httpPollsHeld >= 1 })
        let operation = try simulator.initiateClientOperation(type: 8)
        #expect(await Self.eventually { simulator.operationStatus(id: operation)?.completedClients == 1 })
        try await session.eventLoop.submit { session.value.close() }.get()
        #expect(await Self.eventually { recorder.snapshot.closed == [.local] })
        #expect(simulator.counters().httpLogOuts == 1)
        try await simulator.shutdown()
    }

    @Test("a refused HTTP port fails start() with the connect error and reports nothing to the delegate")
    func refused() async throws {
        let (simulator, addresses) = try await Self.startSimulator()
        try await simulator.shutdown()
        let recorder = HTTPEventRecorder()
        await #expect(throws: (any Error).self) {
            _ = try await Self.startSession(smsID: .random(), signer: BGBPayloadSigner(p256: .init()), address: addresses.http!, recorder: recorder)
        }
        #expect(recorder.snapshot.closed.isEmpty)
    }
}
