#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import BGBProtocol
import NIOCore
import NIOPosix
import NIOSSL

/// Opens TCP + TLS BGB connections: the bootstrap and pipeline every session uses.
public enum BGBConnector {
    /// Where to connect and from where.
    public struct Endpoint: Sendable, Hashable {
        public var address: SocketAddress
        /// The host name as dialled (for SNI and logs).
        public var hostname: String
        /// The local source address (port 0), e.g. 127.0.0.5 to get past one address's port range.
        public var sourceAddress: SocketAddress?
        public var connectTimeout: TimeAmount

        public init(address: SocketAddress, hostname: String, sourceAddress: SocketAddress? = nil, connectTimeout: TimeAmount = .seconds(10)) {
            self.address = address
            self.hostname = hostname
            self.sourceAddress = sourceAddress
            self.connectTimeout = connectTimeout
        }
    }

    /// `IP_BIND_ADDRESS_NO_PORT`: bind the source address but let connect() pick the port, so one
    /// address serves many destinations (Linux only).
    static let bindAddressNoPort: Int32 = 24

    /// Connects on `eventLoop`; `makeHandler` runs on that loop and builds the session handler.
    public static func connect(
        on eventLoop: EventLoop,
        to endpoint: Endpoint,
        tls: BGBConnectionTLS,
        makeHandler: @escaping @Sendable () -> BGBClientChannelHandler
    ) -> EventLoopFuture<Channel> {
        var bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(endpoint.connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandlers(tls.makeHandlers(serverHostname: endpoint.hostname))
                    try sync.addHandler(makeHandler())
                }
            }
        if let source = endpoint.sourceAddress {
            #if os(Linux)
            bootstrap = bootstrap.channelOption(
                ChannelOptions.Types.SocketOption(level: .init(IPPROTO_IP), name: .init(bindAddressNoPort)),
                value: 1
            )
            #endif
            bootstrap = bootstrap.bind(to: source)
        }
        return bootstrap.connect(to: endpoint.address)
    }
}
