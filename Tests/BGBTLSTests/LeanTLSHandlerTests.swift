import BGBTLS
import Crypto
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import SwiftASN1
import TestSupport
import Testing
import X509

/// What the loopback TLS server saw: the client's certificate, the bytes, and how TLS ended.
final class ServerRecord: @unchecked Sendable {
    private let lock = NIOLock()
    private var _peerCertificate: [UInt8]?
    private var _received: [UInt8] = []
    private var _errors: [String] = []
    let closed: EventLoopPromise<Void>

    init(eventLoop: EventLoop) { closed = eventLoop.makePromise() }

    var peerCertificate: [UInt8]? { lock.withLock { _peerCertificate } }
    var received: [UInt8] { lock.withLock { _received } }
    var errors: [String] { lock.withLock { _errors } }
    func setPeer(_ der: [UInt8]?) { lock.withLock { _peerCertificate = der } }
    func append(_ bytes: [UInt8]) { lock.withLock { _received += bytes } }
    func error(_ text: String) { lock.withLock { _errors.append(text) } }
}

/// Echoes every byte back and records what it saw.
final class EchoRecordingHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let record: ServerRecord
    init(record: ServerRecord) { self.record = record }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent {
            let handler = try? context.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self)
            let peer = handler?.peerCertificate.flatMap { try? $0.toDERBytes() }
            record.setPeer(peer)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        record.append(Array(buffer.readableBytesView))
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        record.error("\(error)")
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        record.closed.succeed()
    }

    /// A child channel torn down before it became active never sees channelInactive: complete the
    /// promise anyway (a second completion is ignored), or it leaks (a fatal error in debug builds).
    func handlerRemoved(context: ChannelHandlerContext) {
        record.closed.succeed()
    }
}

/// Once the handshake completes: writes `records` as separate TLS records in one flush, then
/// closes (close_notify) when `closeAfter` is set.
final class ScriptedTLSServerHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let records: [String]
    let closeAfter: Bool
    init(records: [String], closeAfter: Bool) {
        self.records = records
        self.closeAfter = closeAfter
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard case .handshakeCompleted = event as? TLSUserEvent else { return }
        for record in records { context.write(wrapOutboundOut(ByteBuffer(string: record)), promise: nil) }
        context.flush()
        if closeAfter { context.close(promise: nil) }
    }
}

/// A server that is not TLS: answers `reply` when the connection is up (or closes at once when
/// it is empty), then holds the connection.
final class ReplyThenHoldHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let reply: String
    init(reply: String) { self.reply = reply }

    func channelActive(context: ChannelHandlerContext) {
        if reply.isEmpty {
            context.close(promise: nil)
        } else {
            context.writeAndFlush(NIOAny(ByteBuffer(string: reply)), promise: nil)
        }
    }
}

@Suite("Lean TLS handler against a NIOSSL server on loopback")
struct LeanTLSHandlerTests {
    let server = try! TLSTestIdentity(commonName: "lean TLS test server")
    let client = try! TLSTestIdentity(commonName: "lean TLS test client")

    /// A NIOSSL echo server that requires a client certificate (any) and records it.
    func startServer(
        version: TLSVersion,
        script: ScriptedTLSServerHandler? = nil,
        record: @escaping @Sendable (EventLoop) -> ServerRecord
    ) async throws -> (Channel, NIOLockedValueBox<ServerRecord?>) {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: server.certificateDER, format: .der))],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: server.privateKeyDER, format: .der))
        )
        configuration.minimumTLSVersion = version
        configuration.maximumTLSVersion = version
        configuration.certificateVerification = .noHostnameVerification
        let context = try NIOSSLContext(configuration: configuration)
        let last = NIOLockedValueBox<ServerRecord?>(nil)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    let serverRecord = record(child.eventLoop)
                    last.withLockedValue { $0 = serverRecord }
                    let tls = NIOSSLServerHandler(context: context) { _, promise in promise.succeed(.certificateVerified) }
                    do {
                        try child.pipeline.syncOperations.addHandler(tls)
                        if let script { try child.pipeline.syncOperations.addHandler(script) }
                        try child.pipeline.syncOperations.addHandler(EchoRecordingHandler(record: serverRecord))
                    } catch {
                        // A child the client already closed: its record's promise must not leak.
                        serverRecord.closed.succeed()
                        throw error
                    }
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return (channel, last)
    }

    /// Lean TLS presenting the test client's certificate.
    func lean(_ context: BGBLeanTLSContext) -> BGBConnectionTLS {
        .lean(context, certificateDER: client.certificateDER, privateKeyDER: client.privateKeyDER)
    }

    func connect(to address: SocketAddress, tls: BGBConnectionTLS, probe: @escaping @Sendable (EventLoop) -> ClientProbe) async throws -> (Channel, ClientProbe) {
        let box = NIOLockedValueBox<ClientProbe?>(nil)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let clientProbe = probe(channel.eventLoop)
                    box.withLockedValue { $0 = clientProbe }
                    try channel.pipeline.syncOperations.addHandlers(tls.makeHandlers(serverHostname: "127.0.0.1"))
                    try channel.pipeline.syncOperations.addHandler(clientProbe)
                }
            }
            .connect(to: address).get()
        return (channel, box.withLockedValue { $0! })
    }

    @Test("mutual TLS round trip: the server sees the client's certificate, large writes echo intact", arguments: [
        BGBTLSOptions.Version.tls10, .tls12, .tls13,
    ])
    func roundTrip(version: BGBTLSOptions.Version) async throws {
        let (listener, lastRecord) = try await startServer(version: version.nio) { ServerRecord(eventLoop: $0) }
        defer { try? listener.close().wait() }
        let context = try BGBLeanTLSContext(options: BGBTLSOptions(minimumVersion: version, maximumVersion: version))
        // 100 KB: several records each way, and records split across reads.
        let payload = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let (channel, probe) = try await connect(
            to: listener.localAddress!,
            tls: lean(context)
        ) { ClientProbe(eventLoop: $0, expectedBytes: payload.count) }
        // Written before the handshake completes: held, then sent.
        try await channel.writeAndFlush(ByteBuffer(bytes: payload)).get()
        try await probe.handshake.futureResult.get()
        try await probe.receivedAll.futureResult.get()
        #expect(probe.received == payload)
        let record = try #require(lastRecord.withLockedValue { $0 })
        #expect(record.peerCertificate == client.certificateDER)
        #expect(record.received == payload)
        // Our close sends close_notify: the server sees a clean TLS shutdown, not an unclean one.
        try await channel.close()
        try await record.closed.futureResult.get()
        #expect(!record.errors.contains { $0.contains("uncleanShutdown") })
        #expect(probe.errors.isEmpty)
    }

    @Test("a pinned server certificate is accepted when it matches and refused when it does not")
    func pinned() async throws {
        let (listener, _) = try await startServer(version: .tlsv12) { ServerRecord(eventLoop: $0) }
        defer { try? listener.close().wait() }
        let matching = try BGBLeanTLSContext(options: BGBTLSOptions(serverValidation: .pinned(server.certificateDER)))
        let (good, goodProbe) = try await connect(
            to: listener.localAddress!,
            tls: lean(matching)
        ) { ClientProbe(eventLoop: $0, expectedBytes: 1) }
        try await goodProbe.handshake.futureResult.get()
        try await good.close()

        let other = try TLSTestIdentity(commonName: "someone else")
        let mismatching = try BGBLeanTLSContext(options: BGBTLSOptions(serverValidation: .pinned(other.certificateDER)))
        let (_, badProbe) = try await connect(
            to: listener.localAddress!,
            tls: lean(mismatching)
        ) { ClientProbe(eventLoop: $0, expectedBytes: 1) }
        await #expect(throws: (any Error).self) { try await badProbe.handshake.futureResult.get() }
        try await badProbe.inactive.futureResult.get()
        let error = try #require(badProbe.errors.first as? BGBLeanTLSError)
        #expect(error.kind == .pinnedCertificateMismatch)
    }

    @Test("the NIOSSL engine makes no lean context")
    func nioSSLEngineHasNoLeanContext() throws {
        #expect(try BGBTLSOptions(engine: .niossl).makeLeanContext() == nil)
        #expect(try BGBTLSOptions(engine: .lean).makeLeanContext() != nil)
    }

    @Test("a key that is not DER fails the connection with badCredentials")
    func badCredentials() async throws {
        let (listener, _) = try await startServer(version: .tlsv12) { ServerRecord(eventLoop: $0) }
        defer { try? listener.close().wait() }
        let context = try BGBLeanTLSContext(options: BGBTLSOptions())
        let (_, probe) = try await connect(
            to: listener.localAddress!,
            tls: .lean(context, certificateDER: client.certificateDER, privateKeyDER: [0x30, 0x03, 0x02, 0x01, 0x00])
        ) { ClientProbe(eventLoop: $0, expectedBytes: 1) }
        try await probe.inactive.futureResult.get()
        let error = try #require(probe.errors.first as? BGBLeanTLSError)
        #expect(error.kind == .badCredentials)
    }

    @Test("a server that is not TLS: garbage fails the handshake, an early close is reported as such")
    func notTLS() async throws {
        for reply in ["HTTP/1.1 400 Bad Request\r\n\r\n", ""] {
            let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .childChannelInitializer { child in
                    child.pipeline.addHandler(ReplyThenHoldHandler(reply: reply))
                }
                .bind(host: "127.0.0.1", port: 0).get()
            defer { try? listener.close().wait() }
            let context = try BGBLeanTLSContext(options: BGBTLSOptions())
            let (_, probe) = try await connect(
                to: listener.localAddress!,
                tls: lean(context)
            ) { ClientProbe(eventLoop: $0, expectedBytes: 1) }
            try await probe.inactive.futureResult.get()
            // An early close may arrive as a reset first; the TLS layer still says why the handshake ended.
            let error = try #require(probe.errors.compactMap { $0 as? BGBLeanTLSError }.first)
            #expect(error.kind == (reply.isEmpty ? .closedDuringHandshake : .handshakeFailed), "reply \(reply.debugDescription): \(error)")
        }
    }

    @Test("a close from inside channelRead, with a second record still to decrypt, ends cleanly")
    func closeInsideRead() async throws {
        let script = ScriptedTLSServerHandler(records: ["first", "second"], closeAfter: false)
        let (listener, _) = try await startServer(version: .tlsv12, script: script) { ServerRecord(eventLoop: $0) }
        defer { try? listener.close().wait() }
        let context = try BGBLeanTLSContext(options: BGBTLSOptions())
        let (_, probe) = try await connect(
            to: listener.localAddress!,
            tls: lean(context)
        ) { ClientProbe(eventLoop: $0, expectedBytes: 100, closeOnFirstRead: true) }
        try await probe.inactive.futureResult.get()
        #expect(String(decoding: probe.received, as: UTF8.self) == "first")
        #expect(probe.errors.isEmpty)
    }

    @Test("the server's close_notify ends the session without an error")
    func serverCloseNotify() async throws {
        let script = ScriptedTLSServerHandler(records: ["bye"], closeAfter: true)
        let (listener, _) = try await startServer(version: .tlsv12, script: script) { ServerRecord(eventLoop: $0) }
        defer { try? listener.close().wait() }
        let context = try BGBLeanTLSContext(options: BGBTLSOptions())
        let (_, probe) = try await connect(
            to: listener.localAddress!,
            tls: lean(context)
        ) { ClientProbe(eventLoop: $0, expectedBytes: 3) }
        try await probe.inactive.futureResult.get()
        #expect(String(decoding: probe.received, as: UTF8.self) == "bye")
        #expect(probe.errors.isEmpty, "\(probe.errors)")
    }
}
