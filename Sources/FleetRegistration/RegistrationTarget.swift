import BGBProtocol
import CCMMessaging

/// The management point a registration goes to: `http[s]://host[:port][/path]` (spec §5.1).
///
/// The path defaults to the anonymous `/ccm_system/request` the SDK uses; the port to the
/// scheme's. Its ``description`` (the canonical URL) is what the pool records as `mp`.
public struct RegistrationTarget: Sendable, Hashable, CustomStringConvertible {
    /// `https`: TLS, presenting the identity's certificate as client certificate.
    public var tls: Bool
    public var host: String
    public var port: Int
    public var path: String

    public init(tls: Bool = false, host: String, port: Int? = nil, path: String = CCMRegistrationHTTP.path) {
        precondition(!host.isEmpty, "the MP host must not be empty")
        self.tls = tls
        self.host = host
        self.port = port ?? (tls ? 443 : 80)
        self.path = path
    }

    /// Parses `http://mp.contoso.com`, `https://mp:8443/ccm_system_altauth/request` or a bare
    /// host name (plain HTTP, port 80).
    public init(url: String) throws(RegistrationError) {
        var rest = Substring(url)
        var tls = false
        if let range = rest.range(of: "://") {
            switch rest[..<range.lowerBound].lowercased() {
            case "http": tls = false
            case "https": tls = true
            default: throw .invalidURL(url, "use http:// or https://")
            }
            rest = rest[range.upperBound...]
        }
        var path = CCMRegistrationHTTP.path
        if let slash = rest.firstIndex(of: "/") {
            let given = String(rest[slash...])
            if given != "/" { path = given }
            rest = rest[..<slash]
        }
        var host = String(rest)
        var port: Int?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { throw .invalidURL(url, "unterminated IPv6 address") }
            let after = host[host.index(after: close)...]
            if after.hasPrefix(":") {
                guard let value = Int(after.dropFirst()) else { throw .invalidURL(url, "the port is not a number") }
                port = value
            } else if !after.isEmpty {
                throw .invalidURL(url, "unexpected text after the IPv6 address")
            }
            host = String(host[host.index(after: host.startIndex)..<close])
        } else if let colon = host.lastIndex(of: ":") {
            guard let value = Int(host[host.index(after: colon)...]) else { throw .invalidURL(url, "the port is not a number") }
            port = value
            host = String(host[..<colon])
        }
        guard !host.isEmpty else { throw .invalidURL(url, "no host") }
        if let port, !(1...65535).contains(port) { throw .invalidURL(url, "the port must be 1…65535") }
        self.init(tls: tls, host: host, port: port, path: path)
    }

    /// The `Host` header value (the port only when it is not the scheme's default).
    public var hostHeader: String { httpHostHeader(host: host, port: port, tls: tls) }

    public var description: String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        let defaultPort = tls ? 443 : 80
        return (tls ? "https://" : "http://") + hostPart + (port == defaultPort ? "" : ":\(port)") + path
    }
}
