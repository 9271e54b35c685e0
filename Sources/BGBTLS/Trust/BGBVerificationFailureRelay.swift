import NIOCore
import NIOSSL

/// Sits after a `NIOSSLClientHandler` whose verification callback refused the server: replaces
/// NIOSSL's generic handshake error by the ``BGBTLSVerificationError`` that says why, so the
/// session counts it as `tls_verify` and can name the certificate.
final class BGBVerificationFailureRelay: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    // Written by the verification callback and read in errorCaught: both on the channel's loop.
    var failure: BGBTLSVerificationError?

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let failure, error is NIOSSLError || error is BoringSSLError {
            context.fireErrorCaught(failure)
        } else {
            context.fireErrorCaught(error)
        }
    }
}
