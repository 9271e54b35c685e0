import BGBTLS
import NIOSSL

extension BGBTLSOptions {
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
        case .pinned, .verified:
            // The handler's verification callback decides (``BGBTLSOptions/makeHandlers(context:serverHostname:)``);
            // NIOSSL only calls it when verification is on.
            configuration.certificateVerification = .noHostnameVerification
        }
        return try NIOSSLContext(configuration: configuration)
    }
}
