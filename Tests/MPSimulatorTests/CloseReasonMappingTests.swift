import BGBTLS
import Testing

@testable import MPSimulator

/// The simulator's close reason for a connection error, from the shared ``BGBTransportFailure``.
@Suite("Simulator close reasons from transport failures")
struct CloseReasonMappingTests {
    @Test("EOF without close_notify is the client closing; TLS is tls_error; the rest io_error")
    func mapping() {
        let expected: [BGBTransportFailure: CloseReason] = [
            .uncleanShutdown: .clientClosed, .tls: .tlsError, .tlsVerification: .tlsError,
            .connectionReset: .ioError, .connectionRefused: .ioError, .connectTimeout: .ioError,
            .io: .ioError, .other: .ioError,
        ]
        #expect(expected.count == BGBTransportFailure.allCases.count)
        for (failure, reason) in expected {
            #expect(CloseReason(failure) == reason, "\(failure)")
        }
    }
}
