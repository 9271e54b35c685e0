import BGBClient
import BGBProtocol
import NIOCore
import NIOEmbedded
import TestSupport
import Testing

/// Records what the handler reports.
final class RecordingDelegate: BGBSessionDelegate {
    var signedIn: [Bool] = []
    var pushes: [BGBRequest] = []
    var flushed: [BGBRequest] = []
    var anomalies: [BGBAnomaly] = []
    var closed: [BGBCloseReason] = []
    var keepAlives: [UInt64] = []
    var answer: ReturnCode? = .success

    func sessionDidSendSignIn(_ session: any BGBSession, atNanoseconds: UInt64) {}
    func sessionDidSignIn(_ session: any BGBSession, confirmed: Bool, atNanoseconds: UInt64) {
        signedIn.append(confirmed)
    }
    func session(_ session: any BGBSession, didReceive request: BGBRequest, atNanoseconds: UInt64) {
        pushes.append(request)
        if let answer { session.respond(to: request, returnCode: answer) }
    }
    func session(_ session: any BGBSession, didFlushResponseTo request: BGBRequest, atNanoseconds: UInt64) {
        flushed.append(request)
    }
    func session(_ session: any BGBSession, didSendKeepAliveLate latenessNanoseconds: UInt64) {
        keepAlives.append(latenessNanoseconds)
    }
    func session(_ session: any BGBSession, didSurvive anomaly: BGBAnomaly) { anomalies.append(anomaly) }
    func session(_ session: any BGBSession, didTransferBytesIn bytesIn: Int, out bytesOut: Int) {}
    func session(_ session: any BGBSession, didCloseWith reason: BGBCloseReason) { closed.append(reason) }
}

@Suite("Client channel handler on EmbeddedChannel")
struct ClientChannelHandlerTests {
    static func channel(_ delegate: RecordingDelegate) throws -> EmbeddedChannel {
        let configuration = BGBSessionConfiguration(
            smsID: try SMSID("GUID:ED8C13AF-496B-4188-8633-DBA3120DA6EC"),
            keepAliveIntervalNanoseconds: 3_000_000_000,
            timestamps: .sdk(localOffsetMinutes: 60)
        )
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(
            BGBClientChannelHandler(configuration: configuration, delegate: delegate, signInOnActive: true)
        )
        return channel
    }

    static func frames(_ buffer: ByteBuffer?) throws -> [BGBMessage] {
        guard let buffer else { return [] }
        return try BGBFrameParser().frames(in: buffer).map { try BGBMessage(frame: $0) }
    }

    @Test("SignIn, SignInConfirm → KeepAlive, Request → Response with the SDK's shape, EOF")
    func session() throws {
        let delegate = RecordingDelegate()
        let channel = try Self.channel(delegate)
        try channel.connect(to: .init(ipAddress: "127.0.0.1", port: 10123)).wait()
        let signIn = try Self.frames(try channel.readOutbound(as: ByteBuffer.self))
        guard case .signIn(let message) = signIn.first else {
            Issue.record("expected SignIn, got \(signIn)")
            return
        }
        #expect(message.clientID.rawValue == "GUID:ED8C13AF-496B-4188-8633-DBA3120DA6EC")
        #expect(message.clientVersion == .sdkDefault)

        try channel.writeInbound(ByteBuffer(bytes: GoldenVectors.named("tcp-signinconfirm").bytes))
        #expect(delegate.signedIn == [true])
        let keepAlive = try Self.frames(try channel.readOutbound(as: ByteBuffer.self))
        guard case .keepAlive = keepAlive.first else {
            Issue.record("expected KeepAlive, got \(keepAlive)")
            return
        }

        try channel.writeInbound(ByteBuffer(bytes: GoldenVectors.named("tcp-request").bytes))
        #expect(delegate.pushes.map(\.pushID) == [1])
        let responseBytes = try #require(try channel.readOutbound(as: ByteBuffer.self))
        guard case .response(let response) = try Self.frames(responseBytes).first else {
            Issue.record("expected Response")
            return
        }
        #expect(response.pushID == 1 && response.taskID == 1 && response.returnCode == .success)
        #expect(response.timeStamp.zone == .offset(minutes: 60))
        #expect(delegate.flushed.count == 1)

        // Keep-alives come from the timer on the loop.
        channel.embeddedEventLoop.advanceTime(by: .seconds(3))
        #expect(delegate.keepAlives.count == 2)
        guard case .keepAlive = try Self.frames(try channel.readOutbound(as: ByteBuffer.self)).first else {
            Issue.record("expected a timed KeepAlive")
            return
        }

        channel.pipeline.fireChannelInactive()
        #expect(delegate.closed == [.eof])
        _ = try? channel.finish()
    }

    @Test("a zero-length frame and an undecodable payload are survived; Disconnect closes")
    func anomalies() throws {
        let delegate = RecordingDelegate()
        let channel = try Self.channel(delegate)
        try channel.connect(to: .init(ipAddress: "127.0.0.1", port: 10123)).wait()
        _ = try channel.readOutbound(as: ByteBuffer.self)
        var empty = ByteBuffer()
        empty.writeBGBFrameHeader(BGBFrameHeader(payloadSize: 0, channel: .disconnect))
        try channel.writeInbound(empty)
        var garbage = ByteBuffer()
        BGBMessage.request(SessionStateMachineTests.request).frame().payload.readableBytesView.dropLast(3).withUnsafeBytes {
            _ = garbage.writeBGBFrame(BGBFrame(channel: .request, payload: ByteBuffer(bytes: $0)))
        }
        try channel.writeInbound(garbage)
        #expect(delegate.anomalies.count == 2)
        #expect(channel.isActive)
        var disconnect = ByteBuffer()
        BGBMessage.disconnect(timeStamp: .now(.utcWholeSeconds)).writeTCPFrame(into: &disconnect)
        try channel.writeInbound(disconnect)
        #expect(delegate.closed == [.disconnectReceived])
        #expect(!channel.isActive)
    }
}

@Suite("TLS handshake timeout")
struct HandshakeTimeoutTests {
    @Test("a server that accepts TCP but never completes TLS is closed with a TLS failure")
    func timesOut() throws {
        let delegate = RecordingDelegate()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(
            BGBClientChannelHandler(
                configuration: BGBSessionConfiguration(smsID: try SMSID("GUID:ED8C13AF-496B-4188-8633-DBA3120DA6EC")),
                delegate: delegate,
                handshakeTimeout: .seconds(5)
            )
        )
        try channel.connect(to: .init(ipAddress: "127.0.0.1", port: 10123)).wait()
        channel.embeddedEventLoop.advanceTime(by: .seconds(4))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(!channel.isActive)
        #expect(delegate.closed == [.tls("the handshake did not complete within 5 s")])
    }
}
