import NIOCore
import NIOSSL

/// How one TCP connection does TLS: the handler ``BGBConnector`` puts first in the pipeline.
public enum BGBConnectionTLS: Sendable {
    /// BoringSSL driven directly on a context shared by the whole fleet (``BGBLeanTLSHandler``):
    /// the certificate and key go in per connection and are shed after the handshake.
    case lean(BGBLeanTLSContext, certificateDER: [UInt8], privateKeyDER: [UInt8])
    /// NIOSSL with a context built for this client's certificate (`tls.engine: niossl`).
    case nioSSL(NIOSSLContext, BGBTLSOptions)

    /// The TLS handlers for one connection to `serverHostname` (SNI only for DNS names; the
    /// name or address is what a validated certificate must name).
    public func makeHandlers(serverHostname: String?) throws -> [any ChannelHandler] {
        switch self {
        case .lean(let context, let certificateDER, let privateKeyDER):
            return [
                BGBLeanTLSHandler(
                    context: context,
                    certificateDER: certificateDER,
                    privateKeyDER: privateKeyDER,
                    serverHostname: serverHostname
                )
            ]
        case .nioSSL(let context, let options):
            return try options.makeHandlers(context: context, serverHostname: serverHostname)
        }
    }
}
