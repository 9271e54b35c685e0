import BGBProtocol
import BGBTLS

extension BGBCloseReason {
    /// The close reason of an error that ended a connection: a frame error is a protocol error;
    /// anything else is classified by type and errno (``BGBTransportFailure``), never by its text.
    public init(_ error: any Error) {
        if let error = error as? BGBFrameError {
            self = .protocolError(error.description)
            return
        }
        let text = "\(error)"
        switch BGBTransportFailure(error) {
        case .tlsVerification: self = .tlsVerification(text)
        case .tls, .uncleanShutdown: self = .tls(text)
        case .connectionReset: self = .connectionReset(text)
        case .connectionRefused, .connectTimeout, .io, .other: self = .io(text)
        }
    }
}
