import NIOCore
import NIOSSL

extension BGBHTTPSession {
    /// Maps a request failure to a close reason.
    static func reason(for error: Error) -> BGBCloseReason {
        switch error {
        case HTTPClientError.connectionClosed: return .eof
        case let error as HTTPClientError: return .protocolError(error.description)
        case let error as BGBTLSVerificationError: return .tlsVerification(error.description)
        case let error as NIOSSLError: return .tls("\(error)")
        case let error as BoringSSLError: return .tls("\(error)")
        case let error as IOError: return .io(error.description)
        default: return .io("\(error)")
        }
    }
}
