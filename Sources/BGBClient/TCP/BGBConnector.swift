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

    /// Connects on `eventLoop`; `makeHandler` runs on that loop and builds the session handler.
    public static func connect(
        on eventLoop: EventLoop,
        to endpoint: Endpoint,
        tls: BGBConnectionTLS,
        makeHandler: @escaping @Sendable () -> BGBClientChannelHandler
    ) -> EventLoopFuture<Channel> {
        endpoint.connect(on: eventLoop) { channel in
            channel.eventLoop.makeCompletedFuture {
                let sync = channel.pipeline.syncOperations
                try sync.addHandlers(tls.makeHandlers(serverHostname: endpoint.hostname))
                try sync.addHandler(makeHandler())
            }
        }
    }
}
