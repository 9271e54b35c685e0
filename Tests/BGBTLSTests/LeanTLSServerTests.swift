import BGBTLS
import Crypto
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import TestSupport
import Testing

/// The server side of a lean TLS test connection: echoes every byte, and records the client's
/// certificate digest (at handshake completion), the errors and the end of the connection.
final class LeanServerProbe: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    private let lock = NIOLock()
    private var _peerSHA1: [UInt8]?
    private var _handshakeCompleted = false
    private var _errors: [Error] = []
    let closed: EventLoopPromise<Void>
    /// Close (close_notify) as soon as the handshake completes, after writing `farewell`.
    let farewell: String?

    init(eventLoop: EventLoop, farewell: String? = nil) {
        closed = eventLoop.makePromise()
        self.farewell = farewell
    }

    var peerSHA1: [UInt8]? { lock.withLock { _peerSHA1 } }
    var handshakeCompleted: Bool { lock.withLock { _handshakeCompleted } }
    var errors: [Error] { lock.withLock { _errors } }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard case .handshakeCompleted = event as? TLSUserEvent else { return }
        let tls = try? context.pipeline.syncOperations.handler(type: BGBLeanTLSHandler.self)
        lock.withLock {
            _handshakeCompleted = true
            _peerSHA1 = tls?.peerCertificateSHA1
        }
        if let farewell {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: farewell)), promise: nil)
            context.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.writeAndFlush(data, promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        lock.withLock { _errors.append(error) }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed.succeed()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        closed.succeed()
    }
}

/// Records the certificate chains a server context's verifier was asked about.
final class VerifierLog: Sendable {
    private let chains = NIOLockedValueBox<[[[UInt8]]]>([])
    var seen: [[[UInt8]]] { chains.withLockedValue { $0 } }
    func record(_ chain: [[UInt8]]) { chains.withLockedValue { $0.append(chain) } }
}

/// A raw TCP peer: collects every byte the server sends until it closes.
final class RawBytesProbe: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    private let lock = NIOLock()
    private var _received: [UInt8] = []
    let inactive: EventLoopPromise<Void>
    init(eventLoop: EventLoop) { inactive = eventLoop.makePromise() }
    var received: [UInt8] { lock.withLock { _received } }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lock.withLock { _received += unwrapInboundIn(data).readableBytesView }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) { inactive.succeed() }
    func handlerRemoved(context: ChannelHandlerContext) { inactive.succeed() }
}

@Suite("Lean TLS handler in server mode (the simulator's TCP 10123 listener) on loopback")
struct LeanTLSServerTests {
    let server = try! TLSTestIdentity(commonName: "lean TLS test server")
    let client = try! TLSTestIdentity(commonName: "lean TLS test client")

    func serverContext(
        version: BGBTLSOptions.Version = .tls12,
        clientCertificate: BGBLeanTLSServerContext.ClientCertificate = .required,
        verifier: BGBLeanTLSServerContext.ClientCertificateVerifier? = nil
    ) throws -> BGBLeanTLSServerContext {
        try BGBLeanTLSServerContext(
            certificateChainDER: [server.certificateDER],
            privateKeyPEM: server.privateKeyPEM,
            minimumVersion: version,
            maximumVersion: version,
            clientCertificate: clientCertificate,
            clientCertificateVerifier: verifier
        )
    }

    /// A lean TLS echo server; the probe of the last connection is in the box.
    func startServer(
        _ context: BGBLeanTLSServerContext,
        farewell: String? = nil
    ) async throws -> (Channel, NIOLockedValueBox<LeanServerProbe?>) {
        let last = NIOLockedValueBox<LeanServerProbe?>(nil)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    let probe = LeanServerProbe(eventLoop: child.eventLoop, farewell: farewell)
                    last.withLockedValue { $0 = probe }
                    do {
                        try child.pipeline.syncOperations.addHandlers(BGBLeanTLSHandler(serverContext: context), probe)
                    } catch {
                        probe.closed.succeed()
                        throw error
                    }
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return (channel, last)
    }

    func connect(
        to address: SocketAddress,
        handlers: @escaping @Sendable () throws -> [any ChannelHandler],
        expectedBytes: Int
    ) async throws -> (Channel, ClientProbe) {
        let box = NIOLockedValueBox<ClientProbe?>(nil)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let probe = ClientProbe(eventLoop: channel.eventLoop, expectedBytes: expectedBytes)
                    box.withLockedValue { $0 = probe }
                    try channel.pipeline.syncOperations.addHandlers(try handlers())
                    try channel.pipeline.syncOperations.addHandler(probe)
                }
            }
            .connect(to: address).get()
        return (channel, box.withLockedValue { $0! })
    }

    /// The fleet's lean client presenting `client`'s certificate.
    func leanClient(version: BGBTLSOptions.Version = .tls12) throws -> BGBLeanTLSHandler {
        let context = try BGBLeanTLSContext(options: BGBTLSOptions(minimumVersion: version, maximumVersion: version))
        return BGBLeanTLSHandler(
            context: context,
            certificateDER: client.certificateDER,
            privateKeyDER: client.privateKeyDER,
            serverHostname: "127.0.0.1"
        )
    }

    /// A NIOSSL client (another implementation), with or without a client certificate.
    func nioSSLClient(withCertificate: Bool, version: TLSVersion = .tlsv12) throws -> NIOSSLClientHandler {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .none
        configuration.minimumTLSVersion = version
        configuration.maximumTLSVersion = version
        if withCertificate {
            configuration.certificateChain = [.certificate(try NIOSSLCertificate(bytes: client.certificateDER, format: .der))]
            configuration.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: client.privateKeyDER, format: .der))
        }
        return try NIOSSLClientHandler(context: NIOSSLContext(configuration: configuration), serverHostname: nil)
    }

    var clientSHA1: [UInt8] { Array(Insecure.SHA1.hash(data: client.certificateDER)) }

    @Test("lean client ↔ lean server: mutual TLS, the client's certificate seen, 100 KB echoed, close_notify ends both cleanly", arguments: [
        BGBTLSOptions.Version.tls10, .tls12, .tls13,
    ])
    func leanToLean(version: BGBTLSOptions.Version) async throws {
        let verifier = VerifierLog()
        let context = try serverContext(version: version) { chain in
            verifier.record(chain)
            return true
        }
        let (listener, last) = try await startServer(context)
        defer { try? listener.close().wait() }
        let payload = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let (channel, probe) = try await connect(
            to: listener.localAddress!,
            handlers: { [try leanClient(version: version)] },
            expectedBytes: payload.count
        )
        try await channel.writeAndFlush(ByteBuffer(bytes: payload)).get()
        try await probe.handshake.futureResult.get()
        try await probe.receivedAll.futureResult.get()
        #expect(probe.received == payload)
        let serverProbe = try #require(last.withLockedValue { $0 })
        #expect(serverProbe.handshakeCompleted)
        #expect(serverProbe.peerSHA1 == clientSHA1)
        #expect(verifier.seen.map { $0.first } == [client.certificateDER])
        // The client's close_notify: the server closes without an error.
        try await channel.close()
        try await serverProbe.closed.futureResult.get()
        #expect(serverProbe.errors.isEmpty, "\(serverProbe.errors)")
        #expect(probe.errors.isEmpty, "\(probe.errors)")
    }

    @Test("a NIOSSL client completes mutual TLS with the lean server and sees its certificate")
    func nioSSLClientInterop() async throws {
        let (listener, last) = try await startServer(try serverContext())
        defer { try? listener.close().wait() }
        let (channel, probe) = try await connect(
            to: listener.localAddress!,
            handlers: { [try nioSSLClient(withCertificate: true)] },
            expectedBytes: 5
        )
        try await channel.writeAndFlush(ByteBuffer(string: "hello")).get()
        try await probe.receivedAll.futureResult.get()
        #expect(String(decoding: probe.received, as: UTF8.self) == "hello")
        let peer = try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.handler(type: NIOSSLClientHandler.self).peerCertificate.flatMap { try? $0.toDERBytes() }
        }.get()
        #expect(peer == server.certificateDER)
        #expect(last.withLockedValue { $0 }?.peerSHA1 == clientSHA1)
        // NIOSSL's close waits for the server's close_notify: the lean server answers with one.
        try await channel.close()
    }

    @Test("the server's close sends close_notify: the NIOSSL client sees a clean end, not an unclean shutdown")
    func serverCloseNotify() async throws {
        let (listener, last) = try await startServer(try serverContext(), farewell: "bye")
        defer { try? listener.close().wait() }
        let (_, probe) = try await connect(
            to: listener.localAddress!,
            handlers: { [try nioSSLClient(withCertificate: true)] },
            expectedBytes: 3
        )
        try await probe.inactive.futureResult.get()
        #expect(String(decoding: probe.received, as: UTF8.self) == "bye")
        #expect(probe.errors.isEmpty, "\(probe.errors)")
        let serverProbe = try #require(last.withLockedValue { $0 })
        try await serverProbe.closed.futureResult.get()
        #expect(serverProbe.errors.isEmpty, "\(serverProbe.errors)")
    }

    @Test("a client certificate the verifier refuses fails the handshake on both sides (certificate_unknown)")
    func verifierRefuses() async throws {
        let verifier = VerifierLog()
        let context = try serverContext { chain in
            verifier.record(chain)
            return false
        }
        let (listener, last) = try await startServer(context)
        defer { try? listener.close().wait() }
        let (_, probe) = try await connect(to: listener.localAddress!, handlers: { [try leanClient()] }, expectedBytes: 1)
        await #expect(throws: (any Error).self) { try await probe.handshake.futureResult.get() }
        try await probe.inactive.futureResult.get()
        let clientError = try #require(probe.errors.compactMap { $0 as? BGBLeanTLSError }.first)
        #expect(clientError.kind == .handshakeFailed)
        #expect(clientError.details.joined().contains("CERTIFICATE_UNKNOWN"), "\(clientError)")
        let serverProbe = try #require(last.withLockedValue { $0 })
        try await serverProbe.closed.futureResult.get()
        #expect(!serverProbe.handshakeCompleted)
        let serverError = try #require(serverProbe.errors.first as? BGBLeanTLSError)
        #expect(serverError.kind == .handshakeFailed)
        #expect(verifier.seen.map { $0.first } == [client.certificateDER])
    }

    @Test("no client certificate: refused when required, accepted (no digest) when optional")
    func clientCertificateRequiredOrOptional() async throws {
        for policy in [BGBLeanTLSServerContext.ClientCertificate.required, .optional] {
            let (listener, last) = try await startServer(try serverContext(clientCertificate: policy))
            defer { try? listener.close().wait() }
            let (channel, probe) = try await connect(
                to: listener.localAddress!,
                handlers: { [try nioSSLClient(withCertificate: false)] },
                expectedBytes: 2
            )
            if policy == .required {
                try await probe.inactive.futureResult.get()
                #expect(probe.received.isEmpty)
                let serverProbe = try #require(last.withLockedValue { $0 })
                try await serverProbe.closed.futureResult.get()
                #expect(serverProbe.errors.first is BGBLeanTLSError)
            } else {
                try await channel.writeAndFlush(ByteBuffer(string: "hi")).get()
                try await probe.receivedAll.futureResult.get()
                let serverProbe = try #require(last.withLockedValue { $0 })
                #expect(serverProbe.handshakeCompleted)
                #expect(serverProbe.peerSHA1 == nil)
                try await channel.close()
            }
        }
    }

    @Test("not TLS: garbage fails the handshake (a TLS alert, none to an HTTP request) and closes; an early close is reported as such")
    func notTLS() async throws {
        for garbage in ["hello, this is not TLS\r\n", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", ""] {
            let (listener, last) = try await startServer(try serverContext())
            defer { try? listener.close().wait() }
            let box = NIOLockedValueBox<RawBytesProbe?>(nil)
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let probe = RawBytesProbe(eventLoop: channel.eventLoop)
                        box.withLockedValue { $0 = probe }
                        try channel.pipeline.syncOperations.addHandler(probe)
                    }
                }
                .connect(to: listener.localAddress!).get()
            let raw = box.withLockedValue { $0! }
            if garbage.isEmpty {
                // Wait until the server side exists, then close before any byte.
                while last.withLockedValue({ $0 }) == nil { try await Task.sleep(for: .milliseconds(5)) }
                try await channel.close()
            } else {
                try await channel.writeAndFlush(ByteBuffer(string: garbage)).get()
            }
            try await raw.inactive.futureResult.get()
            let serverProbe = try #require(last.withLockedValue { $0 })
            try await serverProbe.closed.futureResult.get()
            let error = try #require(serverProbe.errors.compactMap { $0 as? BGBLeanTLSError }.first)
            if garbage.isEmpty {
                #expect(error.kind == .closedDuringHandshake)
            } else {
                #expect(error.kind == .handshakeFailed)
                if !garbage.hasPrefix("GET ") {
                    // A TLS alert record (content type 21, protocol_version) went out before the close.
                    #expect(raw.received.first == 21, "\(raw.received)")
                }
            }
        }
    }

    @Test("a server key that does not parse is refused when the context is built")
    func badServerKey() {
        #expect(throws: BGBLeanTLSError.self) {
            try BGBLeanTLSServerContext(certificateChainDER: [server.certificateDER], privateKeyPEM: "not a key")
        }
        // A key that is not the certificate's.
        #expect(throws: BGBLeanTLSError.self) {
            try BGBLeanTLSServerContext(certificateChainDER: [server.certificateDER], privateKeyPEM: client.privateKeyPEM)
        }
    }
}
