#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOPosix

extension BGBConnector {
    /// `IP_BIND_ADDRESS_NO_PORT`: bind the source address but let connect() pick the port, so one
    /// address serves many destinations (Linux only).
    static let bindAddressNoPort: Int32 = 24
}

extension BGBConnector.Endpoint {
    /// Opens a TCP connection to ``address`` on `eventLoop`: the one bootstrap of every client
    /// connection the generator opens to an MP (the BGB TCP session and the HTTP(S) connections of
    /// the long-poll session and registration).
    ///
    /// `TCP_NODELAY`, ``connectTimeout``, and ``sourceAddress`` when set: bound with port 0 and, on
    /// Linux, `IP_BIND_ADDRESS_NO_PORT` so that connect() picks the port per destination.
    ///
    /// - Parameter channelInitializer: builds the pipeline (TLS, codecs, the handler) on the channel's loop.
    public func connect(
        on eventLoop: EventLoop,
        channelInitializer: @escaping @Sendable (Channel) -> EventLoopFuture<Void>
    ) -> EventLoopFuture<Channel> {
        var bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer(channelInitializer)
        if let sourceAddress {
            #if os(Linux)
            bootstrap = bootstrap.channelOption(
                ChannelOptions.Types.SocketOption(level: .init(IPPROTO_IP), name: .init(BGBConnector.bindAddressNoPort)),
                value: 1
            )
            #endif
            bootstrap = bootstrap.bind(to: sourceAddress)
        }
        return bootstrap.connect(to: address)
    }
}
