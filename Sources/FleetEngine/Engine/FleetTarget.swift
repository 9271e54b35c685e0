import NIOCore

/// Where the fleet connects: the MP's notification port and its AdminService-shaped trigger API.
public struct FleetTarget: Sendable, Hashable {
    /// The host as given (for SNI, Host headers and logs).
    public var host: String
    public var tcpAddress: SocketAddress
    /// The AdminService base URL (`http://127.0.0.1:8080`), for triggers.
    public var adminURL: String?
    /// Whether this is the in-process simulator.
    public var isEmbedded: Bool

    public init(host: String, tcpAddress: SocketAddress, adminURL: String?, isEmbedded: Bool) {
        self.host = host
        self.tcpAddress = tcpAddress
        self.adminURL = adminURL
        self.isEmbedded = isEmbedded
    }
}
