import BGBClient
import NIOCore
import NIOPosix
import Testing

/// ``BGBConnector/Endpoint/connect(on:channelInitializer:)``, the one bootstrap of the BGB TCP
/// session and the HTTP connections, on loopback.
@Suite("Connection bootstrap")
struct ConnectorBootstrapTests {
    @Test("the source address is bound: the bootstrap's and an HTTP connection's local address is 127.0.0.2, not 127.0.0.1")
    func sourceAddress() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0).get()
        let endpoint = BGBConnector.Endpoint(
            address: try #require(server.localAddress),
            hostname: "127.0.0.1",
            sourceAddress: try SocketAddress(ipAddress: "127.0.0.2", port: 0)
        )
        let loop = group.next()
        let channel = try await endpoint.connect(on: loop) { $0.eventLoop.makeSucceededVoidFuture() }.get()
        #expect(channel.localAddress?.ipAddress == "127.0.0.2")
        let http = try await HTTPClientConnection.connect(on: loop, to: endpoint).get()
        #expect(http.channel.localAddress?.ipAddress == "127.0.0.2")

        var unbound = endpoint
        unbound.sourceAddress = nil
        let plain = try await unbound.connect(on: loop) { $0.eventLoop.makeSucceededVoidFuture() }.get()
        #expect(plain.localAddress?.ipAddress == "127.0.0.1")

        try await channel.close()
        try await http.close().get()
        try await plain.close()
        try await server.close()
    }
}
