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

        public var nio: TLSVersion {
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

    /// Which TLS implementation fleet sessions use.
    public enum Engine: String, Sendable, Hashable, CaseIterable {
        /// ``BGBLeanTLSHandler`` on one shared ``BGBLeanTLSContext`` (the default: about 4 KiB of
        /// TLS state per idle session). CA validation always uses NIOSSL.
        case lean
        /// `NIOSSLClientHandler` with one `NIOSSLContext` per session (for comparison).
        case niossl
    }

    public var minimumVersion: Version
    public var maximumVersion: Version
    public var serverValidation: ServerValidation
    public var engine: Engine

    public init(
        minimumVersion: Version = .tls12,
        maximumVersion: Version = .tls12,
        serverValidation: ServerValidation = .none,
        engine: Engine = .lean
    ) {
        self.minimumVersion = minimumVersion
        self.maximumVersion = maximumVersion
        self.serverValidation = serverValidation
        self.engine = engine
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

    public static func isIPAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }
}
