import BGBClient
import BGBProtocol
import NIOCore
import NIOSSL
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one error → failure mapping (``BGBTransportFailure``) and the client's close reasons built
/// on it: by type and errno, never by the error's text.
@Suite("Typed close reasons")
struct BGBCloseReasonTests {
    struct Unrelated: Error, CustomStringConvertible {
        var description: String { "Connection reset (but only in the text)" }
    }

    static let verification = BGBTLSVerificationError(reason: "public key not pinned", subject: "CN=mp", sha256Thumbprint: "AB")

    @Test("each error's transport failure")
    func transportFailures() {
        let cases: [(any Error, BGBTransportFailure)] = [
            (Self.verification, .tlsVerification),
            (NIOSSLError.uncleanShutdown, .uncleanShutdown),
            (NIOSSLError.handshakeFailed(.sslError([])), .tls),
            (BGBLeanTLSError(.handshakeFailed, details: ["alert"]), .tls),
            (IOError(errnoCode: ECONNRESET, reason: "read"), .connectionReset),
            (IOError(errnoCode: ECONNREFUSED, reason: "connect"), .connectionRefused),
            (IOError(errnoCode: EPIPE, reason: "write"), .io),
            (ChannelError.connectTimeout(.seconds(10)), .connectTimeout),
            (ChannelError.ioOnClosedChannel, .other),
            (Unrelated(), .other),
        ]
        for (error, failure) in cases {
            #expect(BGBTransportFailure(error) == failure, "\(error)")
        }
        #expect(BGBTransportFailure(errno: ECONNRESET) == .connectionReset)
    }

    @Test("each error's close reason; a reset is typed, a text that only says reset is not")
    func closeReasons() {
        let reset = IOError(errnoCode: ECONNRESET, reason: "read")
        let lean = BGBLeanTLSError(.recordFailed)
        let cases: [(any Error, BGBCloseReason)] = [
            (reset, .connectionReset(reset.description)),
            (Unrelated(), .io("Connection reset (but only in the text)")),
            (IOError(errnoCode: EPIPE, reason: "write"), .io(IOError(errnoCode: EPIPE, reason: "write").description)),
            (Self.verification, .tlsVerification(Self.verification.description)),
            (NIOSSLError.uncleanShutdown, .tls("\(NIOSSLError.uncleanShutdown)")),
            (lean, .tls(lean.description)),
            (BGBFrameError.unknownChannel(9), .protocolError(BGBFrameError.unknownChannel(9).description)),
        ]
        for (error, reason) in cases {
            #expect(BGBCloseReason(error) == reason, "\(error)")
        }
        #expect(BGBCloseReason.connectionReset("x").description == BGBCloseReason.io("x").description)
    }
}
