import BGBProtocol

/// The session that currently holds an identity online.
enum SessionRef: Sendable {
    case tcp(TCPSessionHandler)
    case http(BGBSessionID, number: UInt64)
    /// A foreign client (``MPSimulatorConfiguration/foreignClients``): online at the MP, not part of
    /// the fleet, never answers a push.
    case foreign(number: UInt64)

    /// A process-wide unique session number, for "is it still the same session" checks.
    var number: UInt64 {
        switch self {
        case .tcp(let handler): handler.sessionNumber
        case .http(_, let number): number
        case .foreign(let number): number
        }
    }

    /// `SMS_CN_ClientStatus.ChannelType`: 0 TCP, 1 HTTP.
    var channelType: ChannelType {
        switch self {
        case .tcp, .foreign: .tcp
        case .http: .http
        }
    }
}

/// The transport a session uses, as `SMS_CN_ClientStatus.ChannelType` numbers it.
public enum ChannelType: Int, Sendable, Hashable, Codable {
    case tcp = 0
    case http = 1

    public var name: String { self == .tcp ? "TCP" : "HTTP" }
}
