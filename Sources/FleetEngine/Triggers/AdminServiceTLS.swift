import BGBClient
import NIOSSL

/// How the AdminService's certificate is checked on an `https://` trigger URL.
public enum AdminServiceTLS: Sendable, Hashable, CustomStringConvertible {
    /// The system's CA store and the host name (the default).
    case system
    /// A chain to these CA roots (and the host name) and/or pinned public keys: `--trigger-ca`, `--trigger-pin`.
    case verified(BGBServerTrust)
    /// Nothing checked (`--trigger-insecure`, labs only; reported loudly).
    case insecure

    public var description: String {
        switch self {
        case .system: "AdminService certificate validated against the system CA store"
        case .verified(let trust): "AdminService certificate validated: \(trust)"
        case .insecure: "WARNING: AdminService certificate NOT validated (--trigger-insecure): anyone on the path can read the trigger credentials"
        }
    }

    /// The one TLS context every AdminService request shares.
    func makeContext() throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch self {
        case .system: break
        // The handler's verification callback decides (``verificationCallback(hostname:)``).
        case .verified: configuration.certificateVerification = .noHostnameVerification
        case .insecure: configuration.certificateVerification = .none
        }
        return try NIOSSLContext(configuration: configuration)
    }

    /// The TLS handler of one AdminService connection to `host`.
    func makeHandler(context: NIOSSLContext, host: String) throws -> NIOSSLClientHandler {
        let sni = BGBTLSOptions.isIPAddress(host) ? nil : host
        guard case .verified(let trust) = self else {
            return try NIOSSLClientHandler(context: context, serverHostname: sni)
        }
        return try NIOSSLClientHandler(context: context, serverHostname: sni) { certificates, promise in
            let chain = certificates.compactMap { try? $0.toDERBytes() }
            promise.succeed(trust.verify(chain: chain, hostname: host) == nil ? .certificateVerified : .failed)
        }
    }
}
