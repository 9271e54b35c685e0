import NIOCore
import NIOPosix

/// A coordination connection: framed ``CoordinationMessage``s both ways.
public typealias CoordinationChannel = NIOAsyncChannel<CoordinationMessage, CoordinationMessage>

/// The socket shell of the coordination protocol: a listener for the coordinator, a connector for
/// workers. Everything else about the protocol is in ``CoordinationFrame`` and
/// ``CoordinatorStateMachine``.
public enum CoordinationTransport {
    /// Listens on `host:port` (0: an ephemeral port).
    public static func listen(host: String, port: Int, group: EventLoopGroup) async throws -> NIOAsyncChannel<CoordinationChannel, Never> {
        try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture { try configure(channel) }
            }
    }

    /// Connects to a coordinator once (callers retry).
    public static func connect(host: String, port: Int, group: EventLoopGroup) async throws -> CoordinationChannel {
        try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(5))
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture { try configure(channel) }
            }
    }

    static func configure(_ channel: Channel) throws -> CoordinationChannel {
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(CoordinationFrameDecoder()))
        try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(CoordinationFrameEncoder()))
        return try CoordinationChannel(wrappingChannelSynchronously: channel)
    }

    /// Parses `HOST:PORT` (`[::1]:7000` for IPv6).
    public static func parseEndpoint(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            return nil
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        return (host, port)
    }
}
