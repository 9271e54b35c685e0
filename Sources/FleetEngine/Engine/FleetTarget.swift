import NIOCore

/// Where the fleet connects: the MP's notification port, its HTTP(S) long-poll endpoint and its
/// AdminService-shaped trigger API. The engine treats every target alike: whether it is a real
/// site or a simulator is its caller's knowledge (see ``TriggerPlan``).
public struct FleetTarget: Sendable, Hashable {
    /// The host as given (for SNI, Host headers and logs).
    public var host: String
    public var tcpAddress: SocketAddress
    /// The MP's HTTP(S) port (`/bgb/handler.ashx`): every session with `transport: http`, and TCP
    /// sessions after the fallback. Nil: no HTTP endpoint known (no fallback).
    public var httpAddress: SocketAddress?
    /// Whether the HTTP endpoint is HTTPS.
    public var httpTLS: Bool
    /// The AdminService base URL (`http://127.0.0.1:8080`), for triggers.
    public var adminURL: String?

    public init(
        host: String,
        tcpAddress: SocketAddress,
        httpAddress: SocketAddress? = nil,
        httpTLS: Bool = false,
        adminURL: String?
    ) {
        self.host = host
        self.tcpAddress = tcpAddress
        self.httpAddress = httpAddress
        self.httpTLS = httpTLS
        self.adminURL = adminURL
    }
}
