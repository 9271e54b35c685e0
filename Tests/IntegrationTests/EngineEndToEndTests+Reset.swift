import BGBClient
import FleetEngine
import FleetMetrics
import Foundation
import NIOCore
import NIOPosix
import Testing

/// A connection the MP resets is counted as `errors.reset`: the typed close reason
/// (``BGBCloseReason/connectionReset(_:)``) from the socket's errno, over both TLS engines.
/// Part of the serialized end-to-end suite (its shared identity pool).
extension EngineEndToEndTests {
    /// Reads the first bytes (the ClientHello), then resets the connection (SO_LINGER 0).
    final class ResetOnFirstRead: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let channel = context.channel
            guard let provider = channel as? SocketOptionProvider else {
                channel.close(promise: nil)
                return
            }
            provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in channel.close(promise: nil) }
        }
    }

    @Test("an MP that resets the connection: errors.reset, the sessions' last error reset", arguments: BGBTLSOptions.Engine.allCases)
    func resetByMP(engine: BGBTLSOptions.Engine) async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { $0.pipeline.addHandler(ResetOnFirstRead()) }
            .bind(host: "127.0.0.1", port: 0).get()
        let simulator = try await Self.startSimulator(sessions: 0)
        let fixture = Fixture(
            simulator: simulator.simulator,
            target: FleetTarget(host: "127.0.0.1", tcpAddress: server.localAddress!, adminURL: simulator.target.adminURL),
            directory: simulator.directory
        )
        var profile = FleetProfile()
        profile.tls.engine = engine
        profile.sessions = 2
        profile.arrival = .rate(100)
        profile.duration = 1_500_000_000
        profile.reconnect = ReconnectPolicy(mode: .none)
        let summary = try await Self.engine(profile, fixture).run()
        try await server.close()
        try await fixture.simulator.shutdown()

        #expect(summary.counters[error: .reset] == 2)
        #expect(summary.counters.errorsTotal == 2)
        let sessions = try SessionReportRow.parse(csv: String(contentsOf: fixture.directory.appendingPathComponent("sessions.csv"), encoding: .utf8))
        #expect(sessions.map(\.lastError) == [.reset, .reset])
    }
}
