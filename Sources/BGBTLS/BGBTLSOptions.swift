import NIOCore
import NIOSSL

/// The generator's TLS choices (spec §2.2): TLS 1.2 exactly by default, 1.0 for SDK-faithful runs,
/// no server validation by default (as the SDK), or a pinned certificate, or a chain to CA roots
/// (with the host name) and/or pinned public keys (``BGBServerTrust``).
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
        /// Validate the chain to CA roots (and the host name) and/or pin the leaf's public key:
        /// `--mp-ca`, `--mp-pin`, `tls.verify: ca|pin`. A failure closes the connection with
        /// ``BGBTLSVerificationError`` before anything is sent.
        case verified(BGBServerTrust)
    }

    /// Which TLS implementation fleet sessions use.
    public enum Engine: String, Sendable, Hashable, CaseIterable {
        /// ``BGBLeanTLSHandler`` on one shared ``BGBLeanTLSContext`` (the default: about 4 KiB of
        /// TLS state per idle session).
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

    /// The TLS handlers for one NIOSSL connection: the `NIOSSLClientHandler`, then (when the server
    /// is validated) a handler that reports a refused certificate as ``BGBTLSVerificationError``.
    public func makeHandlers(context: NIOSSLContext, serverHostname: String?) throws -> [any ChannelHandler] {
        // SNI only for DNS names (spec §2.2, generator item 4).
        let sni = serverHostname.flatMap { Self.isIPAddress($0) ? nil : $0 }
        switch serverValidation {
        case .none:
            return [try NIOSSLClientHandler(context: context, serverHostname: sni)]
        case .pinned(let der):
            return [
                try NIOSSLClientHandler(context: context, serverHostname: sni) { certificates, promise in
                    let leaf = certificates.first.flatMap { try? $0.toDERBytes() }
                    promise.succeed(leaf == der ? .certificateVerified : .failed)
                }
            ]
        case .verified(let trust):
            let relay = BGBVerificationFailureRelay()
            let tls = try NIOSSLClientHandler(context: context, serverHostname: sni) { certificates, promise in
                let chain = certificates.compactMap { try? $0.toDERBytes() }
                if let failure = trust.verify(chain: chain, hostname: serverHostname) {
                    relay.failure = failure
                    promise.succeed(.failed)
                } else {
                    promise.succeed(.certificateVerified)
                }
            }
            return [tls, relay]
        }
    }

    /// One line for the plan and the summary: how the server's certificate is checked.
    public var validationSummary: String {
        switch serverValidation {
        case .none: "server certificate not validated (as the ConfigMgr client; --mp-ca/--mp-pin validate it)"
        case .pinned: "server certificate pinned (exact certificate)"
        case .verified(let trust): "server certificate validated: \(trust)"
        }
    }

    public static func isIPAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }
}
