import NIOCore
import NIOSSL
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a connection's error means, decided by its type and errno, never by its text.
///
/// The one mapping from the errors a TLS connection's pipeline (or its connect) can end with to
/// a kind of failure: the client builds its `BGBCloseReason` on it, the MP simulator its
/// `CloseReason`, and the fleet engine its `connect_refused`/`connect_timeout`/`reset` counters.
/// Protocol errors (frame, HTTP) are the callers' own and are classified before this.
public enum BGBTransportFailure: Hashable, Sendable, CaseIterable {
    /// The peer's certificate was refused by `tls.verify: ca|pin` (``BGBTLSVerificationError``).
    case tlsVerification
    /// TCP ended without TLS close_notify (`NIOSSLError.uncleanShutdown`): how most peers end.
    case uncleanShutdown
    /// Any other TLS failure: NIOSSL, BoringSSL or the lean handler (``BGBLeanTLSError``).
    case tls
    /// The peer reset the connection (`ECONNRESET`).
    case connectionReset
    /// Nothing listens at the address (`ECONNREFUSED`).
    case connectionRefused
    /// The connect did not complete in time (`ChannelError.connectTimeout`).
    case connectTimeout
    /// Any other socket error (`IOError`).
    case io
    /// Not a transport error.
    case other

    /// Classifies `error`.
    public init(_ error: any Error) {
        switch error {
        case is BGBTLSVerificationError: self = .tlsVerification
        case NIOSSLError.uncleanShutdown: self = .uncleanShutdown
        case is NIOSSLError, is BoringSSLError, is BGBLeanTLSError: self = .tls
        case ChannelError.connectTimeout: self = .connectTimeout
        case let error as IOError: self = Self(errno: error.errnoCode)
        default: self = .other
        }
    }

    /// Classifies a socket error by its errno.
    public init(errno: CInt) {
        switch errno {
        case ECONNRESET: self = .connectionReset
        case ECONNREFUSED: self = .connectionRefused
        default: self = .io
        }
    }
}
