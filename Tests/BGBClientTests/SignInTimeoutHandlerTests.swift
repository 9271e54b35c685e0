import BGBClient
import BGBProtocol
import NIOCore
import NIOEmbedded
import Testing

/// A server that never sends SignInConfirm, on EmbeddedChannel: with `strictSignIn` (what the
/// fleet uses) the session closes with `.signInTimeout` when the wait ends and never counts as
/// signed in; without it (the SDK's behaviour) it goes online unconfirmed.
@Suite("SignIn timeout on EmbeddedChannel")
struct SignInTimeoutHandlerTests {
    static func channel(_ delegate: RecordingDelegate, strict: Bool) throws -> EmbeddedChannel {
        let configuration = BGBSessionConfiguration(
            smsID: try SMSID("GUID:ED8C13AF-496B-4188-8633-DBA3120DA6EC"),
            keepAliveIntervalNanoseconds: 60_000_000_000,
            signInTimeoutNanoseconds: 5_000_000_000,
            strictSignIn: strict
        )
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(
            BGBClientChannelHandler(configuration: configuration, delegate: delegate, signInOnActive: true)
        )
        try channel.connect(to: .init(ipAddress: "127.0.0.1", port: 10123)).wait()
        _ = try channel.readOutbound(as: ByteBuffer.self)  // the SignIn
        return channel
    }

    @Test("strict: no SignInConfirm within the wait closes the session with signInTimeout")
    func strict() throws {
        let delegate = RecordingDelegate()
        let channel = try Self.channel(delegate, strict: true)
        channel.embeddedEventLoop.advanceTime(by: .seconds(4))
        #expect(delegate.closed.isEmpty)
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(delegate.closed == [.signInTimeout])
        #expect(delegate.signedIn.isEmpty)
        #expect(!channel.isActive)
    }

    @Test("lenient (the SDK): the session goes online unconfirmed and stays open")
    func lenient() throws {
        let delegate = RecordingDelegate()
        let channel = try Self.channel(delegate, strict: false)
        channel.embeddedEventLoop.advanceTime(by: .seconds(5))
        #expect(delegate.signedIn == [false])
        #expect(delegate.closed.isEmpty)
        #expect(channel.isActive)
        _ = try? channel.finish()
    }
}
