import BGBTLS

extension CloseReason {
    /// The simulator's close reason for a connection error (``BGBTransportFailure``): EOF without
    /// close_notify is how most clients end a session, a TLS failure is `tls_error`, anything else
    /// on the socket `io_error`.
    init(_ failure: BGBTransportFailure) {
        switch failure {
        case .uncleanShutdown: self = .clientClosed
        case .tls, .tlsVerification: self = .tlsError
        case .connectionReset, .connectionRefused, .connectTimeout, .io, .other: self = .ioError
        }
    }
}
