import BGBClient
import BGBProtocol
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import TestSupport
import Testing

@Suite("Keep-alive timers shared by the sessions of one event loop")
struct KeepAliveTimersTests {
    /// A signed-in session on `loop` whose keep-alives `timers` run; its first KeepAlive read.
    static func session(
        _ number: Int,
        loop: EmbeddedEventLoop,
        timers: BGBKeepAliveTimers,
        phase: UInt64 = 0
    ) throws -> (EmbeddedChannel, RecordingDelegate) {
        let configuration = BGBSessionConfiguration(
            smsID: try SMSID("GUID:ED8C13AF-496B-4188-8633-DBA3120DA6E\(number)"),
            keepAliveIntervalNanoseconds: 3_000_000_000,
            keepAlivePhaseNanoseconds: phase,
            timestamps: .sdk(localOffsetMinutes: 60)
        )
        let delegate = RecordingDelegate()
        let channel = EmbeddedChannel(loop: loop)
        try channel.pipeline.syncOperations.addHandler(
            BGBClientChannelHandler(configuration: configuration, delegate: delegate, signInOnActive: true, keepAliveTimers: timers)
        )
        try channel.connect(to: .init(ipAddress: "127.0.0.1", port: 10123)).wait()
        _ = try channel.readOutbound(as: ByteBuffer.self)  // SignIn
        try channel.writeInbound(ByteBuffer(bytes: GoldenVectors.named("tcp-signinconfirm").bytes))
        #expect(delegate.signedIn == [true])
        _ = try channel.readOutbound(as: ByteBuffer.self)  // the first KeepAlive
        return (channel, delegate)
    }

    static func keepAlivesWritten(_ channel: EmbeddedChannel) throws -> Int {
        var count = 0
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) {
            count += try ClientChannelHandlerTests.frames(buffer).filter { if case .keepAlive = $0 { true } else { false } }.count
        }
        return count
    }

    @Test("one heap for many sessions: each keep-alive on its own phase, a closed session leaves it")
    func sharedHeap() throws {
        let loop = EmbeddedEventLoop()
        let timers = BGBKeepAliveTimers(eventLoop: loop)
        let sessions = try (0..<3).map { try Self.session($0, loop: loop, timers: timers, phase: UInt64($0) * 1_000_000_000) }
        #expect(timers.count == 3)
        // Phases 0, 1 and 2 s: the next keep-alives are due 3, 2 and 1 s after the sign-in.
        loop.advanceTime(by: .milliseconds(1_500))
        #expect(try sessions.map { try Self.keepAlivesWritten($0.0) } == [0, 0, 1])
        loop.advanceTime(by: .milliseconds(1_500))
        #expect(try sessions.map { try Self.keepAlivesWritten($0.0) } == [1, 1, 0])
        #expect(sessions.map { $0.1.keepAlives } == [[0, 0], [0, 0], [0, 0]])
        #expect(timers.count == 3)

        sessions[1].0.pipeline.fireChannelInactive()
        #expect(timers.count == 2)
        loop.advanceTime(by: .seconds(3))
        #expect(try sessions.map { try Self.keepAlivesWritten($0.0) } == [1, 0, 1])
        for (channel, _) in sessions { _ = try? channel.finish() }
        #expect(timers.count == 0)
    }

    @Test("a keep-alive that falls due while the loop reads a burst goes out from the reads, before the loop's timers run")
    func firedFromReads() throws {
        let loop = EmbeddedEventLoop()
        // The polls read this clock; the loop's own clock (and its scheduled tasks) stay put, as
        // they do while a real loop works through the sockets of one epoll_wait.
        let clock = NIOLockedValueBox<UInt64>(0)
        let timers = BGBKeepAliveTimers(eventLoop: loop) { clock.withLockedValue { $0 } }
        // Phase 1 s: the quiet session's keep-alive is due 2 s after sign-in, the busy one's at 3 s.
        let (quiet, quietDelegate) = try Self.session(1, loop: loop, timers: timers, phase: 1_000_000_000)
        let (busy, busyDelegate) = try Self.session(2, loop: loop, timers: timers)
        let due = try #require(timers.nextDeadline)
        let request = ByteBuffer(bytes: GoldenVectors.named("tcp-request").bytes)
        // Not due yet: a poll's worth of reads sends nothing.
        for _ in 0..<BGBKeepAliveTimers.pollInterval { try busy.writeInbound(request) }
        #expect(try Self.keepAlivesWritten(quiet) == 0)

        // Due now (by the clock the polls read; the loop's is unchanged): pushes to the other
        // session poll the heap within pollInterval reads and send the keep-alive.
        clock.withLockedValue { $0 = due + 1_000_000 }
        var sentAfter: Int?
        for read in 1...Int(BGBKeepAliveTimers.pollInterval) {
            try busy.writeInbound(request)
            let written = try Self.keepAlivesWritten(quiet)
            if written > 0 {
                #expect(written == 1)
                sentAfter = read
                break
            }
        }
        #expect(sentAfter != nil, "no keep-alive after \(BGBKeepAliveTimers.pollInterval) reads")
        #expect(busyDelegate.pushes.count > Int(BGBKeepAliveTimers.pollInterval))
        #expect(quietDelegate.keepAlives.count == 2)
        #expect(loop.now < .uptimeNanoseconds(due), "sent before the loop's own timer could run")
        // Fired once: the loop's timer, when it runs, finds nothing due for this session.
        loop.advanceTime(to: .uptimeNanoseconds(due))
        #expect(try Self.keepAlivesWritten(quiet) == 0)
        _ = try? quiet.finish()
        _ = try? busy.finish()
    }
}
