import NIOCore
import NIOSSL

/// The generator's TLS choices (spec §2.2): TLS 1.2 exactly by default, 1.0 for SDK-faithful runs,
/// no server validation by default (as the SDK), or a pinned certificate, or a CA file + host name.
public struct BGBTLSOptions: Sendable, Hashable {
    public enum Version: String, Sendable, Hashable, CaseIterable {
        case tls10 = "1.0"
        case tls11 = "1.1"
        case tls12 = "1.2"
        case tls13 = "1.3"

        var nio: TLSVersion {
            switch self {
            case .tls10: .tlsv1
            case .tls11: .tlsv11
            case .tls12: .tlsv12
            case .tls13: .tlsv13
            }
        }
    }

    public enum ServerValidation: Sendable, Hashable {
        /// Accept any server certificate (the SDK's default).
        case none
        /// Accept only this exact certificate (DER).
        case pinned([UInt8])
        /// Validate the chain against these PEM trust roots and the host name.
        case certificateAuthority(pemFile: String)
    }

    public var minimumVersion: Version
    public var maximumVersion: Version
    public var serverValidation: ServerValidation

    public init(minimumVersion: Version = .tls12, maximumVersion: Version = .tls12, serverValidation: ServerValidation = .none) {
        self.minimumVersion = minimumVersion
        self.maximumVersion = maximumVersion
        self.serverValidation = serverValidation
    }

    /// A TLS context presenting `credentials` as client certificate.
    public func makeContext(credentials: BGBClientCredentials) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = minimumVersion.nio
        configuration.maximumTLSVersion = maximumVersion.nio
        configuration.certificateChain = [.certificate(credentials.certificate)]
        configuration.privateKey = .privateKey(credentials.privateKey)
        switch serverValidation {
        case .none:
            configuration.certificateVerification = .none
        case .pinned:
            configuration.certificateVerification = .noHostnameVerification
        case .certificateAuthority(let pemFile):
            configuration.certificateVerification = .fullVerification
            configuration.trustRoots = .file(pemFile)
        }
        return try NIOSSLContext(configuration: configuration)
    }

    /// The TLS handler for one connection.
    public func makeHandler(context: NIOSSLContext, serverHostname: String?) throws -> NIOSSLClientHandler {
        // SNI only for DNS names (spec §2.2, generator item 4).
        let sni = serverHostname.flatMap { Self.isIPAddress($0) ? nil : $0 }
        if case .pinned(let der) = serverValidation {
            return try NIOSSLClientHandler(context: context, serverHostname: sni) { certificates, promise in
                let leaf = certificates.first.flatMap { try? $0.toDERBytes() }
                promise.succeed(leaf == der ? .certificateVerified : .failed)
            }
        }
        return try NIOSSLClientHandler(context: context, serverHostname: sni)
    }

    static func isIPAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }
}
