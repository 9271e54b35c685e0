/// The `RequestType` query value of `/bgb/handler.ashx` (spec §4).
public enum BGBHTTPRequestType: String, Hashable, Sendable, CaseIterable {
    case logIn = "LogIn"
    case `continue` = "Continue"
    case logOut = "LogOut"

    /// The path and query the SDK requests.
    public var target: String { "/bgb/handler.ashx?RequestType=" + rawValue }

    /// The custom verb every BGB HTTP request uses.
    public static let method = "CCM_POST"

    /// The request's headers in the SDK's exact order (spec §4.2), Host last.
    public func headers(contentLength: Int, host: String) -> [(String, String)] {
        switch self {
        case .logIn:
            [
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Content-Length", "0"),
                ("Connection", "keep-alive"),
                ("Host", host),
            ]
        case .continue:
            [
                ("Content-Type", "text/plain;charset=utf-8"),
                ("Content-Length", String(contentLength)),
                ("Expect", "100-continue"),
                ("Host", host),
            ]
        case .logOut:
            [
                // The typo is real (spec §4.2).
                ("Content-Type", "applicatoin/x-www-form-urlencoded"),
                ("Content-Length", String(contentLength)),
                ("Expect", "100-continue"),
                ("Connection", "close"),
                ("Host", host),
            ]
        }
    }

    /// Parses `RequestType` from a request target (case-insensitive value, as IIS does).
    public init?(target: String) {
        guard let query = target.split(separator: "?", maxSplits: 1).dropFirst().first else { return nil }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "requesttype" else { continue }
            guard let type = Self.allCases.first(where: { $0.rawValue.lowercased() == parts[1].lowercased() })
            else { return nil }
            self = type
            return
        }
        return nil
    }
}

/// BGB HTTP status codes (spec §4.6).
public enum BGBHTTPStatus {
    /// A Continue answer carrying a frame (or the idle frame).
    public static let `continue` = 280
    public static let continueReason = "BGB-Continue"
    /// The session is unknown or ended: log in again.
    public static let sessionEnded = 990
    public static let sessionEndedReason = "BGB-SessionEnded"
}

/// The `Host` header value: the port only when it is not the scheme's default (spec §4.2).
public func httpHostHeader(host: String, port: Int, tls: Bool) -> String {
    let defaultPort = tls ? 443 : 80
    let hostPart = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
    return port == defaultPort ? hostPart : "\(hostPart):\(port)"
}
