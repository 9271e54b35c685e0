import BGBTLS

extension ServerIdentity {
    /// The lean engine's server context for the notification listener: the same certificate
    /// chain, key, versions, suites and client-certificate rule as ``tlsConfiguration(_:)`` gives
    /// NIOSSL, with `verifier` judging client certificates (nil: any is accepted).
    func leanServerContext(
        _ configuration: MPSimulatorConfiguration,
        verifier: BGBLeanTLSServerContext.ClientCertificateVerifier?
    ) throws -> BGBLeanTLSServerContext {
        let required = configuration.clientCAFile != nil || configuration.clientCertificate == .required
        return try BGBLeanTLSServerContext(
            certificateChainDER: [certificateDER] + chainDER,
            privateKeyPEM: privateKeyPEM,
            minimumVersion: Self.leanVersion(configuration.tlsMinimumVersion),
            maximumVersion: Self.leanVersion(configuration.tlsMaximumVersion),
            cipherList: cipherList,
            clientCertificate: required ? .required : .optional,
            clientCertificateVerifier: verifier
        )
    }

    static func leanVersion(_ version: MPSimulatorConfiguration.TLSProtocolVersion) -> BGBTLSOptions.Version {
        switch version {
        case .tls10: .tls10
        case .tls11: .tls11
        case .tls12: .tls12
        case .tls13: .tls13
        }
    }
}
