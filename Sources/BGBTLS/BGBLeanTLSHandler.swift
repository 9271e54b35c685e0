internal import CNIOBoringSSL
import NIOCore
import NIOTLS

/// A TLS handler for BGB sessions: BoringSSL driven directly, with nothing held per connection
/// while it is idle but BoringSSL's own state. A client for fleet sessions (on a shared
/// ``BGBLeanTLSContext``), or a server for the simulator's sessions (on a shared
/// ``BGBLeanTLSServerContext``, ``init(serverContext:)``).
///
/// Ciphertext moves through a BIO that reads from the buffer being delivered by `channelRead` and
/// writes into a buffer that is handed to the channel at once, so no record-sized buffer lives
/// between reads. Plaintext writes issued before the handshake completes wait and go out after it.
/// `close` sends close_notify and closes TCP without waiting for the peer's (TLS allows it; the
/// SDK closes the same way); a close_notify received closes the connection. When the handshake
/// completes it fires `TLSUserEvent.handshakeCompleted`, as `NIOSSLClientHandler` and
/// `NIOSSLServerHandler` do, so the session handler above works on either.
public final class BGBLeanTLSHandler: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    private enum State {
        case idle
        case handshaking
        case active
        case closed
    }

    /// Which end of the connection this handler plays, with that end's shared context.
    private enum Role {
        /// `serverName`: SNI; `serverHost`: the host as dialled (a DNS name or an IP address),
        /// what a validated certificate must name.
        case client(BGBLeanTLSContext, serverName: String?, serverHost: String?)
        case server(BGBLeanTLSServerContext)
    }

    private let role: Role
    private var certificateDER: [UInt8]
    private var privateKeyDER: [UInt8]
    /// Server mode: the SHA-1 of the client's certificate (DER), once the handshake has seen it;
    /// nil before, or when the client presented none.
    public private(set) var peerCertificateSHA1: [UInt8]?
    private var state: State = .idle
    private var ssl: OpaquePointer?
    /// Ciphertext received but not yet consumed by BoringSSL (only between reads of a split record).
    private var inbound: ByteBuffer?
    /// Ciphertext BoringSSL produced during the current call, written to the channel right after.
    private var outbound: ByteBuffer?
    private var allocator = ByteBufferAllocator()
    /// Plaintext bytes read per `SSL_read`.
    private static let plaintextChunk = 1024
    /// Plaintext written before the handshake completed.
    private var pendingWrites: [(ByteBuffer, EventLoopPromise<Void>?)] = []
    private var pendingFlush = false

    /// - Parameters:
    ///   - context: the run's shared context.
    ///   - certificateDER: the client's certificate (DER), presented for mutual TLS.
    ///   - privateKeyDER: its private key (DER: PKCS#1, PKCS#8 or SEC1).
    ///   - serverHostname: sent as SNI when it is a DNS name (never for an IP address).
    public init(context: BGBLeanTLSContext, certificateDER: [UInt8], privateKeyDER: [UInt8], serverHostname: String?) {
        self.role = .client(
            context,
            serverName: serverHostname.flatMap { BGBTLSOptions.isIPAddress($0) ? nil : $0 },
            serverHost: serverHostname
        )
        self.certificateDER = certificateDER
        self.privateKeyDER = privateKeyDER
    }

    /// A server-side handler on the listener's shared context: it requests the client's
    /// certificate (``peerCertificateSHA1``) and presents the context's certificate.
    public init(serverContext: BGBLeanTLSServerContext) {
        self.role = .server(serverContext)
        self.certificateDER = []
        self.privateKeyDER = []
    }

    deinit {
        freeConnection()
    }

    // MARK: Lifecycle

    public func handlerAdded(context: ChannelHandlerContext) {
        allocator = context.channel.allocator
        if context.channel.isActive { startHandshake(context: context) }
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        failPendingWrites(ChannelError.ioOnClosedChannel)
        freeConnection()
        state = .closed
    }

    public func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        startHandshake(context: context)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        let wasHandshaking = state == .handshaking
        state = .closed
        failPendingWrites(ChannelError.ioOnClosedChannel)
        // The SSL lives on until handlerRemoved (a tick later): a caller up the stack may still be
        // inside a BoringSSL loop with it (a close fired from channelRead lands here at once).
        inbound = nil
        outbound = nil
        if wasHandshaking { context.fireErrorCaught(BGBLeanTLSError(.closedDuringHandshake)) }
        context.fireChannelInactive()
    }

    private func startHandshake(context: ChannelHandlerContext) {
        guard state == .idle else { return }
        state = .handshaking
        do {
            ssl = try makeConnection()
        } catch {
            fail(context: context, error: error)
            return
        }
        // The DER copies are no longer needed: BoringSSL holds the parsed key until the handshake ends.
        certificateDER = []
        privateKeyDER = []
        driveHandshake(context: context)
    }

    private func makeConnection() throws -> OpaquePointer {
        let sharedContext: OpaquePointer
        switch role {
        case .client(let context, _, _): sharedContext = context.context
        case .server(let context): sharedContext = context.context
        }
        guard let ssl = SSL_new(sharedContext) else { throw BGBLeanTLSError.drainingErrorQueue(.setupFailed) }
        do {
            if case .client(_, let serverName, _) = role {
                try loadCredentials(into: ssl)
                if let serverName {
                    guard SSL_set_tlsext_host_name(ssl, serverName) == 1 else {
                        throw BGBLeanTLSError.drainingErrorQueue(.setupFailed)
                    }
                }
            }
            SSL_set_shed_handshake_config(ssl, 1)
            guard let bio = BIO_new(BGBLeanTLSHandler.bioMethod) else { throw BGBLeanTLSError.drainingErrorQueue(.setupFailed) }
            BIO_set_data(bio, Unmanaged.passUnretained(self).toOpaque())
            BIO_set_init(bio, 1)
            // One reference covers both directions when rbio == wbio.
            SSL_set_bio(ssl, bio, bio)
            if case .server = role {
                SSL_set_accept_state(ssl)
            } else {
                SSL_set_connect_state(ssl)
            }
            return ssl
        } catch {
            SSL_free(ssl)
            throw error
        }
    }

    private func loadCredentials(into ssl: OpaquePointer) throws {
        let key: OpaquePointer? = privateKeyDER.withUnsafeBufferPointer { bytes in
            var cursor = bytes.baseAddress
            return d2i_AutoPrivateKey(nil, &cursor, bytes.count)
        }
        guard let key else { throw BGBLeanTLSError.drainingErrorQueue(.badCredentials) }
        defer { EVP_PKEY_free(key) }
        let certificate: OpaquePointer? = certificateDER.withUnsafeBufferPointer { bytes in
            CRYPTO_BUFFER_new(bytes.baseAddress, bytes.count, nil)
        }
        guard let certificate else { throw BGBLeanTLSError.drainingErrorQueue(.badCredentials) }
        defer { CRYPTO_BUFFER_free(certificate) }
        var chain: [OpaquePointer?] = [certificate]
        let loaded = SSL_set_chain_and_key(ssl, &chain, 1, key, nil)
        guard loaded == 1 else { throw BGBLeanTLSError.drainingErrorQueue(.badCredentials) }
    }

    private func freeConnection() {
        guard let ssl else { return }
        if let bio = SSL_get_rbio(ssl) { BIO_set_data(bio, nil) }
        SSL_free(ssl)
        self.ssl = nil
        inbound = nil
        outbound = nil
    }

    // MARK: Inbound

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if inbound == nil {
            inbound = bytes
        } else {
            inbound!.writeBuffer(&bytes)
        }
        switch state {
        case .handshaking:
            driveHandshake(context: context)
            if state == .active { readPlaintext(context: context) }
        case .active:
            readPlaintext(context: context)
        case .idle, .closed:
            inbound = nil
        }
        if inbound?.readableBytes == 0 { inbound = nil }
    }

    private func driveHandshake(context: ChannelHandlerContext) {
        guard let ssl else { return }
        let result = SSL_do_handshake(ssl)
        // Classify (and take the error queue) before writing: the write may close the channel.
        let failure: BGBLeanTLSError?
        if result == 1 {
            failure = nil
        } else {
            let error = SSL_get_error(ssl, result)
            failure = error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE
                ? nil : BGBLeanTLSError.drainingErrorQueue(.handshakeFailed)
        }
        writeOutbound(context: context, promise: nil, flush: true)
        if let failure {
            fail(context: context, error: failure)
            return
        }
        guard result == 1, state == .handshaking else { return }
        if case .client(let tlsContext, _, let serverHost) = role {
            if let pinned = tlsContext.pinnedServerCertificate, peerLeafCertificate() != pinned {
                fail(context: context, error: BGBLeanTLSError(.pinnedCertificateMismatch))
                return
            }
            if let trust = tlsContext.serverTrust, let failure = trust.verify(chain: peerCertificates(), hostname: serverHost) {
                fail(context: context, error: failure)
                return
            }
        }
        state = .active
        // Writes issued during the handshake go first, in order, then the handlers above learn
        // that the handshake completed.
        let writes = pendingWrites
        pendingWrites = []
        for (buffer, promise) in writes {
            if state == .active {
                encrypt(context: context, buffer, promise: promise)
            } else {
                promise?.fail(ChannelError.ioOnClosedChannel)
            }
        }
        if pendingFlush || !writes.isEmpty {
            pendingFlush = false
            context.flush()
        }
        guard state == .active else { return }
        context.fireUserInboundEventTriggered(TLSUserEvent.handshakeCompleted(negotiatedProtocol: nil))
    }

    /// The server's leaf certificate (DER) after the handshake.
    private func peerLeafCertificate() -> [UInt8]? {
        guard let ssl else { return nil }
        return Self.peerCertificates(ssl).first
    }

    /// The certificates the server presented (DER, leaf first) after the handshake.
    private func peerCertificates() -> [[UInt8]] {
        guard let ssl else { return [] }
        return Self.peerCertificates(ssl)
    }

    /// Server mode, called by the context's verify callback while the handshake reads the
    /// client's Certificate: keeps the leaf's SHA-1 and asks the context's verifier, if any.
    func verifyClientCertificate(ssl: OpaquePointer) -> Bool {
        guard case .server(let serverContext) = role else { return false }
        let chain = Self.peerCertificates(ssl)
        guard let leaf = chain.first else { return false }
        var digest = [UInt8](repeating: 0, count: Int(SHA_DIGEST_LENGTH))
        leaf.withUnsafeBufferPointer { bytes in
            _ = digest.withUnsafeMutableBufferPointer { SHA1(bytes.baseAddress, bytes.count, $0.baseAddress) }
        }
        peerCertificateSHA1 = digest
        return serverContext.clientCertificateVerifier?(chain) ?? true
    }

    /// The certificates the peer presented (DER, leaf first).
    private static func peerCertificates(_ ssl: OpaquePointer) -> [[UInt8]] {
        guard let chain = SSL_get0_peer_certificates(ssl) else { return [] }
        return (0..<OPENSSL_sk_num(chain)).compactMap { position in
            guard let element = OPENSSL_sk_value(chain, position) else { return nil }
            let buffer = OpaquePointer(element)
            return Array(UnsafeBufferPointer(start: CRYPTO_BUFFER_data(buffer), count: CRYPTO_BUFFER_len(buffer)))
        }
    }

    private func readPlaintext(context: ChannelHandlerContext) {
        while state == .active, let ssl {
            // 1 KiB holds a BGB message (a Request is ~250 bytes) and stays in malloc's per-thread
            // cache; a larger record is read in several pieces (SSL_pending below).
            var plaintext = allocator.buffer(capacity: Self.plaintextChunk)
            var result: Int32 = 0
            plaintext.writeWithUnsafeMutableBytes(minimumWritableBytes: Self.plaintextChunk) { pointer in
                result = SSL_read(ssl, pointer.baseAddress, Int32(clamping: pointer.count))
                return max(0, Int(result))
            }
            if result > 0 {
                // Anything BoringSSL wrote while reading (a TLS 1.3 KeyUpdate answer) goes first.
                writeOutbound(context: context, promise: nil, flush: true)
                guard state == .active else { return }
                context.fireChannelRead(wrapInboundOut(plaintext))
                // The handlers above may have closed the channel; stop touching BoringSSL then.
                // Nothing decrypted left and no ciphertext to read: another SSL_read would only
                // say WANT_READ (and cost a buffer).
                guard state == .active, SSL_pending(ssl) > 0 || (inbound?.readableBytes ?? 0) > 0 else { return }
                continue
            }
            let error = SSL_get_error(ssl, result)
            let failure = error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE || error == SSL_ERROR_ZERO_RETURN
                ? nil : BGBLeanTLSError.drainingErrorQueue(.recordFailed)
            // Alerts or post-handshake messages may have produced output.
            writeOutbound(context: context, promise: nil, flush: true)
            if let failure {
                fail(context: context, error: failure)
            } else if error == SSL_ERROR_ZERO_RETURN, state == .active {
                // close_notify from the peer: the session is over. A server answers with its own
                // (as TLS asks and NIOSSL's server does: a client waiting for it sees a clean end);
                // a client closes at once, as the SDK does.
                if case .server = role {
                    if SSL_shutdown(ssl) < 0 { ERR_clear_error() }
                    writeOutbound(context: context, promise: nil, flush: true)
                }
                state = .closed
                context.close(promise: nil)
            }
            return
        }
    }

    // MARK: Outbound

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let buffer = unwrapOutboundIn(data)
        switch state {
        case .idle, .handshaking:
            pendingWrites.append((buffer, promise))
        case .active:
            encrypt(context: context, buffer, promise: promise)
        case .closed:
            promise?.fail(ChannelError.ioOnClosedChannel)
        }
    }

    public func flush(context: ChannelHandlerContext) {
        if state == .active {
            context.flush()
        } else {
            pendingFlush = true
        }
    }

    public func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard mode != .input else {
            // Only reading stops; writes carry on.
            context.close(mode: mode, promise: promise)
            return
        }
        if state == .active, let ssl {
            // close_notify, then TCP close; the peer's close_notify is not awaited.
            if SSL_shutdown(ssl) < 0 { ERR_clear_error() }
            writeOutbound(context: context, promise: nil, flush: true)
        }
        state = .closed
        failPendingWrites(ChannelError.ioOnClosedChannel)
        context.close(mode: mode, promise: promise)
    }

    private func encrypt(context: ChannelHandlerContext, _ buffer: ByteBuffer, promise: EventLoopPromise<Void>?) {
        guard let ssl else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        guard buffer.readableBytes > 0 else {
            promise?.succeed()
            return
        }
        let result = buffer.withUnsafeReadableBytes { bytes in
            SSL_write(ssl, bytes.baseAddress, Int32(clamping: bytes.count))
        }
        guard result == buffer.readableBytes else {
            // Without partial writes and with a BIO that always accepts, anything else is an error.
            let error = BGBLeanTLSError.drainingErrorQueue(.recordFailed)
            promise?.fail(error)
            fail(context: context, error: error)
            return
        }
        writeOutbound(context: context, promise: promise, flush: false)
    }

    /// Hands the ciphertext produced so far to the channel.
    private func writeOutbound(context: ChannelHandlerContext, promise: EventLoopPromise<Void>?, flush: Bool) {
        guard let bytes = outbound else {
            promise?.succeed()
            return
        }
        outbound = nil
        context.write(wrapOutboundOut(bytes), promise: promise)
        if flush { context.flush() }
    }

    private func failPendingWrites(_ error: Error) {
        guard !pendingWrites.isEmpty else { return }
        let writes = pendingWrites
        pendingWrites = []
        for (_, promise) in writes { promise?.fail(error) }
    }

    private func fail(context: ChannelHandlerContext, error: Error) {
        guard state != .closed else { return }
        state = .closed
        failPendingWrites(error)
        context.fireErrorCaught(error)
        context.close(promise: nil)
    }

    // MARK: BIO

    fileprivate func bioRead(into pointer: UnsafeMutableRawBufferPointer) -> Int32 {
        guard var buffer = inbound, buffer.readableBytes > 0 else { return -1 }
        let count = min(pointer.count, buffer.readableBytes)
        buffer.withUnsafeReadableBytes { bytes in
            pointer.baseAddress!.copyMemory(from: bytes.baseAddress!, byteCount: count)
        }
        buffer.moveReaderIndex(forwardBy: count)
        inbound = buffer
        return Int32(count)
    }

    fileprivate func bioWrite(_ bytes: UnsafeRawBufferPointer) -> Int32 {
        if outbound == nil { outbound = allocator.buffer(capacity: max(bytes.count, 256)) }
        outbound!.writeBytes(bytes)
        return Int32(bytes.count)
    }

    /// The BIO method shared by every lean TLS connection: reads from ``inbound``, writes to ``outbound``.
    nonisolated(unsafe) static let bioMethod: OpaquePointer = {
        guard let method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "bgbfleet lean TLS") else {
            preconditionFailure("BoringSSL could not create a BIO method")
        }
        BIO_meth_set_read(method) { bio, buffer, length in
            guard let bio, let buffer, length > 0 else { return 0 }
            BIO_clear_retry_flags(bio)
            guard let owner = BIO_get_data(bio) else { return -1 }
            let handler = Unmanaged<BGBLeanTLSHandler>.fromOpaque(owner).takeUnretainedValue()
            let count = handler.bioRead(into: UnsafeMutableRawBufferPointer(start: buffer, count: Int(length)))
            if count < 0 { BIO_set_retry_read(bio) }
            return count
        }
        BIO_meth_set_write(method) { bio, buffer, length in
            guard let bio, let buffer, length > 0 else { return 0 }
            BIO_clear_retry_flags(bio)
            guard let owner = BIO_get_data(bio) else { return -1 }
            let handler = Unmanaged<BGBLeanTLSHandler>.fromOpaque(owner).takeUnretainedValue()
            return handler.bioWrite(UnsafeRawBufferPointer(start: buffer, count: Int(length)))
        }
        BIO_meth_set_ctrl(method) { _, command, _, _ in
            command == BIO_CTRL_FLUSH ? 1 : 0
        }
        return method
    }()
}
