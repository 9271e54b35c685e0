import Crypto
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOTLS
import SwiftASN1
import X509

// TLS fixtures shared by the TLS tests of BGBTLSTests and BGBClientTests (moved here from
// LeanTLSHandlerTests.swift when it moved to BGBTLSTests).

/// A self-signed P-256 certificate and its key, as DER (generated per test run: cheap).
public struct TLSTestIdentity: Sendable {
    public let certificateDER: [UInt8]
    public let privateKeyDER: [UInt8]
    /// The same key in PEM.
    public let privateKeyPEM: String

    public init(commonName: String) throws {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName(commonName) }
        let now = Date()
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600),
            notValidAfter: now.addingTimeInterval(3600),
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: Certificate.Extensions {},
            issuerPrivateKey: Certificate.PrivateKey(key)
        )
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        certificateDER = serializer.serializedBytes
        privateKeyDER = Array(key.derRepresentation)
        privateKeyPEM = key.pemRepresentation
    }
}

/// Collects what the client side of the pipeline sees above the lean TLS handler.
public final class ClientProbe: ChannelInboundHandler, @unchecked Sendable {
    public typealias InboundIn = ByteBuffer
    private let lock = NIOLock()
    private var _received: [UInt8] = []
    private var _errors: [Error] = []
    public let handshake: EventLoopPromise<Void>
    public let inactive: EventLoopPromise<Void>
    public let expectedBytes: Int
    public let receivedAll: EventLoopPromise<Void>
    /// Close the channel from inside the first channelRead (as a session does on Disconnect).
    public let closeOnFirstRead: Bool

    public init(eventLoop: EventLoop, expectedBytes: Int, closeOnFirstRead: Bool = false) {
        handshake = eventLoop.makePromise()
        inactive = eventLoop.makePromise()
        receivedAll = eventLoop.makePromise()
        self.expectedBytes = expectedBytes
        self.closeOnFirstRead = closeOnFirstRead
    }

    public var received: [UInt8] { lock.withLock { _received } }
    public var errors: [Error] { lock.withLock { _errors } }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent { handshake.succeed() }
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let count = lock.withLock {
            _received += unwrapInboundIn(data).readableBytesView
            return _received.count
        }
        if count >= expectedBytes { receivedAll.succeed() }
        if closeOnFirstRead { context.close(promise: nil) }
    }

    public func errorCaught(context: ChannelHandlerContext, error: Error) {
        lock.withLock { _errors.append(error) }
    }

    public func channelInactive(context: ChannelHandlerContext) {
        handshake.fail(ChannelError.ioOnClosedChannel)
        receivedAll.fail(ChannelError.ioOnClosedChannel)
        inactive.succeed()
    }

    /// The same when the channel is torn down without channelInactive (later completions are ignored).
    public func handlerRemoved(context: ChannelHandlerContext) {
        channelInactive(context: context)
    }
}
