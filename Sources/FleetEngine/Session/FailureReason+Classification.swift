import BGBClient
import FleetMetrics
import NIOPosix

extension FailureReason {
    /// The counter of a failed connect (TCP, or an HTTP session's first connection), by the
    /// error's type and errno (``BGBTransportFailure``).
    init(connectError error: any Error) {
        if let error = error as? NIOConnectionError {
            // Every address was tried: refused if any refused.
            let refused = error.connectionErrors.contains { BGBTransportFailure($0.error) == .connectionRefused }
            self = refused ? .connectRefused : .other
            return
        }
        switch BGBTransportFailure(error) {
        case .connectTimeout: self = .connectTimeout
        case .connectionRefused: self = .connectRefused
        default: self = .other
        }
    }

    /// The counter of a session that closed.
    init(closeReason reason: BGBCloseReason) {
        switch reason {
        case .local, .eof: self = .eof
        case .disconnectReceived: self = .disconnectReceived
        case .negotiationNeeded: self = .negotiationNeeded
        case .signInTimeout: self = .signinTimeout
        case .tls: self = .tls
        case .tlsVerification: self = .tlsVerify
        case .connect: self = .other
        case .protocolError: self = .protocolError
        case .connectionReset: self = .reset
        case .io: self = .other
        case .httpStatus(let status): self = status == 990 ? .http990 : .httpStatus
        }
    }
}
